//! What the recorder holds at one moment, family by family, as the expositions (Prometheus text,
//! OpenMetrics, OTLP) and the viewer read it. Families come sorted by name, series by labels.

use metrics::{Key, KeyName, SharedString, Unit};

use super::exemplar::Exemplar;
use super::histogram::HistogramValue;
pub(crate) use crate::metric_names::MetricKind;

/// Every series of every metric.
pub(crate) struct Snapshot {
    pub(crate) families: Vec<Family>,
}

/// One metric: its name, kind, description and series.
pub(crate) struct Family {
    pub(crate) name: KeyName,
    pub(crate) kind: MetricKind,
    pub(crate) unit: Option<Unit>,
    pub(crate) help: Option<SharedString>,
    pub(crate) series: Vec<SnapshotSeries>,
}

/// One series: its key (name and labels) and value.
pub(crate) struct SnapshotSeries {
    pub(crate) key: Key,
    pub(crate) value: Value,
}

/// A series' value.
pub(crate) enum Value {
    Counter {
        value: u64,
        exemplar: Option<Exemplar>,
    },
    Gauge(f64),
    Histogram(HistogramValue),
    /// A counter kept elsewhere and read as a float (`process_cpu_seconds_total`), no exemplar.
    FloatCounter(f64),
}
