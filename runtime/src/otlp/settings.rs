//! OTLP's settings as the builder holds them ([`Settings`], each with its default), read over by
//! the environment ([`super::env`]), and how the exporters start from them ([`Settings::start`]):
//! which signals have somewhere to go, and each one's endpoint, transport, headers and queue.

use std::time::Duration;

use super::env::OtlpEnv;
use super::{Compression, Exporting, Headers, OtlpProtocol, QueueConfig, Signal, SignalSetup};
use super::{Temporality, signal_endpoint};
use crate::recorder::MetricsRecorder;

/// OTLP's settings, as the builder's setters left them.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// Whether anything may be exported.
    pub(crate) enabled: bool,
    /// The base URL of every signal's endpoint.
    pub(crate) endpoint: Option<String>,
    pub(crate) protocol: OtlpProtocol,
    /// The spans' queue; the logs' and metrics' take its memory bound and retry time.
    pub(crate) queue: QueueConfig,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) gzip: bool,
    /// Whether log records and metrics go too.
    pub(crate) logs: bool,
    pub(crate) metrics: bool,
    pub(crate) metric_interval: Duration,
    pub(crate) temporality: Temporality,
    pub(crate) exponential_histograms: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: true,
            endpoint: None,
            protocol: OtlpProtocol::default(),
            queue: QueueConfig::default(),
            headers: Vec::new(),
            gzip: false,
            logs: true,
            metrics: true,
            metric_interval: QueueConfig::METRICS.schedule_delay,
            temporality: Temporality::Cumulative,
            exponential_histograms: false,
        }
    }
}

/// What OTLP takes from the environment besides its own variables ([`OtlpEnv`]).
pub(crate) struct Shared<'a> {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, checked.
    pub(crate) endpoint: Option<&'a str>,
    /// For traces, logs and metrics, whether their `OTEL_*_EXPORTER` list names `otlp`, when
    /// it is set.
    pub(crate) listed: [Option<bool>; 3],
}

impl Settings {
    /// Whether metrics go over OTLP: an endpoint for them, and nothing that says no.
    pub(crate) fn wants_metrics(&self, env: &OtlpEnv, shared: &Shared<'_>) -> bool {
        self.signal_setup(env, shared, Signal::Metrics).is_some()
    }

    /// Whether histograms go over OTLP as base-2 exponential ones.
    pub(crate) fn exponential_histograms(&self, env: &OtlpEnv) -> bool {
        env.exponential_histograms
            .unwrap_or(self.exponential_histograms)
    }

    /// Starts the export of every signal that has somewhere to go (`None`: none has); metrics
    /// only with a `recorder` to read. The error names the endpoint and what is wrong with it.
    pub(crate) fn start(
        &self,
        env: &OtlpEnv,
        shared: &Shared<'_>,
        recorder: Option<&MetricsRecorder>,
        resource: &crate::resource::Resource,
    ) -> Result<Option<Exporting>, (String, String)> {
        let setup = |signal| self.signal_setup(env, shared, signal).transpose();
        let traces = setup(Signal::Traces)?;
        let logs = setup(Signal::Logs)?;
        let metrics = match (setup(Signal::Metrics)?, recorder) {
            (Some(metrics), Some(recorder)) => Some((
                metrics,
                recorder.clone(),
                env.temporality.unwrap_or(self.temporality),
            )),
            _ => None,
        };
        if traces.is_none() && logs.is_none() && metrics.is_none() {
            return Ok(None);
        }
        super::start(super::Setup {
            resource,
            limits: env.limits,
            traces,
            logs,
            metrics,
        })
        .map(Some)
    }

    /// Where and how `signal` is exported, when it is: the settings allow it, its
    /// `OTEL_*_EXPORTER` does not leave `otlp` out, and an endpoint is configured for it. The
    /// builder's headers go under the environment's (which win for the same name), the
    /// builder's gzip stands unless a variable says.
    fn signal_setup(
        &self,
        env: &OtlpEnv,
        shared: &Shared<'_>,
        signal: Signal,
    ) -> Option<Result<SignalSetup, (String, String)>> {
        let (allowed, mut queue) = match signal {
            Signal::Traces => (true, self.queue),
            Signal::Logs => (
                self.logs,
                QueueConfig {
                    max_queue_bytes: self.queue.max_queue_bytes,
                    retry_for: self.queue.retry_for,
                    ..QueueConfig::LOGS
                },
            ),
            Signal::Metrics => (
                self.metrics,
                QueueConfig {
                    retry_for: self.queue.retry_for,
                    ..QueueConfig::METRICS
                },
            ),
        };
        let listed = shared.listed[signal as usize];
        if !self.enabled || !allowed || listed == Some(false) {
            return None;
        }
        let own = env.signal(signal);
        let protocol = own.protocol.unwrap_or(self.protocol);
        let base = shared.endpoint.or(self.endpoint.as_deref());
        let endpoint = signal_endpoint(base, own.endpoint.as_deref(), protocol, signal)?;
        if signal == Signal::Metrics {
            queue.schedule_delay = env.metric_interval.unwrap_or(self.metric_interval);
            if let Some(timeout) = env.metric_timeout {
                queue.export_timeout = timeout;
            }
        }
        if let Some(timeout) = own.timeout {
            queue.export_timeout = timeout;
        }
        let mut export = own.export.clone();
        let mut headers = Headers::default();
        for (name, value) in &self.headers {
            if let Err(reason) = headers.insert(name, value) {
                return Some(Err((endpoint, format!("header: {reason}"))));
            }
        }
        for (name, value) in export.headers.0.drain(..) {
            headers.0.retain(|(existing, _)| *existing != name);
            headers.0.push((name, value));
        }
        export.headers = headers;
        if self.gzip && !own.compression_set {
            export.compression = Compression::Gzip;
        }
        Some(Ok(SignalSetup {
            endpoint,
            protocol,
            export,
            queue,
        }))
    }
}
