//! `tripod::init()`: JSON logs, Prometheus and OTLP traces from one builder.

mod env;
mod error;
#[cfg(feature = "otlp")]
mod otlp_env;
mod telemetry;

use std::io::Write;
use std::time::Duration;

use tracing_subscriber::filter::FilterExt as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

pub use env::LogFormat;
pub use error::InitError;
pub use telemetry::Telemetry;

use crate::logs::{LineOutput, SharedOutput};
use crate::trace::{Sampler, TraceContextLayer};

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

    /// Where log lines go. Lines are buffered and written out by a background thread every
    /// 100 ms (sooner when 64 KiB are waiting) and when [`Telemetry`] drops, so a crash can lose
    /// the last 100 ms of lines; a writer slower than the application blocks the threads that log
    /// only once 4 MiB are waiting. Defaults to stdout.
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
        let env = env::read(&self.environment);
        let warnings = env.warnings.clone();
        let sampler = env.sampler.unwrap_or(self.sampler);
        let mut log_filter = env
            .log_filter
            .clone()
            .unwrap_or_else(|| self.log_filter.clone());
        let mut trace_filter = self.trace_filter.clone();
        if !self.access_log {
            // In both, so that equal filters stay one global filter.
            for filter in [&mut log_filter, &mut trace_filter] {
                filter.push_str(",tripod::access=off");
            }
        }
        let filters = Filters::new(&log_filter, &trace_filter)?;

        // Colour only for a terminal, and not when NO_COLOR says otherwise.
        let ansi = self.log_writer.is_none()
            && std::io::IsTerminal::is_terminal(&std::io::stdout())
            && (self.environment)("NO_COLOR").is_none_or(|value| value.is_empty());
        let output: SharedOutput = LineOutput::new(
            self.log_writer
                .unwrap_or_else(|| Box::new(std::io::stdout())),
        );
        let log_layer = match env.log_format.unwrap_or(self.log_format) {
            #[cfg(feature = "json")]
            LogFormat::Json => filtered(
                crate::logs::LineLayer::new(output.clone(), crate::logs::Style::Json),
                filters.log()?,
            ),
            #[cfg(feature = "json")]
            LogFormat::Pretty => filtered(
                crate::logs::LineLayer::new(output.clone(), crate::logs::Style::Pretty { ansi }),
                filters.log()?,
            ),
            #[cfg(not(feature = "json"))]
            LogFormat::Json => filtered(
                tracing_subscriber::fmt::layer().with_writer(output_writer(output.clone())),
                filters.log()?,
            ),
            #[cfg(not(feature = "json"))]
            LogFormat::Pretty => filtered(
                tracing_subscriber::fmt::layer()
                    .with_ansi(ansi)
                    .with_writer(output_writer(output.clone())),
                filters.log()?,
            ),
        };

        #[cfg(feature = "prometheus")]
        let prometheus = if self.prometheus {
            let recorder = crate::prometheus::recorder(&self.default_buckets, &self.metric_buckets)
                .map_err(InitError::InvalidBuckets)?;
            let handle = recorder.handle();
            let listener = match self.metrics_listener {
                Some(address) => Some(
                    crate::prometheus::listen(address, handle.clone())
                        .map_err(|source| InitError::MetricsListener { address, source })?,
                ),
                None => None,
            };
            let upkeep = crate::prometheus::upkeep(handle.clone());
            Some(PrometheusParts {
                handle,
                recorder: Some(recorder),
                listener,
                _upkeep: upkeep,
            })
        } else {
            None
        };

        #[cfg(feature = "otlp")]
        let (otlp, otlp_layer) = {
            let protocol = env.otlp_protocol.unwrap_or(self.otlp_protocol);
            let base = env.otlp_endpoint.clone().or(self.otlp_endpoint.clone());
            let endpoint = crate::otlp::traces_endpoint(
                base.as_deref(),
                env.otlp_traces_endpoint.as_deref(),
                protocol,
            );
            match endpoint.filter(|_| self.otlp) {
                Some(endpoint) => {
                    let mut queue = self.export_queue;
                    if let Some(timeout) = env.otlp_timeout {
                        queue.export_timeout = timeout;
                    }
                    let service_name = env.service_name.clone().or(self.service_name.clone());
                    let mut export = env.otlp_export.clone();
                    let mut headers = crate::otlp::Headers::default();
                    for (name, value) in &self.otlp_headers {
                        headers
                            .insert(name, value)
                            .map_err(|reason| InitError::Exporter {
                                endpoint: endpoint.clone(),
                                reason: format!("header: {reason}"),
                            })?;
                    }
                    for (name, value) in export.headers.0.drain(..) {
                        headers.0.retain(|(existing, _)| *existing != name);
                        headers.0.push((name, value));
                    }
                    export.headers = headers;
                    if self.otlp_gzip && env.otlp_compression_unset() {
                        export.compression = crate::otlp::Compression::Gzip;
                    }
                    let exporting = crate::otlp::start(
                        endpoint.clone(),
                        protocol,
                        service_name.as_deref(),
                        &env.resource_attributes,
                        queue,
                        &export,
                    )
                    .map_err(|reason| InitError::Exporter { endpoint, reason })?;
                    let layer = filtered(
                        crate::otlp::OtlpLayer::new(exporting.queue.clone(), exporting.limits),
                        filters.trace()?,
                    );
                    (Some(exporting), Some(layer))
                }
                None => (None, None),
            }
        };
        #[cfg(not(feature = "otlp"))]
        let otlp_layer: Option<BoxedLayer> = None;

        let mut layers = vec![
            filtered(TraceContextLayer::new(sampler), filters.context()?),
            log_layer,
        ];
        layers.extend(otlp_layer);
        let subscriber = Registry::default().with(filters.global).with(layers);
        crate::__private::warm_up_clock();
        let dispatch = tracing::Dispatch::new(subscriber);
        #[cfg(feature = "otlp")]
        if let Some(exporting) = &otlp {
            exporting.log_through(&dispatch);
        }
        tracing::dispatcher::with_default(&dispatch, || {
            for warning in &warnings {
                tracing::warn!(target: "tripod", "{warning}");
            }
        });
        Ok(Telemetry {
            dispatch,
            log_flusher: Some(crate::logs::flusher(output.clone())),
            log_output: Some(output),
            #[cfg(feature = "prometheus")]
            prometheus,
            #[cfg(feature = "otlp")]
            otlp,
            #[cfg(feature = "otlp")]
            shutdown_timeout: self.shutdown_timeout,
            warnings,
        })
    }
}

/// The subscriber under tripod's layers: the registry, behind the global filter when there is one.
type Base = tracing_subscriber::layer::Layered<Option<GlobalFilter>, Registry>;
type GlobalFilter = Box<dyn Layer<Registry> + Send + Sync>;
type DynFilter = Box<dyn tracing_subscriber::layer::Filter<Base> + Send + Sync>;
type BoxedLayer = Box<dyn Layer<Base> + Send + Sync>;

/// How the layers are filtered. When logs and traces share their directives (the default), one
/// global filter: a disabled callsite then reaches no layer at all, the cheapest there is.
/// Otherwise each layer has its own, and the trace context layer sees what either wants, so
/// `RUST_LOG=warn` does not stop info spans from being exported.
struct Filters {
    global: Option<GlobalFilter>,
    log: String,
    trace: String,
}

impl Filters {
    fn new(log: &str, trace: &str) -> Result<Filters, InitError> {
        let global = if log.trim() == trace.trim() {
            Some(match log.parse::<tracing_subscriber::filter::Targets>() {
                Ok(targets) => Box::new(targets) as GlobalFilter,
                Err(_) => Box::new(env_filter(log)?) as GlobalFilter,
            })
        } else {
            // Checked now, so a bad directive fails here whichever layer would use it.
            parse_filter(log)?;
            parse_filter(trace)?;
            None
        };
        Ok(Filters {
            global,
            log: log.to_owned(),
            trace: trace.to_owned(),
        })
    }

    fn log(&self) -> Result<Option<DynFilter>, InitError> {
        self.per_layer(|| parse_filter(&self.log))
    }

    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    fn trace(&self) -> Result<Option<DynFilter>, InitError> {
        self.per_layer(|| parse_filter(&self.trace))
    }

    fn context(&self) -> Result<Option<DynFilter>, InitError> {
        self.per_layer(|| {
            Ok(Box::new(parse_filter(&self.log)?.or(parse_filter(&self.trace)?)) as DynFilter)
        })
    }

    fn per_layer(
        &self,
        make: impl FnOnce() -> Result<DynFilter, InitError>,
    ) -> Result<Option<DynFilter>, InitError> {
        if self.global.is_some() {
            Ok(None)
        } else {
            make().map(Some)
        }
    }
}

/// A per-layer filter from `RUST_LOG`-style directives: tracing-subscriber's `Targets` when the
/// directives are static (`info,sqlx=warn`), which filters without span bookkeeping; `EnvFilter`
/// for directives that match spans or fields (`[request{id=7}]=debug`).
fn parse_filter(directives: &str) -> Result<DynFilter, InitError> {
    match directives.parse::<tracing_subscriber::filter::Targets>() {
        Ok(targets) => Ok(Box::new(targets)),
        Err(_) => env_filter(directives).map(|filter| Box::new(filter) as DynFilter),
    }
}

fn env_filter(directives: &str) -> Result<EnvFilter, InitError> {
    EnvFilter::try_new(directives).map_err(|error| InitError::InvalidFilter {
        filter: directives.to_owned(),
        reason: error.to_string(),
    })
}

/// `layer` behind its per-layer filter, if it has one.
fn filtered(
    layer: impl Layer<Base> + Send + Sync + 'static,
    filter: Option<DynFilter>,
) -> BoxedLayer {
    match filter {
        Some(filter) => layer.with_filter(filter).boxed(),
        None => layer.boxed(),
    }
}

/// The log output as a `tracing-subscriber` writer (without the `json` feature, its `fmt` layer
/// writes the lines).
#[cfg(not(feature = "json"))]
fn output_writer(
    output: SharedOutput,
) -> impl for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static {
    move || OutputWriter(output.clone())
}

#[cfg(not(feature = "json"))]
struct OutputWriter(SharedOutput);

#[cfg(not(feature = "json"))]
impl Write for OutputWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_line(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
