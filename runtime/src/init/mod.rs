//! `tripod::init()`: JSON logs, Prometheus and OTLP traces from one builder.

mod assemble;
mod env;
mod error;
#[cfg(feature = "otlp")]
mod otlp_env;
mod telemetry;

use std::io::Write;
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry};

pub use env::LogFormat;
#[cfg(feature = "otlp")]
pub(crate) use env::percent_decode;
pub use error::InitError;
pub use telemetry::Telemetry;

use crate::trace::Sampler;

#[cfg(feature = "otlp")]
pub(crate) use crate::otlp::validate_url;
/// Without the `otlp` feature no endpoint can be used: setting one is a mistake worth a warning.
#[cfg(not(feature = "otlp"))]
pub(crate) fn validate_url(_url: &str) -> Result<(), String> {
    Err("tripod was built without its `otlp` feature, so no traces are exported".into())
}

/// Starts configuring telemetry; finish with [`Builder::install`].
///
/// ```no_run
/// let _telemetry = tripod::init().service_name("todo-app").install()?;
/// // ... the application; dropping `_telemetry` at the end of main flushes spans and logs.
/// # Ok::<(), tripod::InitError>(())
/// ```
///
/// Environment variables override the builder's settings, so operators can reconfigure without
/// a rebuild: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_ENDPOINT`
/// (unset: no trace export), `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`
/// (`http/protobuf` or `grpc`), `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_TRACES_SAMPLER` and
/// `OTEL_TRACES_SAMPLER_ARG`, `RUST_LOG` and `TRIPOD_LOG_FORMAT` (`json` or `pretty`). A value
/// that cannot be used is logged as a warning and the default applies.
pub fn init() -> Builder {
    Builder::new()
}

/// Configuration of logs, metrics and traces. Every setter documents its default.
#[must_use = "a Builder does nothing until .install()"]
pub struct Builder {
    environment: env::Source,
    service_name: Option<String>,
    log_format: LogFormat,
    log_filter: String,
    log_writer: Option<Box<dyn Write + Send>>,
    trace_filter: String,
    access_log: bool,
    sampler: Sampler,
    shutdown_timeout: Duration,
    #[cfg(feature = "prometheus")]
    prometheus: bool,
    #[cfg(feature = "prometheus")]
    default_buckets: Vec<f64>,
    #[cfg(feature = "prometheus")]
    metric_buckets: Vec<(String, Vec<f64>)>,
    #[cfg(feature = "prometheus")]
    metrics_listener: Option<std::net::SocketAddr>,
    #[cfg(feature = "otlp")]
    otlp: bool,
    #[cfg(feature = "otlp")]
    otlp_endpoint: Option<String>,
    #[cfg(feature = "otlp")]
    otlp_protocol: crate::otlp::Protocol,
    #[cfg(feature = "otlp")]
    export_queue: crate::otlp::QueueConfig,
    #[cfg(feature = "otlp")]
    otlp_headers: Vec<(String, String)>,
    #[cfg(feature = "otlp")]
    otlp_gzip: bool,
    #[cfg(feature = "viewer")]
    trace_viewer: bool,
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

/// The Prometheus parts [`Telemetry`] owns.
#[cfg(feature = "prometheus")]
pub(crate) struct PrometheusParts {
    pub(crate) handle: metrics_exporter_prometheus::PrometheusHandle,
    pub(crate) recorder: Option<metrics_exporter_prometheus::PrometheusRecorder>,
    pub(crate) listener: Option<(std::net::SocketAddr, crate::background::Background)>,
    pub(crate) _upkeep: crate::background::Background,
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
            access_log: true,
            sampler: Sampler::default(),
            shutdown_timeout: Duration::from_secs(3),
            #[cfg(feature = "prometheus")]
            prometheus: true,
            #[cfg(feature = "prometheus")]
            default_buckets: crate::prometheus::DEFAULT_BUCKETS.to_vec(),
            #[cfg(feature = "prometheus")]
            metric_buckets: Vec::new(),
            #[cfg(feature = "prometheus")]
            metrics_listener: None,
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
    /// [`Telemetry`] drops or flushes, so a crash can lose the last 100 ms of lines; a writer
    /// slower than the application blocks a thread that logs only once it has 4 MiB unwritten.
    /// Defaults to stdout.
    pub fn log_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.log_writer = Some(Box::new(writer));
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

    /// Which traces are exported. `OTEL_TRACES_SAMPLER` overrides it. Defaults to
    /// `parentbased_always_on`.
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = sampler;
        self
    }

    /// How long dropping [`Telemetry`] may wait for pending spans to be exported. Defaults to 3 s.
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

    /// Whether to install the Prometheus recorder. Defaults to `true`.
    #[cfg(feature = "prometheus")]
    pub fn prometheus(mut self, enabled: bool) -> Self {
        self.prometheus = enabled;
        self
    }

    /// The buckets of every histogram without buckets of its own. Defaults to
    /// [`DEFAULT_BUCKETS`](crate::DEFAULT_BUCKETS), OpenTelemetry's advisory seconds buckets.
    #[cfg(feature = "prometheus")]
    pub fn histogram_buckets(mut self, buckets: &[f64]) -> Self {
        self.default_buckets = buckets.to_vec();
        self
    }

    /// The buckets of one histogram, by its full name. Defaults to the
    /// [`histogram_buckets`](Builder::histogram_buckets).
    #[cfg(feature = "prometheus")]
    pub fn metric_buckets(mut self, metric: impl Into<String>, buckets: &[f64]) -> Self {
        self.metric_buckets.push((metric.into(), buckets.to_vec()));
        self
    }

    /// Serves `GET /metrics` on `address` from a thread of its own, for applications that serve
    /// no HTTP themselves (port 0 picks a free port: see [`Telemetry::metrics_address`]).
    /// Defaults to no listener (axum applications mount `tripod::axum::metrics_router`).
    #[cfg(feature = "prometheus")]
    pub fn metrics_listener(mut self, address: impl Into<std::net::SocketAddr>) -> Self {
        self.metrics_listener = Some(address.into());
        self
    }

    /// Whether traces may be exported at all; with `true` they are exported when an endpoint is
    /// configured. Defaults to `true`.
    #[cfg(feature = "otlp")]
    pub fn otlp(mut self, enabled: bool) -> Self {
        self.otlp = enabled;
        self
    }

    /// The collector's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` gives it (for HTTP,
    /// `/v1/traces` is appended). The environment variables override it. Defaults to none: no
    /// export.
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

    /// Keeps recent traces in memory for the embedded viewer ([`Telemetry::viewer`], served by
    /// `tripod::axum::viewer_router`), with or without a collector. It needs Prometheus (for the
    /// operations page). Defaults to `false`: the pages show internal data.
    #[cfg(feature = "viewer")]
    pub fn trace_viewer(mut self, enabled: bool) -> Self {
        self.trace_viewer = enabled;
        self
    }

    /// How many finished spans may wait for export; beyond it spans are dropped and counted.
    /// Defaults to 2048.
    #[cfg(feature = "otlp")]
    pub fn export_queue_size(mut self, spans: usize) -> Self {
        self.export_queue.max_queue_size = spans.max(1);
        self
    }

    /// How long one export may take. `OTEL_EXPORTER_OTLP_TIMEOUT` overrides it. Defaults to 10 s.
    #[cfg(feature = "otlp")]
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export_queue.export_timeout = timeout;
        self
    }

    /// How long finished spans wait to be batched. Defaults to 5 s.
    #[cfg(feature = "otlp")]
    pub fn export_interval(mut self, interval: Duration) -> Self {
        self.export_queue.schedule_delay = interval;
        self
    }

    /// Builds everything and installs it globally: the subscriber as `tracing`'s default, the
    /// recorder as `metrics`' global recorder.
    ///
    /// # Errors
    ///
    /// [`InitError::AlreadyInitialized`] when a global subscriber or recorder exists, and every
    /// error of [`build`](Builder::build); nothing is installed then.
    pub fn install(self) -> Result<Telemetry, InitError> {
        // Checked first, so a failure leaves nothing half-installed.
        if tracing::dispatcher::has_been_set() {
            return Err(InitError::AlreadyInitialized("tracing subscriber"));
        }
        #[cfg_attr(not(feature = "prometheus"), allow(unused_mut))]
        let mut telemetry = self.build()?;
        #[cfg(feature = "prometheus")]
        if let Some(recorder) = telemetry
            .prometheus
            .as_mut()
            .and_then(|prometheus| prometheus.recorder.take())
        {
            metrics::set_global_recorder(recorder)
                .map_err(|_| InitError::AlreadyInitialized("metrics recorder"))?;
        }
        tracing::dispatcher::set_global_default(telemetry.dispatch.clone())
            .map_err(|_| InitError::AlreadyInitialized("tracing subscriber"))?;
        Ok(telemetry)
    }

    /// Builds everything without installing anything globally: the subscriber is
    /// [`Telemetry::dispatch`], the recorder [`Telemetry::recorder`]. Exporter threads run. Each
    /// environment variable that could not be used is logged as a warning through the new
    /// subscriber.
    ///
    /// # Errors
    ///
    /// [`InitError::InvalidFilter`], [`InitError::InvalidBuckets`],
    /// [`InitError::MetricsListener`] and [`InitError::Exporter`], for settings given in code
    /// (unusable environment variables are warnings instead).
    pub fn build(self) -> Result<Telemetry, InitError> {
        #[cfg_attr(not(feature = "json"), allow(unused_mut))]
        let mut prepared = assemble::prepare(self)?;
        #[cfg(feature = "json")]
        if let Some(dispatch) = prepared.own_subscriber() {
            return Ok(prepared.finish(dispatch));
        }
        let (global, layers) = prepared.layers::<assemble::Base>(true)?;
        let subscriber = Registry::default().with(global).with(layers);
        Ok(prepared.finish(tracing::Dispatch::new(subscriber)))
    }

    /// Builds tripod's telemetry as one `tracing-subscriber` layer, for applications that compose
    /// their own subscriber (to add tokio-console, Sentry or a file appender): the same log lines,
    /// trace ids and OTLP export as [`install`](Builder::install), each part behind its own
    /// filter so the other layers see every event. Nothing is installed: add the layer to a
    /// registry, and install [`Telemetry::recorder`] as the metrics recorder if you want
    /// Prometheus. Keep the returned [`Telemetry`] alive; its [`dispatch`](Telemetry::dispatch) is
    /// a no-op one, since the subscriber is yours.
    ///
    /// ```no_run
    /// use tracing_subscriber::layer::SubscriberExt as _;
    /// use tracing_subscriber::util::SubscriberInitExt as _;
    ///
    /// let (tripod_layer, telemetry) = tripod::init().service_name("todo-app").into_layer()?;
    /// tracing_subscriber::registry()
    ///     .with(tripod_layer)
    ///     .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
    ///     .init();
    /// # drop(telemetry);
    /// # Ok::<(), tripod::InitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`build`](Builder::build).
    #[allow(clippy::type_complexity)]
    pub fn into_layer<S>(
        self,
    ) -> Result<(impl Layer<S> + Send + Sync + 'static, Telemetry), InitError>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        let prepared = assemble::prepare(self)?;
        let (_, layers) = prepared.layers::<S>(false)?;
        let telemetry = prepared.finish(tracing::Dispatch::none());
        Ok((layers, telemetry))
    }
}
