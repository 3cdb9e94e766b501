//! [`Builder`]: the configuration of logs, metrics and traces, each setter with its default.
//! The finishing methods (`install`, `build`, `into_layer`) are in `install.rs`.

use std::io::Write;
use std::time::Duration;

use super::LogFormat;
use super::env;
use crate::trace::Sampler;

/// Configuration of logs, metrics and traces. Every setter documents its default.
#[must_use = "a Builder does nothing until .install()"]
pub struct Builder {
    pub(super) environment: env::Source,
    pub(super) service_name: Option<String>,
    pub(super) log_format: LogFormat,
    pub(super) log_filter: String,
    pub(super) log_writer: Option<Box<dyn Write + Send>>,
    pub(super) trace_filter: String,
    pub(super) database_spans: bool,
    pub(super) database_query_text: bool,
    pub(super) database_system: String,
    pub(super) access_log: bool,
    pub(super) log_lines: bool,
    pub(super) sampler: Sampler,
    pub(super) shutdown_timeout: Duration,
    #[cfg(feature = "prometheus")]
    pub(super) prometheus: bool,
    #[cfg(feature = "_recorder")]
    pub(super) default_buckets: Vec<f64>,
    #[cfg(feature = "_recorder")]
    pub(super) metric_buckets: Vec<(String, Vec<f64>)>,
    #[cfg(feature = "prometheus")]
    pub(super) metrics_listener: Option<std::net::SocketAddr>,
    #[cfg(feature = "_recorder")]
    pub(super) series_limit: usize,
    #[cfg(feature = "otlp")]
    pub(super) otlp: bool,
    #[cfg(feature = "otlp")]
    pub(super) otlp_endpoint: Option<String>,
    #[cfg(feature = "otlp")]
    pub(super) otlp_protocol: crate::otlp::Protocol,
    #[cfg(feature = "otlp")]
    pub(super) export_queue: crate::otlp::QueueConfig,
    #[cfg(feature = "otlp")]
    pub(super) otlp_headers: Vec<(String, String)>,
    #[cfg(feature = "otlp")]
    pub(super) otlp_gzip: bool,
    #[cfg(feature = "otlp")]
    pub(super) otlp_logs: bool,
    #[cfg(feature = "otlp")]
    pub(super) otlp_metrics: bool,
    #[cfg(feature = "otlp")]
    pub(super) metric_export_interval: Duration,
    #[cfg(feature = "otlp")]
    pub(super) metrics_temporality: crate::otlp::Temporality,
    #[cfg(feature = "otlp")]
    pub(super) exponential_histograms: bool,
    #[cfg(feature = "prometheus")]
    pub(super) native_histograms: bool,
    #[cfg(feature = "viewer")]
    pub(super) trace_viewer: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("service_name", &self.service_name)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A builder with every default: JSON logs to stdout at `info`, Prometheus on, trace export
    /// off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub fn new() -> Self {
        Builder {
            environment: env::process_environment(),
            service_name: None,
            log_format: LogFormat::Json,
            log_filter: "info".into(),
            log_writer: None,
            trace_filter: "info".into(),
            database_spans: true,
            database_query_text: true,
            database_system: "other_sql".into(),
            access_log: true,
            log_lines: true,
            sampler: Sampler::default(),
            shutdown_timeout: Duration::from_secs(3),
            #[cfg(feature = "prometheus")]
            prometheus: true,
            #[cfg(feature = "_recorder")]
            default_buckets: crate::DEFAULT_BUCKETS.to_vec(),
            #[cfg(feature = "_recorder")]
            metric_buckets: Vec::new(),
            #[cfg(feature = "prometheus")]
            metrics_listener: None,
            #[cfg(feature = "_recorder")]
            series_limit: crate::DEFAULT_SERIES_LIMIT,
            #[cfg(feature = "otlp")]
            otlp: true,
            #[cfg(feature = "otlp")]
            otlp_endpoint: None,
            #[cfg(feature = "otlp")]
            otlp_protocol: crate::otlp::Protocol::default(),
            #[cfg(feature = "otlp")]
            export_queue: crate::otlp::QueueConfig::default(),
            #[cfg(feature = "otlp")]
            otlp_headers: Vec::new(),
            #[cfg(feature = "otlp")]
            otlp_gzip: false,
            #[cfg(feature = "otlp")]
            otlp_logs: true,
            #[cfg(feature = "otlp")]
            otlp_metrics: true,
            #[cfg(feature = "otlp")]
            metric_export_interval: crate::otlp::QueueConfig::METRICS.schedule_delay,
            #[cfg(feature = "otlp")]
            metrics_temporality: crate::otlp::Temporality::Cumulative,
            #[cfg(feature = "otlp")]
            exponential_histograms: false,
            #[cfg(feature = "prometheus")]
            native_histograms: false,
            #[cfg(feature = "viewer")]
            trace_viewer: false,
        }
    }

    /// The `service.name` of exported traces. `OTEL_SERVICE_NAME` overrides it. Defaults to the
    /// OpenTelemetry SDK's `unknown_service`.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// JSON lines or human-readable output. `TRIPOD_LOG_FORMAT` overrides it. Defaults to JSON.
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.log_format = format;
        self
    }

    /// Which events are logged, in `RUST_LOG` syntax (`info,sqlx=warn`). `RUST_LOG` overrides it.
    /// Defaults to `info`.
    pub fn log_filter(mut self, filter: impl Into<String>) -> Self {
        self.log_filter = filter.into();
        self
    }

    /// Where log lines go. Events are recorded in per-thread buffers and written out as lines by
    /// tripod's collector thread every 100 ms (sooner when a thread holds 64 KiB) and when
    /// [`Telemetry`](crate::Telemetry) drops or flushes, so a crash can lose the last 100 ms of lines; a writer
    /// slower than the application blocks a thread that logs only once it has 4 MiB unwritten.
    /// Defaults to stdout.
    pub fn log_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.log_writer = Some(Box::new(writer));
        self
    }

    /// Whether each SQL statement sqlx runs becomes a span, and is timed in
    /// `db_client_operation_duration_seconds`. Defaults to on.
    ///
    /// sqlx reports every statement in a `tracing` event (target `sqlx::query`, DEBUG by
    /// default) when it finishes: tripod records these events whatever the filters say and makes
    /// each a CLIENT span under the span the statement ran in, named by OpenTelemetry's
    /// database conventions (`INSERT todos`), with `db.system.name`, `db.operation.name`,
    /// `db.collection.name`, `db.query.summary`, `db.query.text` (literals replaced by `?`;
    /// bound values are never in it) and `db.response.returned_rows`. They are logged only
    /// where the log filter says (`RUST_LOG=info,sqlx=debug`). A pool built with
    /// `.acquire_time_level(LevelFilter::Debug)` also reports each wait for a connection, which
    /// becomes an `acquire connection` span. A statement run outside any span gives no span (a
    /// migration at startup), only its duration. Needs tripod's own subscriber (not
    /// [`into_layer`](Builder::into_layer)).
    ///
    /// ```no_run
    /// let telemetry = tripod::init()
    ///     .database_system("postgresql")
    ///     .database_query_text(false)
    ///     .install()?;
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    pub fn database_spans(mut self, enabled: bool) -> Self {
        self.database_spans = enabled;
        self
    }

    /// Whether database spans carry `db.query.text`, the statement's SQL with its literals
    /// replaced by `?`. Their summary (`SELECT todos`) stays. Defaults to on.
    pub fn database_query_text(mut self, enabled: bool) -> Self {
        self.database_query_text = enabled;
        self
    }

    /// The `db.system.name` of database spans and of `db_client_operation_duration_seconds`, as
    /// OpenTelemetry spells it: `sqlite`, `postgresql`, `mysql`, `mariadb`, …. Defaults to
    /// `other_sql` (sqlx's events do not say which database ran the statement).
    pub fn database_system(mut self, system: impl Into<String>) -> Self {
        self.database_system = system.into();
        self
    }

    /// Which spans are exported, in `RUST_LOG` syntax; separate from the log filter, so
    /// `RUST_LOG=warn` does not stop info spans from reaching the trace viewer. Defaults to `info`.
    pub fn trace_filter(mut self, filter: impl Into<String>) -> Self {
        self.trace_filter = filter.into();
        self
    }

    /// Whether `tripod::axum::observe_http` logs one `http.server.request` line per request
    /// (target `tripod::access`; `RUST_LOG=info,tripod::access=off` turns it off too). Defaults
    /// to `true`.
    pub fn access_log(mut self, enabled: bool) -> Self {
        self.access_log = enabled;
        self
    }

    /// Whether log lines are written (to stdout, or the [`log_writer`](Builder::log_writer)).
    /// `OTEL_LOGS_EXPORTER` overrides it: with `console` in its list lines are written, without
    /// it they are not (`OTEL_LOGS_EXPORTER=otlp` sends logs over OTLP only). Defaults to `true`.
    pub fn log_lines(mut self, enabled: bool) -> Self {
        self.log_lines = enabled;
        self
    }

    /// Which traces are exported. `OTEL_TRACES_SAMPLER` overrides it. Defaults to
    /// `parentbased_always_on`.
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = sampler;
        self
    }

    /// How long dropping [`Telemetry`](crate::Telemetry) may wait for pending spans to be exported. Defaults to 3 s.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Reads configuration from `source` instead of the process environment (tests use this to
    /// try variables without touching the process). Defaults to `std::env::var`.
    pub fn environment(
        mut self,
        source: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.environment = Box::new(source);
        self
    }

    /// Whether `/metrics` is offered (the Prometheus and OpenMetrics expositions of tripod's
    /// recorder: [`Telemetry::prometheus_handle`](crate::Telemetry::prometheus_handle)). The
    /// recorder itself is installed when this or OTLP metrics want it. `OTEL_METRICS_EXPORTER`
    /// without `prometheus` turns it off. Defaults to `true`.
    #[cfg(feature = "prometheus")]
    pub fn prometheus(mut self, enabled: bool) -> Self {
        self.prometheus = enabled;
        self
    }

    /// Whether `/metrics` offers Prometheus native histograms: histograms count in base-2
    /// exponential buckets too (at most 160 a sign, at the finest scale that fits, up to 5: each
    /// bucket 2.2 % wide), and a scraper that asks for Prometheus's protobuf format (Prometheus
    /// with `--enable-feature=native-histograms`) gets each histogram as a native one besides
    /// its classic buckets; the text expositions are unchanged. A sample then costs about 8 ns
    /// more (BENCHMARKS.md). Defaults to `false`.
    ///
    /// ```
    /// let telemetry = tripod::init()
    ///     .environment(|_| None)
    ///     .prometheus_native_histograms(true)
    ///     .build()?;
    /// let (content_type, _) = telemetry.prometheus_handle().unwrap().render_for(Some(
    ///     "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
    /// ));
    /// assert!(content_type.starts_with("application/vnd.google.protobuf"));
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    #[cfg(feature = "prometheus")]
    pub fn prometheus_native_histograms(mut self, enabled: bool) -> Self {
        self.native_histograms = enabled;
        self
    }

    /// The buckets of every histogram without buckets of its own. Defaults to
    /// [`DEFAULT_BUCKETS`](crate::DEFAULT_BUCKETS), seconds from 10 µs to 10 s (1, 2.5, 5 per
    /// decade), which resolve fast calls that OpenTelemetry's advisory buckets (from 5 ms) do not.
    #[cfg(feature = "_recorder")]
    pub fn histogram_buckets(mut self, buckets: &[f64]) -> Self {
        self.default_buckets = buckets.to_vec();
        self
    }

    /// The buckets of one histogram, by its full name; a later call for the same histogram
    /// replaces an earlier one. Defaults to the [`histogram_buckets`](Builder::histogram_buckets)
    /// (for `db_client_operation_duration_seconds` too: the database conventions' buckets start
    /// at 1 ms, slower than a query on a warm SQLite page).
    #[cfg(feature = "_recorder")]
    pub fn metric_buckets(mut self, metric: impl Into<String>, buckets: &[f64]) -> Self {
        // First match wins: the newest goes first.
        self.metric_buckets
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
    #[cfg(feature = "_recorder")]
    pub fn metric_series_limit(mut self, label_sets: usize) -> Self {
        self.series_limit = label_sets.max(1);
        self
    }

    /// Serves `GET /metrics` on `address` from a thread of its own, for applications that serve
    /// no HTTP themselves (port 0 picks a free port: see [`Telemetry::metrics_address`](crate::Telemetry::metrics_address)).
    /// Defaults to no listener (axum applications mount `tripod::axum::metrics_router`).
    #[cfg(feature = "prometheus")]
    pub fn metrics_listener(mut self, address: impl Into<std::net::SocketAddr>) -> Self {
        self.metrics_listener = Some(address.into());
        self
    }

    /// Whether anything may be exported over OTLP; with `true`, each signal is exported when an
    /// endpoint is configured for it and nothing turns it off. Defaults to `true`.
    #[cfg(feature = "otlp")]
    pub fn otlp(mut self, enabled: bool) -> Self {
        self.otlp = enabled;
        self
    }

    /// The endpoint's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` gives it (for HTTP,
    /// `/v1/traces`, `/v1/logs` and `/v1/metrics` are appended). The environment variables
    /// override it. Defaults to none: no export.
    #[cfg(feature = "otlp")]
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(url.into());
        self
    }

    /// The transport. `OTEL_EXPORTER_OTLP_PROTOCOL` overrides it. Defaults to `http/protobuf`.
    #[cfg(feature = "otlp")]
    pub fn otlp_protocol(mut self, protocol: crate::otlp::Protocol) -> Self {
        self.otlp_protocol = protocol;
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
    #[cfg(feature = "otlp")]
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.otlp_headers.push((name.into(), value.into()));
        self
    }

    /// Whether export requests are gzipped. `OTEL_EXPORTER_OTLP_COMPRESSION` (and `_TRACES_`)
    /// override it. Defaults to `false`.
    #[cfg(feature = "otlp")]
    pub fn otlp_gzip(mut self, enabled: bool) -> Self {
        self.otlp_gzip = enabled;
        self
    }

    /// Whether log records go over OTLP too (to the logs endpoint, `/v1/logs` under
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`), when an endpoint is configured: every line tripod writes,
    /// as a `LogRecord` with its trace context. `OTEL_LOGS_EXPORTER` without `otlp` turns it off.
    /// Defaults to `true`.
    #[cfg(feature = "otlp")]
    pub fn otlp_logs(mut self, enabled: bool) -> Self {
        self.otlp_logs = enabled;
        self
    }

    /// Whether metrics go over OTLP too (to `/v1/metrics` under the endpoint), every
    /// [`metric_export_interval`](Builder::metric_export_interval), when an endpoint is
    /// configured. `OTEL_METRICS_EXPORTER` without `otlp` turns it off. Defaults to `true`.
    #[cfg(feature = "otlp")]
    pub fn otlp_metrics(mut self, enabled: bool) -> Self {
        self.otlp_metrics = enabled;
        self
    }

    /// How often metrics are exported over OTLP. `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds)
    /// overrides it. Defaults to 60 s.
    #[cfg(feature = "otlp")]
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.metric_export_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Whether OTLP metric points report what changed since the last export (delta) instead of
    /// everything since the start (cumulative). `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`
    /// (`cumulative`, `delta`, `lowmemory`) overrides it. Defaults to `false`: cumulative.
    #[cfg(feature = "otlp")]
    pub fn otlp_metrics_delta(mut self, delta: bool) -> Self {
        self.metrics_temporality = if delta {
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
    #[cfg(feature = "otlp")]
    pub fn otlp_exponential_histograms(mut self, enabled: bool) -> Self {
        self.exponential_histograms = enabled;
        self
    }

    /// Keeps recent traces in memory for the embedded viewer ([`Telemetry::viewer`](crate::Telemetry::viewer), served by
    /// `tripod::axum::viewer_router`), with or without an OTLP endpoint. It needs Prometheus (for the
    /// operations page). Defaults to `false`: the pages show internal data.
    #[cfg(feature = "viewer")]
    pub fn trace_viewer(mut self, enabled: bool) -> Self {
        self.trace_viewer = enabled;
        self
    }

    /// How many finished spans may wait for export, at most; beyond it spans are dropped and
    /// counted. By default only their memory bounds them ([`export_queue_bytes`](Self::export_queue_bytes)).
    #[cfg(feature = "otlp")]
    pub fn export_queue_size(mut self, spans: usize) -> Self {
        self.export_queue.max_queue_size = spans.max(1);
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
    #[cfg(feature = "otlp")]
    pub fn export_queue_bytes(mut self, bytes: usize) -> Self {
        self.export_queue.max_queue_bytes = bytes.max(1);
        self
    }

    /// How long one export may take. `OTEL_EXPORTER_OTLP_TIMEOUT` overrides it. Defaults to 10 s.
    #[cfg(feature = "otlp")]
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export_queue.export_timeout = timeout;
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
    #[cfg(feature = "otlp")]
    pub fn export_retry_time(mut self, retry_for: Duration) -> Self {
        self.export_queue.retry_for = retry_for;
        self
    }

    /// How long finished spans wait to be batched. Defaults to 5 s.
    #[cfg(feature = "otlp")]
    pub fn export_interval(mut self, interval: Duration) -> Self {
        self.export_queue.schedule_delay = interval;
        self
    }
}
