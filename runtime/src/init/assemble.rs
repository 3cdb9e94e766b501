//! Turning a [`Builder`]'s settings into running parts: the environment read and each sink
//! started from its own settings ([`prepare`]), then tripod's layers over any registry-like
//! subscriber ([`Prepared::layers`]), and the [`Telemetry`] guard that owns it all
//! ([`Prepared::finish`]).

use tracing::Subscriber;
use tracing_subscriber::filter::FilterExt as _;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::Filter;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer};

use super::{Builder, InitError, Telemetry, env};
use crate::sink::Part;
use crate::trace::Sampler;

type DynFilter<S> = Box<dyn Filter<S> + Send + Sync>;
type BoxedLayer<S> = Box<dyn Layer<S> + Send + Sync>;

/// Everything started, before it is assembled into a subscriber or a layer.
pub(super) struct Prepared {
    warnings: Vec<String>,
    sampler: Sampler,
    log_filter: String,
    trace_filter: String,
    /// The sinks started.
    parts: Vec<Box<dyn Part>>,
    /// The metrics recorder, until `install()` makes it global.
    #[cfg(feature = "_recorder")]
    recorder: Option<crate::MetricsRecorder>,
    shutdown_timeout: std::time::Duration,
    /// The pipeline (the collector thread and its state), once started.
    collecting: Option<super::telemetry::Collecting>,
    /// How sqlx's events become database spans, when they do.
    database: Option<crate::database::DatabaseSpans>,
    /// What is told of calls and requests that have not ended.
    unfinished: crate::pipeline::UnfinishedSettings,
    /// Lines a second per event callsite (`None`: no limit).
    log_rate_limit: Option<u32>,
    /// The tail rules for the traces the head sampler did not sample.
    traces_keep: crate::trace::TracesKeep,
}

/// Reads the environment over the builder's settings and starts the sinks, each from its own
/// settings: the lines, the recorder with `/metrics` (and its listener), the OTLP exports, the
/// viewer.
pub(super) fn prepare(mut builder: Builder) -> Result<Prepared, InitError> {
    let env = env::read(&builder.environment);
    // Which context travels, and which baggage entries are recorded: process-wide, as the
    // server layer and `inject` read them.
    env.propagators.unwrap_or_default().install();
    crate::trace::record_fields(&env.baggage_fields);
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

    let mut parts: Vec<Box<dyn Part>> = Vec::new();
    // Lines unless `OTEL_LOGS_EXPORTER`, when set, leaves `console` out.
    let lines = std::mem::take(&mut builder.lines).start(
        env.log_format,
        env.logs_exporters.map(|outputs| outputs.console),
        &builder.environment,
    );
    if let Some(lines) = lines {
        parts.push(Box::new(lines));
    }
    #[cfg(feature = "_recorder")]
    let recorder = builder.start_recorder(&env)?;
    // One resource for every signal: the same `service.instance.id` everywhere.
    #[cfg(feature = "_recorder")]
    let resource = crate::resource::Resource::detect(
        env.service_name
            .as_deref()
            .or(builder.service_name.as_deref()),
        builder.service_version.as_deref(),
        &env.resource_attributes,
    );
    #[cfg(feature = "prometheus")]
    parts.extend(builder.prometheus_part(&env, recorder.as_ref(), &resource)?);
    #[cfg(feature = "otlp")]
    parts.extend(builder.otlp_part(&env, recorder.as_ref(), &resource)?);
    #[cfg(feature = "viewer")]
    parts.extend(builder.viewer_part(&env, recorder.as_ref()));

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
        parts,
        #[cfg(feature = "_recorder")]
        recorder,
        shutdown_timeout: builder.shutdown_timeout,
        collecting: None,
        database,
        traces_keep: env.traces_keep.unwrap_or(builder.traces_keep),
        log_rate_limit: env
            .log_rate_limit
            .unwrap_or(builder.log_rate_limit)
            .filter(|limit| *limit > 0),
        unfinished: crate::pipeline::UnfinishedSettings {
            still_running_after: env
                .still_running_after
                .unwrap_or(builder.unfinished.still_running_after),
            ..builder.unfinished
        },
    })
}

impl Prepared {
    /// The collector thread, started, and how the application's threads record for it:
    /// what tripod's subscriber and the composable path's [`RecordLayer`] share.
    fn start_collector(&mut self) -> Recording {
        let (span_sinks, limits): (Vec<_>, Vec<_>) = self
            .parts
            .iter()
            .filter_map(|part| part.span_sink())
            .unzip();
        let capture = (!span_sinks.is_empty()).then(|| {
            let limits = limits.into_iter().flatten().next().unwrap_or_default();
            crate::capture::Capture::new(span_sinks, limits)
        });
        let capturing = crate::trace::Capturing {
            on: capture.is_some(),
            unsampled: capture.is_some() && self.traces_keep.any(),
        };
        #[cfg(feature = "_recorder")]
        let recorder = self.recorder.clone().map(|recorder| {
            std::sync::Arc::new(recorder) as std::sync::Arc<dyn metrics::Recorder + Send + Sync>
        });
        #[cfg(not(feature = "_recorder"))]
        let recorder = None;
        let unfinished = crate::pipeline::Unfinished::new(
            self.unfinished.clone(),
            self.log_filter.parse::<Targets>().ok(),
            recorder.clone(),
        );
        let tail_recorder = recorder.clone();
        // sqlx's events are recorded only when they become a span or a metric.
        let database = self
            .database
            .clone()
            .filter(|_| capturing.on || recorder.is_some())
            .map(|spans| crate::pipeline::Databases { spans, recorder });
        let recording = Recording {
            buffers: crate::local::ThreadBuffers::new(),
            capturing,
            database: database.is_some(),
        };
        let log_sinks = self
            .parts
            .iter()
            .filter_map(|part| part.log_sink())
            .collect();
        let collector = crate::pipeline::Collector::new(
            log_sinks,
            capture,
            database,
            unfinished,
            crate::pipeline::RepeatedLines::new(self.log_rate_limit),
            capturing.unsampled.then(|| {
                crate::pipeline::Tail::new(
                    self.traces_keep,
                    crate::pipeline::TAIL_MAX_BYTES,
                    tail_recorder,
                )
            }),
        );
        let (pipeline, thread) =
            crate::pipeline::Pipeline::start(recording.buffers.clone(), collector);
        let weak = std::sync::Arc::downgrade(&pipeline);
        let open: std::sync::Weak<dyn crate::capture::OpenSpans> = weak;
        for part in &self.parts {
            part.open_spans_from(&open);
        }
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

    /// tripod's layers over `S`, recording into the collector thread like tripod's subscriber: a
    /// mark layer behind the log filter and one behind the trace filter say which let a callsite
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

    /// tripod's own subscriber, with the collector thread started; `None` when a filter
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
        if own {
            for part in &self.parts {
                part.log_through(&dispatch);
            }
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
            parts: self.parts,
            #[cfg(feature = "_recorder")]
            recorder: self.recorder,
            shutdown_timeout: self.shutdown_timeout,
            warnings: self.warnings,
        }
    }
}

/// How the application's threads record for the collector thread.
struct Recording {
    buffers: std::sync::Arc<crate::local::ThreadBuffers>,
    /// Whether finished spans go anywhere (export, the viewer), and unsampled ones too.
    capturing: crate::trace::Capturing,
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
