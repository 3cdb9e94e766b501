//! tripod's `metrics` recorder: counters, gauges and explicit-bucket histograms of atomics, each
//! histogram bucket and counter with the latest exemplar taken from the sampled span current on
//! the recording thread, and a limit on each metric's label sets. Its formats are elsewhere: the
//! Prometheus text expositions in `prometheus/`, OTLP in `otlp/`, the viewer's readings in
//! `viewer/`; each reads a [`Snapshot`](snapshot::Snapshot).
//!
//! Hand-written rather than built on `prometheus-client`: that crate takes a lock per histogram
//! sample and keeps exemplars only when the caller passes them, and its registry is typed by the
//! caller's code, where `metrics`' callers name series at run time (`BENCHMARKS.md` has the
//! record costs side by side).

mod counter;
mod exemplar;
mod exponential;
mod histogram;
mod process;
mod registry;
mod runtime;
mod settings;
mod snapshot;

use std::sync::{Arc, OnceLock, RwLock};

use metrics::{Key, KeyName, Metadata, SharedString, Unit};

// Each reader takes the parts it needs: which are used depends on the features built.
#[allow(unused_imports)]
pub(crate) use exemplar::Exemplar;
#[allow(unused_imports)]
pub(crate) use exponential::{Buckets as ExponentialBuckets, ExponentialValue, MAX_BUCKETS};
#[allow(unused_imports)]
pub(crate) use histogram::HistogramValue;
pub(crate) use registry::Buckets;
pub(crate) use settings::Settings;
#[allow(unused_imports)]
pub(crate) use snapshot::SnapshotSeries;
pub(crate) use snapshot::{Family, MetricKind, Snapshot, Value};

/// The default buckets of every histogram, for durations in seconds: 10 µs to 10 s in steps of
/// 1, 2.5, 5 per decade (19 bounds). OpenTelemetry's advisory buckets start at 5 ms, and the
/// database conventions' at 1 ms, so a call of 40 µs (a model call, a cache lookup, a query on a
/// warm SQLite page) lands in their first bucket and `histogram_quantile` reads it as 2.5 ms or
/// 0.5 ms; here no bucket's upper bound is more than 2.5 times its lower, so a quantile
/// interpolated inside one is within a factor of 2.5 of the truth anywhere from 10 µs to 10 s.
///
/// ```
/// assert_eq!(tripod::DEFAULT_BUCKETS.first(), Some(&0.000_01));
/// assert_eq!(tripod::DEFAULT_BUCKETS.last(), Some(&10.0));
/// assert!(tripod::DEFAULT_BUCKETS.windows(2).all(|pair| pair[1] <= pair[0] * 2.5 + 1e-12));
/// ```
pub const DEFAULT_BUCKETS: [f64; 19] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How many label sets one metric may have by default, as OpenTelemetry's SDKs allow.
pub const DEFAULT_SERIES_LIMIT: usize = 2000;

/// tripod's metrics recorder: what `tripod::init()` installs as the global `metrics` recorder, or
/// what [`Telemetry::recorder`](crate::Telemetry::recorder) hands over to be installed by the
/// application (`metrics::set_global_recorder`, or `metrics::with_local_recorder` in tests).
/// Cloning it gives another handle to the same series.
///
/// ```
/// use metrics::Recorder as _;
///
/// let telemetry = tripod::init().build()?;
/// let recorder = telemetry.recorder().expect("built, not installed");
/// metrics::with_local_recorder(recorder, || metrics::counter!("jobs_total").increment(3));
/// assert!(telemetry.render_metrics().unwrap().contains("jobs_total 3"));
/// # Ok::<(), tripod::InitError>(())
/// ```
#[derive(Clone)]
pub struct MetricsRecorder {
    registry: Arc<registry::Registry>,
    /// What brings the series up to date before they are read: the collector thread records
    /// observed calls' metrics from their records, so a read first collects what was recorded.
    before_read: Arc<OnceLock<BeforeRead>>,
    /// Families read when the series are read, not recorded: the process's, the runtime's.
    read_also: Arc<RwLock<Vec<ReadFamilies>>>,
}

type BeforeRead = Box<dyn Fn() + Send + Sync>;
type ReadFamilies = Box<dyn Fn(&mut Vec<Family>) + Send + Sync>;

impl std::fmt::Debug for MetricsRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsRecorder").finish_non_exhaustive()
    }
}

impl MetricsRecorder {
    /// A recorder whose histograms use `buckets`, each metric holding at most `series_limit`
    /// label sets; tripod's own metrics are described.
    pub(crate) fn new(buckets: Buckets, series_limit: usize) -> MetricsRecorder {
        let recorder = MetricsRecorder {
            registry: Arc::new(registry::Registry::new(buckets, series_limit)),
            before_read: Arc::default(),
            read_also: Arc::default(),
        };
        crate::metric_names::describe(&recorder);
        recorder
    }

    /// Runs `refresh` before every read of the series from now on (once; later calls are
    /// ignored).
    pub(crate) fn before_read(&self, refresh: impl Fn() + Send + Sync + 'static) {
        let _ = self.before_read.set(Box::new(refresh));
    }

    /// Adds the families `read` gives to every read of the series from now on.
    pub(crate) fn read_also(&self, read: impl Fn(&mut Vec<Family>) + Send + Sync + 'static) {
        self.read_also
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Box::new(read));
    }

    /// Every series now (the collector thread's records collected first), and the families read
    /// meanwhile, sorted by name: with `deltas`, the histograms' min and max start over.
    fn snapshot_now(&self, deltas: bool) -> Snapshot {
        if let Some(refresh) = self.before_read.get() {
            refresh();
        }
        let mut snapshot = self.registry.snapshot(deltas);
        let read_also = self
            .read_also
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !read_also.is_empty() {
            for read in read_also.iter() {
                read(&mut snapshot.families);
            }
            snapshot
                .families
                .sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
        }
        snapshot
    }

    /// Every series now.
    #[cfg(feature = "prometheus")]
    pub(crate) fn snapshot(&self) -> Snapshot {
        self.snapshot_now(false)
    }

    /// Every series now, for an export: with `deltas`, the histograms' min and max start over.
    #[cfg(feature = "otlp")]
    pub(crate) fn snapshot_for_export(&self, deltas: bool) -> Snapshot {
        self.snapshot_now(deltas)
    }
}

impl metrics::Recorder for MetricsRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.registry.describe(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.registry.describe(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.registry.describe(key, unit, description);
    }

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(self.registry.counter(key))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::from_arc(self.registry.gauge(key))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> metrics::Histogram {
        metrics::Histogram::from_arc(self.registry.histogram(key))
    }
}
