//! [`Builder`]: the configuration of logs, metrics and traces, each setter with its default. The
//! settings of each sink are its folder's (`crate::otlp::Settings`, …); the setters of the sinks a
//! feature adds are in that sink's file here (`otlp.rs`, `prometheus.rs`, `metrics.rs`,
//! `viewer.rs`), and the finishing methods (`install`, `build`, `into_layer`) in `install.rs`.

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
    pub(super) service_version: Option<String>,
    pub(super) lines: crate::logs::Settings,
    pub(super) log_filter: String,
    pub(super) trace_filter: String,
    pub(super) database_spans: bool,
    pub(super) database_query_text: bool,
    pub(super) database_system: String,
    pub(super) access_log: bool,
    pub(super) sampler: Sampler,
    pub(super) shutdown_timeout: Duration,
    pub(super) unfinished: crate::pipeline::UnfinishedSettings,
    pub(super) log_rate_limit: Option<u32>,
    pub(super) traces_keep: crate::trace::TracesKeep,
    #[cfg(feature = "_recorder")]
    pub(super) metrics: crate::recorder::Settings,
    #[cfg(feature = "prometheus")]
    pub(super) prometheus: crate::prometheus::Settings,
    #[cfg(feature = "otlp")]
    pub(super) otlp: crate::otlp::Settings,
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
            .field("log_format", &self.lines.format)
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
            service_version: None,
            lines: crate::logs::Settings::default(),
            log_filter: "info".into(),
            trace_filter: "info".into(),
            database_spans: true,
            database_query_text: true,
            database_system: "other_sql".into(),
            access_log: true,
            sampler: Sampler::default(),
            shutdown_timeout: Duration::from_secs(3),
            unfinished: crate::pipeline::UnfinishedSettings::default(),
            log_rate_limit: Some(crate::pipeline::DEFAULT_LOG_RATE_LIMIT),
            traces_keep: crate::trace::TracesKeep::default(),
            #[cfg(feature = "_recorder")]
            metrics: crate::recorder::Settings::default(),
            #[cfg(feature = "prometheus")]
            prometheus: crate::prometheus::Settings::default(),
            #[cfg(feature = "otlp")]
            otlp: crate::otlp::Settings::default(),
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

    /// The `service.version` of everything exported (and of `target_info` on `/metrics`), e.g.
    /// the application's own version. `service.version` in `OTEL_RESOURCE_ATTRIBUTES` overrides
    /// it. Defaults to none.
    ///
    /// ```
    /// let builder = tripod::init()
    ///     .service_name("todo-app")
    ///     .service_version(env!("CARGO_PKG_VERSION"));
    /// # drop(builder);
    /// ```
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.service_version = Some(version.into());
        self
    }

    /// JSON lines or human-readable output. `TRIPOD_LOG_FORMAT` overrides it. Defaults to JSON.
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.lines.format = format;
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
        self.lines.writer = Some(Box::new(writer));
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
        self.lines.enabled = enabled;
        self
    }

    /// Which traces are exported. `OTEL_TRACES_SAMPLER` overrides it. Defaults to
    /// `parentbased_always_on`.
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = sampler;
        self
    }

    /// How long an observed call runs before one WARN line `NAME.still_running` says it still
    /// does (with its fields, `trace_id`, `span_id`, `running_ms` and `innermost_span`, where it
    /// is now), then again at twice, four times … that; a served request's line is
    /// `http.server.request.still_running`. Of spans inside one another only the outermost due
    /// is reported. A function's `#[observe(still_running_after = "2m")]` (or `"off"`) overrides
    /// it; `TRIPOD_STILL_RUNNING_AFTER_MS` overrides this (`0`: never). `None`: never. Defaults
    /// to 10 s.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let builder = tripod::init().still_running_after(Some(Duration::from_secs(30)));
    /// # drop(builder);
    /// ```
    pub fn still_running_after(mut self, after: Option<Duration>) -> Self {
        self.unfinished.still_running_after = after.filter(|after| !after.is_zero());
        self
    }

    /// Which traces the head sampler did not sample are exported anyway: a local trace (the
    /// spans of one trace made in this process) whose spans failed at ERROR, or whose local
    /// root lasted longer than a threshold, is exported whole when its local root ends, its root
    /// marked `tripod.sampling.kept = "error"` or `"slow"` ([`TracesKeep`](crate::trace::TracesKeep)).
    /// A trace the caller sampled is exported whole as before. `TRIPOD_TRACES_KEEP` overrides
    /// this (`errors`, `slower_than=250ms`, both, or `none`). Defaults to `errors`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tripod::trace::TracesKeep;
    ///
    /// let builder = tripod::init()
    ///     .traces_keep(TracesKeep::errors().slower_than(Duration::from_millis(250)));
    /// # drop(builder);
    /// ```
    pub fn traces_keep(mut self, keep: crate::trace::TracesKeep) -> Self {
        self.traces_keep = keep;
        self
    }

    /// How many lines one event callsite may write a second (an observed call's `start` and
    /// `success` lines count as callsites of their own): past it, that second's further lines of
    /// the callsite are neither written nor sent as OTLP log records, and once the second is
    /// over one WARN line `tripod.log.suppressed` gives the held-back event as
    /// `suppressed_event` and how many as `suppressed` (lines written plus suppressed add up to
    /// every line). A storm of identical failures stays a clear signal, not a flood. Metrics and
    /// spans are never limited. `None` (or `Some(0)`): every line. `TRIPOD_LOG_RATE_LIMIT`
    /// overrides this (`0`: no limit). Defaults to 100.
    ///
    /// ```
    /// let builder = tripod::init().log_rate_limit(Some(1_000));
    /// # drop(builder);
    /// ```
    pub fn log_rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.log_rate_limit = per_second.filter(|limit| *limit > 0);
        self
    }

    /// The most memory the spans that have not ended may hold (their fields and records).
    /// Past it the oldest are trimmed (their fields and record freed: not exported; their calls
    /// still counted and logged), then, if that is not enough, forgotten, counted in
    /// `tripod_open_spans_trimmed_total` and `tripod_open_spans_forgotten_total` with a WARN
    /// line `tripod.open_spans.trimmed`. Defaults to 64 MiB.
    ///
    /// ```
    /// let builder = tripod::init().open_spans_max_bytes(16 << 20);
    /// # drop(builder);
    /// ```
    pub fn open_spans_max_bytes(mut self, bytes: usize) -> Self {
        self.unfinished.max_bytes = bytes;
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
}
