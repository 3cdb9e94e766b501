//! Metrics captured by `metrics-util`'s debugging recorder, looked up by name and labels.

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::{CompositeKey, MetricKind};

/// A debugging recorder and what it captured.
pub struct Metrics {
    recorder: DebuggingRecorder,
    snapshotter: Snapshotter,
}

/// One series of a snapshot.
#[derive(Debug)]
pub struct Series {
    pub kind: MetricKind,
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: DebugValue,
}

impl Series {
    fn has_labels(&self, labels: &[(&str, &str)]) -> bool {
        labels
            .iter()
            .all(|(k, v)| self.labels.iter().any(|(lk, lv)| lk == k && lv == v))
    }
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        Metrics {
            recorder,
            snapshotter,
        }
    }

    pub fn recorder(&self) -> &DebuggingRecorder {
        &self.recorder
    }

    /// Every series; a snapshot drains what it shows (counters, gauges and histograms start over).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::from(self.snapshotter.snapshot())
    }
}

impl From<metrics_util::debugging::Snapshot> for Snapshot {
    fn from(snapshot: metrics_util::debugging::Snapshot) -> Self {
        Snapshot(
            snapshot
                .into_vec()
                .into_iter()
                .map(|(key, _unit, _help, value): (CompositeKey, _, _, _)| {
                    let (kind, key) = key.into_parts();
                    let (name, labels) = key.into_parts();
                    Series {
                        kind,
                        name: name.as_str().to_owned(),
                        labels: labels
                            .into_iter()
                            .map(|l| (l.key().to_owned(), l.value().to_owned()))
                            .collect(),
                        value,
                    }
                })
                .collect(),
        )
    }
}

/// A snapshot of every series.
#[derive(Debug)]
pub struct Snapshot(pub Vec<Series>);

impl Snapshot {
    /// The series of this metric whose labels include `labels`.
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Series> {
        self.0
            .iter()
            .filter(|s| s.name == name && s.has_labels(labels))
            .collect()
    }

    /// The samples of the one histogram series matching.
    pub fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        match self.one(name, labels).value {
            DebugValue::Histogram(ref values) => values.iter().map(|v| v.into_inner()).collect(),
            ref other => panic!("{name} is no histogram: {other:?}"),
        }
    }

    /// The value of the one counter series matching.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        match self.one(name, labels).value {
            DebugValue::Counter(value) => value,
            ref other => panic!("{name} is no counter: {other:?}"),
        }
    }

    /// The value of the one gauge series matching.
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        match self.one(name, labels).value {
            DebugValue::Gauge(value) => value.into_inner(),
            ref other => panic!("{name} is no gauge: {other:?}"),
        }
    }

    fn one(&self, name: &str, labels: &[(&str, &str)]) -> &Series {
        let found = self.find(name, labels);
        assert_eq!(
            found.len(),
            1,
            "expected one {name} series with {labels:?}, saw {:#?}",
            self.0
        );
        found[0]
    }
}
