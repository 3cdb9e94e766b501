//! The embedded viewer on the builder and the guard: its setter, its start, and the data the
//! guard gives out to serve.

use super::env::FromEnvironment;
use super::{Builder, Telemetry};
use crate::sink::Part;
use crate::viewer::ViewerParts;

impl Builder {
    /// Keeps recent traces in memory for the embedded viewer ([`Telemetry::viewer`](crate::Telemetry::viewer), served by
    /// `tripod::axum::viewer_router`), with or without an OTLP endpoint. It needs Prometheus (for the
    /// operations page). Defaults to `false`: the pages show internal data.
    pub fn trace_viewer(mut self, enabled: bool) -> Self {
        self.trace_viewer = enabled;
        self
    }

    /// The viewer, when asked for and a recorder exists (its operations page reads it).
    pub(super) fn viewer_part(
        &self,
        env: &FromEnvironment,
        recorder: Option<&crate::MetricsRecorder>,
    ) -> Option<Box<dyn Part>> {
        let recorder = recorder.filter(|_| self.trace_viewer)?;
        let service = env
            .service_name
            .clone()
            .or(self.service_name.clone())
            .unwrap_or_else(|| "unknown_service".into());
        Some(Box::new(ViewerParts::start(service, recorder.clone())))
    }
}

impl Telemetry {
    /// The embedded viewer's data, when [`Builder::trace_viewer`](crate::Builder::trace_viewer)
    /// asked for it: serve it with `tripod::axum::viewer_router`.
    pub fn viewer(&self) -> Option<crate::Viewer> {
        self.part::<ViewerParts>().map(|parts| parts.viewer.clone())
    }
}
