//! OTLP export of traces, logs and metrics, a sink: per signal a bounded queue and an export
//! thread that encodes batches straight into OTLP protobuf and sends them through one transport
//! (HTTP/protobuf or gRPC, TLS, headers, gzip) with hyper's client.
//!
//! Spans wait as the capture's records ([`spans`]); log records are encoded as the collector thread
//! lays out their lines and wait as chunks ([`logs`]); metrics are read from the recorder every
//! export interval ([`metrics`]). The queue ([`queue`]), the export loop ([`export`]) with its
//! retries ([`retry`]), the transport and the failure reports are one code path for the three.

mod config;
mod encode;
mod endpoint;
mod env;
mod export;
mod logs;
mod metrics;
mod partial;
mod pinned;
mod proto;
mod queue;
mod report;
mod resource;
mod retry;
mod settings;
mod signal;
mod spans;
mod tls;
mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) use config::{Compression, ExportConfig, Headers};
pub use endpoint::OtlpProtocol;
pub(crate) use endpoint::{signal_endpoint, validate_url};
pub(crate) use env::{OtlpEnv, read as read_env};
pub(crate) use logs::{LogChunk, LogEncoder};
pub(crate) use metrics::Temporality;
pub(crate) use queue::{Item, Queue, QueueConfig};
pub(crate) use settings::{Settings, Shared};
pub(crate) use signal::Signal;

use crate::capture::{SpanLimits, SpanRecord, SpanSink};
use crate::sink::{LogSink, Part};

/// Checks that TLS files can be used (they exist, hold PEM certificates and a key).
pub(crate) fn check_tls(files: &config::TlsFiles) -> Result<(), String> {
    tls::client_config(files).map(drop)
}

/// Where and how one signal is sent.
pub(crate) struct SignalSetup {
    /// For HTTP, the full URL (`…/v1/logs`); for gRPC, the endpoint's base URL.
    pub(crate) endpoint: String,
    pub(crate) protocol: OtlpProtocol,
    pub(crate) export: ExportConfig,
    pub(crate) queue: QueueConfig,
}

/// What to export, and as whom.
pub(crate) struct Setup<'a> {
    /// Who sends: every request's resource.
    pub(crate) resource: &'a crate::resource::Resource,
    /// The limits exported spans are recorded within.
    pub(crate) limits: SpanLimits,
    pub(crate) traces: Option<SignalSetup>,
    pub(crate) logs: Option<SignalSetup>,
    pub(crate) metrics: Option<(SignalSetup, crate::recorder::MetricsRecorder, Temporality)>,
}

/// One signal's running export: its queue, where it goes, its reports.
pub(crate) struct Exporter<T> {
    pub(crate) queue: Arc<Queue<T>>,
    pub(crate) endpoint: String,
    pub(crate) protocol: OtlpProtocol,
    reporter: Arc<report::Reporter>,
}

impl<T: Item> Exporter<T> {
    /// Starts `signal`'s export; the error names the endpoint, and what is unusable.
    fn start<E: export::Encode<Item = T>>(
        signal: Signal,
        setup: SignalSetup,
        encode: E,
    ) -> Result<Exporter<T>, (String, String)> {
        let failed = |reason| (setup.endpoint.clone(), reason);
        let transport = transport::Transport::new(
            &setup.endpoint,
            setup.protocol,
            signal,
            setup.queue.export_timeout,
            &setup.export,
        )
        .map_err(failed)?;
        let queue = Arc::new(Queue::new(setup.queue));
        let reporter = Arc::new(report::Reporter::new(signal, setup.endpoint.clone()));
        export::start(queue.clone(), encode, transport, reporter.clone()).map_err(failed)?;
        Ok(Exporter {
            queue,
            endpoint: setup.endpoint,
            protocol: setup.protocol,
            reporter,
        })
    }

    /// Waits for the shutdown asked for until `deadline`; what is still pending then is lost,
    /// counted and reported in one line (`waited` says how long the shutdown was given).
    fn finish_shutdown(&self, deadline: Instant, waited: Duration) -> bool {
        let done = self.queue.wait_stopped(deadline);
        if !done {
            self.reporter.lost_at_shutdown(self.queue.pending(), waited);
        }
        done
    }

    /// Failures are logged through `dispatch` (the subscriber that owns this export).
    pub(crate) fn log_through(&self, dispatch: &tracing::Dispatch) {
        self.reporter.log_through(dispatch.downgrade());
    }
}

/// The running exports.
pub(crate) struct Exporting {
    pub(crate) traces: Option<Exporter<Arc<SpanRecord>>>,
    pub(crate) logs: Option<Exporter<LogChunk>>,
    pub(crate) metrics: Option<Exporter<metrics::MetricRequest>>,
    /// The limits exported spans are recorded within.
    limits: SpanLimits,
}

/// Starts the export of each signal `setup` names, each request with its resource; the error names
/// the endpoint whose configuration is unusable, and why.
pub(crate) fn start(setup: Setup<'_>) -> Result<Exporting, (String, String)> {
    let preamble = Arc::new(resource::Preamble::new(setup.resource));
    let traces = setup
        .traces
        .map(|traces| {
            let encode = spans::SpanBatches {
                preamble: preamble.clone(),
            };
            Exporter::start(Signal::Traces, traces, encode)
        })
        .transpose()?;
    let logs = setup
        .logs
        .map(|logs| {
            let encode = logs::LogBatches {
                preamble: preamble.clone(),
            };
            Exporter::start(Signal::Logs, logs, encode)
        })
        .transpose()?;
    let metrics = setup
        .metrics
        .map(|(metrics, recorder, temporality)| {
            let encode = metrics::MetricBatches::new(recorder, preamble.clone(), temporality);
            Exporter::start(Signal::Metrics, metrics, encode)
        })
        .transpose()?;
    Ok(Exporting {
        traces,
        logs,
        metrics,
        limits: setup.limits,
    })
}

/// The exports as one part: spans to the traces queue, log events encoded into the logs queue.
impl Part for Exporting {
    fn log_sink(&self) -> Option<Box<dyn LogSink>> {
        let logs = self.logs.as_ref()?;
        Some(Box::new(LogEncoder::new(logs.queue.clone())))
    }

    fn span_sink(&self) -> Option<(Arc<dyn SpanSink>, Option<SpanLimits>)> {
        let traces = self.traces.as_ref()?;
        Some((traces.queue.clone(), Some(self.limits)))
    }

    fn log_through(&self, dispatch: &tracing::Dispatch) {
        Exporting::log_through(self, dispatch);
    }

    fn flush(&self, timeout: Duration) -> bool {
        Exporting::flush(self, timeout)
    }

    fn shutdown(&self, timeout: Duration) {
        Exporting::shutdown(self, timeout);
    }
}

impl Exporting {
    /// Exports what every signal holds, within `timeout` for all of them; `false` when one did
    /// not finish in time.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        // All three asked first and waited for together: a slow endpoint for one signal
        // leaves the others the whole deadline.
        let traces = self
            .traces
            .as_ref()
            .map(|e| (&e.queue, e.queue.ask_flush()));
        let logs = self.logs.as_ref().map(|e| (&e.queue, e.queue.ask_flush()));
        let metrics = self
            .metrics
            .as_ref()
            .map(|e| (&e.queue, e.queue.ask_flush()));
        let traces = traces.is_none_or(|(queue, ticket)| queue.wait_flushed(ticket, deadline));
        let logs = logs.is_none_or(|(queue, ticket)| queue.wait_flushed(ticket, deadline));
        let metrics = metrics.is_none_or(|(queue, ticket)| queue.wait_flushed(ticket, deadline));
        traces && logs && metrics
    }

    /// Shuts every signal's export down, within `timeout` for all of them: each is told at
    /// once, so each has the whole deadline.
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        // Metrics first: their last reading is made as their thread wakes.
        if let Some(e) = &self.metrics {
            e.queue.ask_shutdown();
        }
        if let Some(e) = &self.traces {
            e.queue.ask_shutdown();
        }
        if let Some(e) = &self.logs {
            e.queue.ask_shutdown();
        }
        let metrics = self
            .metrics
            .as_ref()
            .is_none_or(|e| e.finish_shutdown(deadline, timeout));
        let traces = self
            .traces
            .as_ref()
            .is_none_or(|e| e.finish_shutdown(deadline, timeout));
        let logs = self
            .logs
            .as_ref()
            .is_none_or(|e| e.finish_shutdown(deadline, timeout));
        traces && logs && metrics
    }

    /// Export failures are logged through `dispatch`.
    pub(crate) fn log_through(&self, dispatch: &tracing::Dispatch) {
        if let Some(e) = &self.traces {
            e.log_through(dispatch);
        }
        if let Some(e) = &self.logs {
            e.log_through(dispatch);
        }
        if let Some(e) = &self.metrics {
            e.log_through(dispatch);
        }
    }
}
