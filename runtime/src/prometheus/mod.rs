//! Prometheus: the expositions of the recorder's series (the classic 0.0.4 text, OpenMetrics
//! 1.0.0 with exemplars, and the protobuf format with native histograms), which one a scraper
//! gets (`Accept`), and a standalone `/metrics` listener for applications that serve no HTTP of
//! their own.

mod classic;
mod listener;
mod negotiate;
mod openmetrics;
mod protobuf;
mod settings;
mod target_info;
mod text;

pub(crate) use listener::listen;
pub use negotiate::Format;
pub(crate) use settings::{Serving, Settings};

use crate::recorder::MetricsRecorder;

/// Renders the recorder's series for scrapers: what `/metrics` serves. Get it from
/// [`Telemetry::prometheus_handle`](crate::Telemetry::prometheus_handle); serve it with
/// `tripod::axum::metrics_router`, or from any HTTP server with [`render_for`](Self::render_for).
///
/// ```
/// let telemetry = tripod::init().build()?;
/// let handle = telemetry.prometheus_handle().expect("Prometheus is on");
/// let (content_type, body) = handle.render_for(Some("application/openmetrics-text"));
/// assert!(content_type.starts_with("application/openmetrics-text"));
/// assert!(String::from_utf8(body).unwrap().ends_with("# EOF\n"));
/// # Ok::<(), tripod::InitError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PrometheusHandle {
    recorder: MetricsRecorder,
    /// The labels of `target_info`: the resource, as the compatibility rules write it.
    target_info: std::sync::Arc<[(String, String)]>,
}

impl PrometheusHandle {
    pub(crate) fn new(
        recorder: MetricsRecorder,
        target_info: Vec<(String, String)>,
    ) -> PrometheusHandle {
        PrometheusHandle {
            recorder,
            target_info: target_info.into(),
        }
    }

    /// The classic text exposition (0.0.4): what a scraper that asks for nothing in particular
    /// gets.
    pub fn render(&self) -> String {
        String::from_utf8(self.render_as(Format::Text)).unwrap_or_default()
    }

    /// The exposition in `format`.
    pub fn render_as(&self, format: Format) -> Vec<u8> {
        let mut snapshot = self.recorder.snapshot();
        target_info::add(&mut snapshot, &self.target_info);
        match format {
            Format::Text => classic::render(&snapshot),
            Format::OpenMetrics => openmetrics::render(&snapshot),
            Format::Protobuf => protobuf::render(&snapshot),
        }
    }

    /// The exposition a scraper sending `accept` (its `Accept` header) asks for, with its
    /// `Content-Type`.
    pub fn render_for(&self, accept: Option<&str>) -> (&'static str, Vec<u8>) {
        let format = Format::from_accept(accept);
        (format.content_type(), self.render_as(format))
    }
}
