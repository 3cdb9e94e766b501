//! tripod's metrics recorder on the builder and the guard: its setters (the settings are
//! `crate::recorder::Settings`), when it is made, and the recorder the guard gives out until
//! `install()` makes it global.

use super::env::FromEnvironment;
use super::{Builder, InitError, Telemetry};
use crate::MetricsRecorder;

impl Builder {
    /// The buckets of every histogram without buckets of its own. Defaults to
    /// [`DEFAULT_BUCKETS`](crate::DEFAULT_BUCKETS), seconds from 10 µs to 10 s (1, 2.5, 5 per
    /// decade), which resolve fast calls that OpenTelemetry's advisory buckets (from 5 ms) do not.
    pub fn histogram_buckets(mut self, buckets: &[f64]) -> Self {
        self.metrics.default_buckets = buckets.to_vec();
        self
    }

    /// The buckets of one histogram, by its full name; a later call for the same histogram
    /// replaces an earlier one. Defaults to the [`histogram_buckets`](Builder::histogram_buckets)
    /// (for `db_client_operation_duration_seconds` too: the database conventions' buckets start
    /// at 1 ms, slower than a query on a warm SQLite page).
    pub fn metric_buckets(mut self, metric: impl Into<String>, buckets: &[f64]) -> Self {
        // First match wins: the newest goes first.
        self.metrics
            .metric_buckets
            .insert(0, (metric.into(), buckets.to_vec()));
        self
    }

    /// How many label sets one metric may have. Past it, samples of a new label set go to the
    /// metric's one overflow series, labelled `otel_metric_overflow="true"` (so they still count),
    /// each such label set is counted in `tripod_metric_overflow_total{metric}`, and the first is
    /// reported in one WARN line `tripod.metrics.overflow`. A label computed per call (an
    /// attribute's `labels(k = %expr)`, or your own `metrics::counter!` with a run-time value)
    /// can therefore never grow the exposition without bound. Defaults to
    /// [`DEFAULT_SERIES_LIMIT`](crate::DEFAULT_SERIES_LIMIT) (2,000, as OpenTelemetry's SDKs).
    pub fn metric_series_limit(mut self, label_sets: usize) -> Self {
        self.metrics.series_limit = label_sets.max(1);
        self
    }

    /// Whether the process's metrics are read with the others, when scraped or pushed, under the
    /// names Prometheus clients give them: `process_cpu_seconds_total`,
    /// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`,
    /// `process_max_fds`, `process_start_time_seconds`, `process_threads` (Linux; elsewhere
    /// none). Defaults to `true`.
    ///
    /// ```
    /// let telemetry = tripod::init().environment(|_| None).build()?;
    /// # #[cfg(target_os = "linux")]
    /// assert!(telemetry.render_metrics().unwrap().contains("process_resident_memory_bytes "));
    /// let telemetry = tripod::init().environment(|_| None).process_metrics(false).build()?;
    /// assert!(!telemetry.render_metrics().unwrap().contains("process_cpu_seconds_total"));
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    pub fn process_metrics(mut self, enabled: bool) -> Self {
        self.metrics.process_metrics = enabled;
        self
    }

    /// Whether the Tokio runtime's metrics are read with the others, when scraped or pushed:
    /// `tokio_workers`, `tokio_alive_tasks`, `tokio_global_queue_depth`,
    /// `tokio_worker_busy_seconds_total{worker}` and `tokio_worker_park_total{worker}`, from
    /// Tokio's stable `RuntimeMetrics`. The runtime is the one `install()` (or `build()`) is
    /// called on, or the one [`tokio_runtime`](Builder::tokio_runtime) names. Defaults to `true`.
    pub fn runtime_metrics(mut self, enabled: bool) -> Self {
        self.metrics.runtime_metrics = enabled;
        self
    }

    /// The Tokio runtime whose metrics are read, for an application that calls `install()`
    /// before its runtime runs (outside it, none is found). Defaults to the current one.
    ///
    /// ```
    /// let runtime = tokio::runtime::Runtime::new()?;
    /// let telemetry = tripod::init()
    ///     .environment(|_| None)
    ///     .tokio_runtime(runtime.handle().clone())
    ///     .build()?;
    /// assert!(telemetry.render_metrics().unwrap().contains("tokio_workers "));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tokio_runtime(mut self, handle: tokio::runtime::Handle) -> Self {
        self.metrics.runtime = Some(handle);
        self
    }

    /// The recorder, when `/metrics` or OTLP metrics want it; its histograms count in
    /// exponential buckets too when either offers them.
    pub(super) fn start_recorder(
        &self,
        env: &FromEnvironment,
    ) -> Result<Option<MetricsRecorder>, InitError> {
        #[cfg(feature = "prometheus")]
        let (prometheus, native) = (self.prometheus.enabled, self.prometheus.native_histograms);
        #[cfg(not(feature = "prometheus"))]
        let (prometheus, native) = (false, false);
        #[cfg(feature = "otlp")]
        let (otlp, exponential) = self.otlp_metrics_wanted(env);
        #[cfg(not(feature = "otlp"))]
        let (otlp, exponential) = (false, false);
        let _ = env;
        if !prometheus && !otlp {
            return Ok(None);
        }
        self.metrics
            .start((otlp && exponential) || (prometheus && native))
            .map(Some)
            .map_err(InitError::InvalidBuckets)
    }
}

impl Telemetry {
    /// The recorder, when `build()` left its installation to the caller (for example
    /// `metrics::with_local_recorder` in tests); `None` after `install()`, which made it global.
    #[cfg_attr(docsrs, doc(cfg(any(feature = "prometheus", feature = "otlp"))))]
    pub fn recorder(&self) -> Option<&MetricsRecorder> {
        self.recorder.as_ref()
    }
}
