//! Turning a [`Builder`]'s settings into running parts: the environment read, the log output, the
//! Prometheus recorder and the OTLP pipeline started ([`prepare`]), then tripod's layers over
//! any registry-like subscriber ([`Prepared::layers`]), and the [`Telemetry`] guard that owns it
//! all ([`Prepared::finish`]).

#[cfg(feature = "otlp")]
use std::time::Duration;

use tracing::Subscriber;
use tracing_subscriber::filter::FilterExt as _;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::Filter;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer};

use super::{Builder, InitError, LogFormat, Telemetry, env};
use crate::logs::{LineOutput, SharedOutput};
use crate::trace::Sampler;

type DynFilter<S> = Box<dyn Filter<S> + Send + Sync>;
type BoxedLayer<S> = Box<dyn Layer<S> + Send + Sync>;

/// Everything started, before it is assembled into a subscriber or a layer.
pub(super) struct Prepared {
    warnings: Vec<String>,
    sampler: Sampler,
    log_filter: String,
    trace_filter: String,
    log_format: LogFormat,
    ansi: bool,
    output: SharedOutput,
    /// Whether log lines are written (`OTEL_LOGS_EXPORTER` without `console`: not).
    log_lines: bool,
    /// The span limits spans are captured within.
    #[cfg(feature = "otlp")]
    limits: crate::capture::SpanLimits,
    /// The metrics recorder, until `install()` makes it global.
    #[cfg(feature = "_recorder")]
    recorder: Option<crate::MetricsRecorder>,
    #[cfg(feature = "prometheus")]
    prometheus: Option<super::telemetry::PrometheusParts>,
    #[cfg(feature = "otlp")]
    otlp: Option<crate::otlp::Exporting>,
    #[cfg(feature = "otlp")]
    shutdown_timeout: Duration,
    #[cfg(feature = "viewer")]
    viewer: Option<crate::viewer::ViewerParts>,
    /// The collector and its thread, once started.
    collecting: Option<super::telemetry::Collecting>,
    /// How sqlx's events become database spans, when they do.
    database: Option<crate::database::DatabaseSpans>,
}

/// Reads the environment over the builder's settings and starts the parts that run on their
/// own: the log output, the Prometheus recorder (and listener), the OTLP export thread.
pub(super) fn prepare(mut builder: Builder) -> Result<Prepared, InitError> {
    let env = env::read(&builder.environment);
    let sampler = env.sampler.unwrap_or(builder.sampler);
    let mut log_filter = env
        .log_filter
        .clone()
        .unwrap_or_else(|| builder.log_filter.clone());
    let mut trace_filter = builder.trace_filter.clone();
    if !builder.access_log {
        // In both, so that equal filters stay one global filter.
        for filter in [&mut log_filter, &mut trace_filter] {
            filter.push_str(",tripod::access=off");
        }
    }
    // Checked now, so a bad directive fails here whichever layer would use it.
    parse_filter::<tracing_subscriber::Registry>(&log_filter)?;
    parse_filter::<tracing_subscriber::Registry>(&trace_filter)?;

    // Colour only for a terminal, and not when NO_COLOR says otherwise.
    let ansi = builder.log_writer.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
        && (builder.environment)("NO_COLOR").is_none_or(|value| value.is_empty());
    let output: SharedOutput = LineOutput::new(
        builder
            .log_writer
            .take()
            .unwrap_or_else(|| Box::new(std::io::stdout())),
    );

    // Where each signal goes: the builder's choices, unless an `OTEL_*_EXPORTER` says otherwise.
    let log_lines = env
        .logs_exporters
        .map_or(builder.log_lines, |outputs| outputs.console);

    #[cfg(feature = "_recorder")]
    let recorder = {
        #[cfg(feature = "prometheus")]
        let (wanted, native) = (builder.prometheus, builder.native_histograms);
        #[cfg(not(feature = "prometheus"))]
        let (wanted, native) = (false, false);
        let otlp_metrics = wants_otlp_metrics(&builder, &env);
        if wanted || otlp_metrics {
            let mut buckets =
                crate::recorder::Buckets::new(&builder.default_buckets, &builder.metric_buckets)
                    .map_err(InitError::InvalidBuckets)?;
            buckets.exponential =
                (otlp_metrics && exponential_histograms(&builder, &env)) || (wanted && native);
            Some(crate::MetricsRecorder::new(buckets, builder.series_limit))
        } else {
            None
        }
    };

    #[cfg(feature = "prometheus")]
    let prometheus = match &recorder {
        Some(recorder)
            if builder.prometheus
                && env
                    .metrics_exporters
                    .is_none_or(|outputs| outputs.prometheus) =>
        {
            let handle = crate::prometheus::PrometheusHandle::new(recorder.clone());
            let listener = match builder.metrics_listener {
                Some(address) => Some(
                    crate::prometheus::listen(address, handle.clone())
                        .map_err(|source| InitError::MetricsListener { address, source })?,
                ),
                None => None,
            };
            Some(super::telemetry::PrometheusParts { handle, listener })
        }
        _ => None,
    };

    #[cfg(feature = "otlp")]
    let otlp = start_export(&builder, &env, recorder.as_ref())?;

    #[cfg(feature = "viewer")]
    let viewer = match (&recorder, builder.trace_viewer) {
        (Some(recorder), true) => Some(crate::viewer::ViewerParts::start(
            env.service_name
                .clone()
                .or(builder.service_name.clone())
                .unwrap_or_else(|| "unknown_service".into()),
            recorder.clone(),
        )),
        _ => None,
    };

    let database = builder
        .database_spans
        .then(|| crate::database::DatabaseSpans {
            system: builder.database_system.as_str().into(),
            query_text: builder.database_query_text,
        });

    Ok(Prepared {
        warnings: env.warnings,
        sampler,
        log_filter,
        trace_filter,
        log_format: env.log_format.unwrap_or(builder.log_format),
        ansi,
        output,
        log_lines,
        #[cfg(feature = "otlp")]
        limits: env.otlp.limits,
        #[cfg(feature = "_recorder")]
        recorder,
        #[cfg(feature = "prometheus")]
        prometheus,
        #[cfg(feature = "otlp")]
        otlp,
        #[cfg(feature = "otlp")]
        shutdown_timeout: builder.shutdown_timeout,
        #[cfg(feature = "viewer")]
        viewer,
        collecting: None,
        database,
    })
}

/// Whether metrics go over OTLP: an endpoint for them, and nothing that says no.
#[cfg(feature = "otlp")]
fn wants_otlp_metrics(builder: &Builder, env: &env::FromEnvironment) -> bool {
    signal_setup(builder, env, crate::otlp::Signal::Metrics).is_some()
}

/// Whether histograms go over OTLP as exponential ones.
#[cfg(feature = "otlp")]
fn exponential_histograms(builder: &Builder, env: &env::FromEnvironment) -> bool {
    env.otlp
        .exponential_histograms
        .unwrap_or(builder.exponential_histograms)
}

#[cfg(all(feature = "_recorder", not(feature = "otlp")))]
fn exponential_histograms(_builder: &Builder, _env: &env::FromEnvironment) -> bool {
    false
}

#[cfg(all(feature = "_recorder", not(feature = "otlp")))]
fn wants_otlp_metrics(_builder: &Builder, _env: &env::FromEnvironment) -> bool {
    false
}

/// Where and how `signal` is exported, when it is: the builder allows it, no `OTEL_*_EXPORTER`
/// leaves `otlp` out, and an endpoint is configured for it. The builder's headers go under the
/// environment's (which win for the same name), the builder's gzip stands unless a variable says.
#[cfg(feature = "otlp")]
fn signal_setup(
    builder: &Builder,
    env: &env::FromEnvironment,
    signal: crate::otlp::Signal,
) -> Option<Result<crate::otlp::SignalSetup, InitError>> {
    use crate::otlp::{QueueConfig, Signal};
    let (allowed, listed, mut queue) = match signal {
        Signal::Traces => (true, env.traces_exporters, builder.export_queue),
        Signal::Logs => (
            builder.otlp_logs,
            env.logs_exporters,
            QueueConfig {
                max_queue_bytes: builder.export_queue.max_queue_bytes,
                retry_for: builder.export_queue.retry_for,
                ..QueueConfig::LOGS
            },
        ),
        Signal::Metrics => (
            builder.otlp_metrics,
            env.metrics_exporters,
            QueueConfig {
                retry_for: builder.export_queue.retry_for,
                ..QueueConfig::METRICS
            },
        ),
    };
    if !builder.otlp || !allowed || listed.is_some_and(|outputs| !outputs.otlp) {
        return None;
    }
    let own = env.otlp.signal(signal);
    let protocol = own.protocol.unwrap_or(builder.otlp_protocol);
    let base = env.otlp_endpoint.clone().or(builder.otlp_endpoint.clone());
    let endpoint =
        crate::otlp::signal_endpoint(base.as_deref(), own.endpoint.as_deref(), protocol, signal)?;
    if signal == Signal::Metrics {
        queue.schedule_delay = env
            .otlp
            .metric_interval
            .unwrap_or(builder.metric_export_interval);
        if let Some(timeout) = env.otlp.metric_timeout {
            queue.export_timeout = timeout;
        }
    }
    if let Some(timeout) = own.timeout {
        queue.export_timeout = timeout;
    }
    let mut export = own.export.clone();
    let mut headers = crate::otlp::Headers::default();
    for (name, value) in &builder.otlp_headers {
        if let Err(reason) = headers.insert(name, value) {
            return Some(Err(InitError::Exporter {
                endpoint,
                reason: format!("header: {reason}"),
            }));
        }
    }
    for (name, value) in export.headers.0.drain(..) {
        headers.0.retain(|(existing, _)| *existing != name);
        headers.0.push((name, value));
    }
    export.headers = headers;
    if builder.otlp_gzip && !own.compression_set {
        export.compression = crate::otlp::Compression::Gzip;
    }
    Some(Ok(crate::otlp::SignalSetup {
        endpoint,
        protocol,
        export,
        queue,
    }))
}

/// Starts the export of every signal that has somewhere to go.
#[cfg(feature = "otlp")]
fn start_export(
    builder: &Builder,
    env: &env::FromEnvironment,
    recorder: Option<&crate::MetricsRecorder>,
) -> Result<Option<crate::otlp::Exporting>, InitError> {
    use crate::otlp::Signal;
    let setup = |signal| signal_setup(builder, env, signal).transpose();
    let traces = setup(Signal::Traces)?;
    let logs = setup(Signal::Logs)?;
    let metrics = match (setup(Signal::Metrics)?, recorder) {
        (Some(metrics), Some(recorder)) => Some((
            metrics,
            recorder.clone(),
            env.otlp.temporality.unwrap_or(builder.metrics_temporality),
        )),
        _ => None,
    };
    if traces.is_none() && logs.is_none() && metrics.is_none() {
        return Ok(None);
    }
    let service_name = env.service_name.clone().or(builder.service_name.clone());
    crate::otlp::start(crate::otlp::Setup {
        service_name: service_name.as_deref(),
        resource_attributes: &env.resource_attributes,
        traces,
        logs,
        metrics,
    })
    .map(Some)
    .map_err(|(endpoint, reason)| InitError::Exporter { endpoint, reason })
}

impl Prepared {
    /// The collector, with its thread started, and how the application's threads record for it:
    /// what tripod's subscriber and the composable path's [`RecordLayer`] share.
    fn start_collector(&mut self) -> Recording {
        let style = match self.log_format {
            LogFormat::Json => crate::logs::Style::Json,
            LogFormat::Pretty => crate::logs::Style::Pretty { ansi: self.ansi },
        };
        let capture = self
            .span_sinks()
            .map(|(sinks, limits)| crate::capture::Capture::new(sinks, limits));
        let capturing = capture.is_some();
        #[cfg(feature = "_recorder")]
        let recorder = self.recorder.clone().map(|recorder| {
            std::sync::Arc::new(recorder) as std::sync::Arc<dyn metrics::Recorder + Send + Sync>
        });
        #[cfg(not(feature = "_recorder"))]
        let recorder = None;
        // sqlx's events are recorded only when they become a span or a metric.
        let database = self
            .database
            .clone()
            .filter(|_| capturing || recorder.is_some())
            .map(|spans| crate::pipeline::Databases { spans, recorder });
        let recording = Recording {
            buffers: crate::local::ThreadBuffers::new(),
            capturing,
            database: database.is_some(),
        };
        // Lines only with the `json` feature: without it, none are laid out.
        let lines = (self.log_lines && cfg!(feature = "json")).then(|| crate::pipeline::Lines {
            style,
            output: self.output.clone(),
        });
        let collector = crate::pipeline::Collector::new(
            lines,
            capture,
            #[cfg(feature = "otlp")]
            self.otlp
                .as_ref()
                .and_then(|otlp| otlp.logs.as_ref())
                .map(|logs| crate::otlp::LogEncoder::new(logs.queue.clone())),
            database,
        );
        let (pipeline, thread) =
            crate::pipeline::Pipeline::start(recording.buffers.clone(), collector);
        // A read of the metrics first collects what the threads recorded: the collector thread
        // records observed calls' metrics, so a scrape sees every call that ended before it.
        #[cfg(feature = "_recorder")]
        if let Some(recorder) = &self.recorder {
            let pipeline = std::sync::Arc::downgrade(&pipeline);
            recorder.before_read(move || {
                if let Some(pipeline) = pipeline.upgrade() {
                    pipeline.collect();
                }
            });
        }
        self.collecting = Some(super::telemetry::Collecting { pipeline, thread });
        recording
    }

    /// tripod's layers over `S`, recording into the collector like tripod's subscriber: a mark
    /// layer behind the log filter and one behind the trace filter say which let a callsite
    /// through, and the record layer behind either (and sqlx's events, when database spans are
    /// on) records it. `RUST_LOG=warn` thus does not stop info spans from being exported.
    pub(super) fn layers<S>(&mut self) -> Result<BoxedLayer<S>, InitError>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let recording = self.start_collector();
        let logs_or_traces =
            parse_filter::<S>(&self.log_filter)?.or(parse_filter::<S>(&self.trace_filter)?);
        let either: DynFilter<S> = if recording.database {
            let statements = crate::database::DatabaseEvent::TARGETS
                .iter()
                .fold(Targets::new(), |targets, target| {
                    targets.with_target(*target, tracing::Level::DEBUG)
                });
            Box::new(logs_or_traces.or(statements))
        } else {
            Box::new(logs_or_traces)
        };
        let layers: Vec<BoxedLayer<S>> = vec![
            crate::layer::MarkLayer::new(crate::layer::Mark::Logged)
                .with_filter(parse_filter::<S>(&self.log_filter)?)
                .boxed(),
            crate::layer::MarkLayer::new(crate::layer::Mark::Traced)
                .with_filter(parse_filter::<S>(&self.trace_filter)?)
                .boxed(),
            crate::layer::RecordLayer::new(
                self.sampler,
                recording.buffers,
                recording.capturing,
                recording.database,
            )
            .with_filter(either)
            .boxed(),
        ];
        Ok(layers.boxed())
    }

    /// Where finished spans go (the export queue, the viewer's store) and the limits they are
    /// captured within; `None` when nothing wants them.
    #[allow(clippy::type_complexity)]
    fn span_sinks(
        &self,
    ) -> Option<(
        Vec<std::sync::Arc<dyn crate::capture::SpanSink>>,
        crate::capture::SpanLimits,
    )> {
        #[cfg_attr(not(any(feature = "otlp", feature = "viewer")), allow(unused_mut))]
        let mut sinks: Vec<std::sync::Arc<dyn crate::capture::SpanSink>> = Vec::new();
        #[cfg_attr(not(feature = "otlp"), allow(unused_mut))]
        let mut limits = crate::capture::SpanLimits::default();
        #[cfg(feature = "otlp")]
        if let Some(traces) = self.otlp.as_ref().and_then(|otlp| otlp.traces.as_ref()) {
            sinks.push(traces.queue.clone());
            limits = self.limits;
        }
        #[cfg(feature = "viewer")]
        if let Some(viewer) = &self.viewer {
            sinks.push(viewer.viewer.store.clone());
        }
        (!sinks.is_empty()).then_some((sinks, limits))
    }

    /// tripod's own subscriber, with the collector's thread started; `None` when a filter
    /// directive needs tracing-subscriber's `EnvFilter` (one that matches span fields), for which
    /// [`layers`](Prepared::layers) over the registry are used instead.
    pub(super) fn own_subscriber(&mut self) -> Option<tracing::Dispatch> {
        // Checked before anything starts: a directive only `EnvFilter` reads takes the layers.
        crate::subscriber::Filters::parse(&self.log_filter, &self.trace_filter, false)?;
        let recording = self.start_collector();
        let filters = crate::subscriber::Filters::parse(
            &self.log_filter,
            &self.trace_filter,
            recording.database,
        )?;
        let subscriber = crate::subscriber::TripodSubscriber::new(
            filters,
            self.sampler,
            recording.buffers,
            recording.capturing,
        );
        Some(tracing::Dispatch::new(subscriber))
    }

    /// The guard owning it all, with `dispatch` the subscriber built (or a no-op one when the
    /// application built its own); the warnings are logged through it, or through the
    /// application's default subscriber.
    pub(super) fn finish(self, dispatch: tracing::Dispatch) -> Telemetry {
        crate::__private::warm_up_clock();
        let own = !dispatch.is::<tracing::subscriber::NoSubscriber>();
        #[cfg(feature = "otlp")]
        if let Some(exporting) = &self.otlp
            && own
        {
            exporting.log_through(&dispatch);
        }
        let log_warnings = || {
            for warning in &self.warnings {
                tracing::warn!(target: "tripod", "{warning}");
            }
        };
        if own {
            tracing::dispatcher::with_default(&dispatch, log_warnings);
        } else {
            log_warnings();
        }
        Telemetry {
            dispatch,
            collecting: self.collecting,
            collects_metrics: false,
            log_output: Some(self.output),
            #[cfg(feature = "_recorder")]
            recorder: self.recorder,
            #[cfg(feature = "prometheus")]
            prometheus: self.prometheus,
            #[cfg(feature = "otlp")]
            otlp: self.otlp,
            #[cfg(feature = "otlp")]
            shutdown_timeout: self.shutdown_timeout,
            #[cfg(feature = "viewer")]
            viewer: self.viewer,
            warnings: self.warnings,
        }
    }
}

/// How the application's threads record for the collector.
struct Recording {
    buffers: std::sync::Arc<crate::local::ThreadBuffers>,
    /// Whether finished spans go anywhere (export, the viewer).
    capturing: bool,
    /// Whether sqlx's events are recorded for database spans and their metric.
    database: bool,
}

/// A filter from `RUST_LOG`-style directives: tracing-subscriber's `Targets` when the directives
/// are static (`info,sqlx=warn`), which filters without span bookkeeping; `EnvFilter` for
/// directives that match spans or fields (`[request{id=7}]=debug`).
fn parse_filter<S>(directives: &str) -> Result<DynFilter<S>, InitError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    match directives.parse::<tracing_subscriber::filter::Targets>() {
        Ok(targets) => Ok(Box::new(targets)),
        Err(_) => env_filter(directives).map(|filter| Box::new(filter) as DynFilter<S>),
    }
}

fn env_filter(directives: &str) -> Result<EnvFilter, InitError> {
    EnvFilter::try_new(directives).map_err(|error| InitError::InvalidFilter {
        filter: directives.to_owned(),
        reason: error.to_string(),
    })
}
