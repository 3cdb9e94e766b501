//! OTLP on the builder and the guard: its setters (the settings are `crate::otlp::Settings`,
//! read over by its variables in `crate::otlp`), its start, and what the guard tells of its
//! exports.

use std::time::Duration;

use super::env::FromEnvironment;
use super::{Builder, InitError, Telemetry};
use crate::otlp::{Exporting, Shared, Signal};
use crate::sink::Part;

impl Builder {
    /// Whether anything may be exported over OTLP; with `true`, each signal is exported when an
    /// endpoint is configured for it and nothing turns it off. Defaults to `true`.
    pub fn otlp(mut self, enabled: bool) -> Self {
        self.otlp.enabled = enabled;
        self
    }

    /// The endpoint's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` gives it (for HTTP,
    /// `/v1/traces`, `/v1/logs` and `/v1/metrics` are appended). The environment variables
    /// override it. Defaults to none: no export.
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp.endpoint = Some(url.into());
        self
    }

    /// The transport. `OTEL_EXPORTER_OTLP_PROTOCOL` overrides it. Defaults to `http/protobuf`.
    pub fn otlp_protocol(mut self, protocol: crate::otlp::OtlpProtocol) -> Self {
        self.otlp.protocol = protocol;
        self
    }

    /// A header sent with every export (an API key, a tenant id). `OTEL_EXPORTER_OTLP_HEADERS`
    /// (and `OTEL_EXPORTER_OTLP_TRACES_HEADERS`) add to these and win for the same name. Values
    /// never appear in logs. Defaults to none.
    ///
    /// ```no_run
    /// let _telemetry = tripod::init()
    ///     .otlp_endpoint("https://otlp.example.com")
    ///     .otlp_header("api-key", std::env::var("API_KEY").unwrap_or_default())
    ///     .install()?;
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.otlp.headers.push((name.into(), value.into()));
        self
    }

    /// Whether export requests are gzipped. `OTEL_EXPORTER_OTLP_COMPRESSION` (and `_TRACES_`)
    /// override it. Defaults to `false`.
    pub fn otlp_gzip(mut self, enabled: bool) -> Self {
        self.otlp.gzip = enabled;
        self
    }

    /// Whether log records go over OTLP too (to the logs endpoint, `/v1/logs` under
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`), when an endpoint is configured: every line tripod writes,
    /// as a `LogRecord` with its trace context. `OTEL_LOGS_EXPORTER` without `otlp` turns it off.
    /// Defaults to `true`.
    pub fn otlp_logs(mut self, enabled: bool) -> Self {
        self.otlp.logs = enabled;
        self
    }

    /// Whether metrics go over OTLP too (to `/v1/metrics` under the endpoint), every
    /// [`metric_export_interval`](Builder::metric_export_interval), when an endpoint is
    /// configured. `OTEL_METRICS_EXPORTER` without `otlp` turns it off. Defaults to `true`.
    pub fn otlp_metrics(mut self, enabled: bool) -> Self {
        self.otlp.metrics = enabled;
        self
    }

    /// How often metrics are exported over OTLP. `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds)
    /// overrides it. Defaults to 60 s.
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.otlp.metric_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Whether OTLP metric points report what changed since the last export (delta) instead of
    /// everything since the start (cumulative). `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`
    /// (`cumulative`, `delta`, `lowmemory`) overrides it. Defaults to `false`: cumulative.
    pub fn otlp_metrics_delta(mut self, delta: bool) -> Self {
        self.otlp.temporality = if delta {
            crate::otlp::Temporality::Delta
        } else {
            crate::otlp::Temporality::Cumulative
        };
        self
    }

    /// Whether histograms go over OTLP as base-2 exponential histograms rather than with their
    /// explicit buckets: each bucket the same ratio wide, at the finest scale (up to 5: 32 buckets
    /// per doubling, each 2.2 % wide) at which a point's values fit in 160 buckets, as
    /// OpenTelemetry's SDKs choose it; so a backend's quantiles are within a bucket's width of
    /// the truth at any magnitude. Histograms then count in both kinds of buckets (`/metrics`
    /// keeps the explicit ones). `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION`
    /// (`explicit_bucket_histogram`, `base2_exponential_bucket_histogram`) overrides it. Defaults
    /// to `false`.
    ///
    /// ```
    /// let telemetry = tripod::init()
    ///     .environment(|_| None)
    ///     .otlp_endpoint("http://127.0.0.1:4318")
    ///     .otlp_exponential_histograms(true)
    ///     .build()?;
    /// # drop(telemetry);
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    pub fn otlp_exponential_histograms(mut self, enabled: bool) -> Self {
        self.otlp.exponential_histograms = enabled;
        self
    }

    /// How many finished spans may wait for export, at most; beyond it spans are dropped and
    /// counted. By default only their memory bounds them
    /// ([`export_queue_bytes`](Self::export_queue_bytes)).
    pub fn export_queue_size(mut self, spans: usize) -> Self {
        self.otlp.queue.max_queue_size = spans.max(1);
        self
    }

    /// How much memory the spans, and apart from them the log records, waiting for export may
    /// hold; past it they are dropped and counted. Defaults to 16 MiB each: a burst of about
    /// 25,000 spans of a dozen attributes.
    ///
    /// ```
    /// let telemetry = tripod::init()
    ///     .environment(|_| None)
    ///     .otlp_endpoint("http://127.0.0.1:4318")
    ///     .export_queue_bytes(64 * 1024 * 1024)
    ///     .build()?;
    /// # drop(telemetry);
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    pub fn export_queue_bytes(mut self, bytes: usize) -> Self {
        self.otlp.queue.max_queue_bytes = bytes.max(1);
        self
    }

    /// How long one export may take. `OTEL_EXPORTER_OTLP_TIMEOUT` overrides it. Defaults to 10 s.
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.otlp.queue.export_timeout = timeout;
        self
    }

    /// How long a batch the endpoint could not take is sent again, at most, for every signal:
    /// after an answer OTLP calls retryable (HTTP 429, 502, 503, 504; gRPC `UNAVAILABLE`,
    /// `RESOURCE_EXHAUSTED` with a `RetryInfo`, …), a connection that failed or an export that
    /// timed out, the batch waits the endpoint's delay (`Retry-After`, `RetryInfo`) or an
    /// exponential backoff with jitter (1 s doubling to 30 s) and is sent again, until this time
    /// after its first attempt has passed; then it is lost and counted. Answers that refuse a
    /// request for good (400, 401, 403, 404, …) lose it at once. While a batch is retried, new
    /// telemetry waits in the queue, within its memory bound. Defaults to 60 s (the OpenTelemetry
    /// Go SDK's); `Duration::ZERO` turns retries off.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let telemetry = tripod::init()
    ///     .environment(|_| None)
    ///     .otlp_endpoint("http://127.0.0.1:4318")
    ///     .export_retry_time(Duration::from_secs(300))
    ///     .build()?;
    /// # drop(telemetry);
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    pub fn export_retry_time(mut self, retry_for: Duration) -> Self {
        self.otlp.queue.retry_for = retry_for;
        self
    }

    /// How long finished spans wait to be batched. Defaults to 5 s.
    pub fn export_interval(mut self, interval: Duration) -> Self {
        self.otlp.queue.schedule_delay = interval;
        self
    }

    /// What OTLP takes from the environment besides its own variables.
    fn otlp_shared<'a>(&'a self, env: &'a FromEnvironment) -> Shared<'a> {
        Shared {
            endpoint: env.otlp_endpoint.as_deref(),
            listed: [
                env.traces_exporters,
                env.logs_exporters,
                env.metrics_exporters,
            ]
            .map(|listed| listed.map(|outputs| outputs.otlp)),
        }
    }

    /// Whether metrics go over OTLP, and as exponential histograms.
    pub(super) fn otlp_metrics_wanted(&self, env: &FromEnvironment) -> (bool, bool) {
        (
            self.otlp.wants_metrics(&env.otlp, &self.otlp_shared(env)),
            self.otlp.exponential_histograms(&env.otlp),
        )
    }

    /// The exports of every signal that has somewhere to go, started.
    pub(super) fn otlp_part(
        &self,
        env: &FromEnvironment,
        recorder: Option<&crate::MetricsRecorder>,
        resource: &crate::resource::Resource,
    ) -> Result<Option<Box<dyn Part>>, InitError> {
        let exporting = self
            .otlp
            .start(&env.otlp, &self.otlp_shared(env), recorder, resource)
            .map_err(|(endpoint, reason)| InitError::Exporter { endpoint, reason })?;
        Ok(exporting.map(|exporting| Box::new(exporting) as Box<dyn Part>))
    }
}

impl Telemetry {
    /// The URL traces are exported to, when they are.
    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.otlp_export(Signal::Traces)
            .map(|(endpoint, _)| endpoint)
    }

    /// The transport traces are exported with, when they are.
    pub fn otlp_protocol(&self) -> Option<crate::OtlpProtocol> {
        self.otlp_export(Signal::Traces)
            .map(|(_, protocol)| protocol)
    }

    /// The URL log records are exported to, when they are.
    pub fn otlp_logs_endpoint(&self) -> Option<&str> {
        self.otlp_export(Signal::Logs).map(|(endpoint, _)| endpoint)
    }

    /// The URL metrics are exported to, when they are.
    pub fn otlp_metrics_endpoint(&self) -> Option<&str> {
        self.otlp_export(Signal::Metrics)
            .map(|(endpoint, _)| endpoint)
    }

    /// Where `signal` goes, and how.
    fn otlp_export(&self, signal: Signal) -> Option<(&str, crate::OtlpProtocol)> {
        let otlp = self.part::<Exporting>()?;
        match signal {
            Signal::Traces => otlp
                .traces
                .as_ref()
                .map(|e| (e.endpoint.as_str(), e.protocol)),
            Signal::Logs => otlp
                .logs
                .as_ref()
                .map(|e| (e.endpoint.as_str(), e.protocol)),
            Signal::Metrics => otlp
                .metrics
                .as_ref()
                .map(|e| (e.endpoint.as_str(), e.protocol)),
        }
    }

    /// Spans dropped because the export queue was full (also counted by
    /// `tripod_spans_dropped_total`).
    pub fn spans_dropped(&self) -> u64 {
        self.part::<Exporting>()
            .and_then(|otlp| otlp.traces.as_ref())
            .map_or(0, |traces| traces.queue.dropped())
    }

    /// OTLP log records dropped because the logs export queue was full (also counted by
    /// `tripod_log_records_dropped_total`; the log lines themselves are never dropped).
    pub fn log_records_dropped(&self) -> u64 {
        self.part::<Exporting>()
            .and_then(|otlp| otlp.logs.as_ref())
            .map_or(0, |logs| logs.queue.dropped())
    }
}
