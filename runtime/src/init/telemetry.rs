//! [`Telemetry`]: what `install()` returns; dropping it flushes and shuts the exporters down.

use std::time::Duration;

use tracing::Dispatch;

use crate::logs::SharedOutput;

/// The Prometheus parts [`Telemetry`] owns.
#[cfg(feature = "prometheus")]
pub(crate) struct PrometheusParts {
    pub(crate) handle: crate::PrometheusHandle,
    pub(crate) listener: Option<(std::net::SocketAddr, crate::background::Background)>,
}

/// The installed telemetry. Keep it alive for the program's lifetime (`let _telemetry = ...` in
/// `main`): dropping it exports pending spans (bounded by the shutdown timeout, so a dead
/// collector never hangs the exit) and flushes buffered log lines.
#[must_use = "dropping Telemetry shuts the exporters down"]
pub struct Telemetry {
    pub(crate) dispatch: Dispatch,
    pub(crate) log_output: Option<SharedOutput>,
    pub(crate) collecting: Option<Collecting>,
    /// Whether observed calls leave their metrics to the collector thread (`install()` made
    /// tripod's recorder global).
    pub(crate) collects_metrics: bool,
    /// The metrics recorder, until `install()` makes it global.
    #[cfg(feature = "_recorder")]
    pub(crate) recorder: Option<crate::MetricsRecorder>,
    #[cfg(feature = "prometheus")]
    pub(crate) prometheus: Option<PrometheusParts>,
    #[cfg(feature = "otlp")]
    pub(crate) otlp: Option<crate::otlp::Exporting>,
    #[cfg(feature = "otlp")]
    pub(crate) shutdown_timeout: Duration,
    #[cfg(feature = "viewer")]
    pub(crate) viewer: Option<crate::viewer::ViewerParts>,
    pub(crate) warnings: Vec<String>,
}

/// The collector and its thread, which turn the threads' records (tripod's subscriber's or the
/// composable path's) into lines, log records and span records.
pub(crate) struct Collecting {
    pub(crate) pipeline: std::sync::Arc<crate::pipeline::Pipeline>,
    pub(crate) thread: crate::background::Background,
}

impl Telemetry {
    /// Collects what every thread recorded so far (lines written out, ended spans handed to
    /// the export queue and the viewer), and writes out buffered lines.
    fn collect(&self) {
        if let Some(collecting) = &self.collecting {
            collecting.pipeline.collect();
        }
        if let Some(output) = &self.log_output {
            output.flush();
        }
    }

    /// The subscriber that was built, as a [`Dispatch`]: `install()` made it the global default;
    /// `build()` leaves it to the caller (for example `tracing::dispatcher::with_default` in tests);
    /// after [`into_layer`](crate::Builder::into_layer) it is a no-op one, the subscriber being
    /// the application's.
    pub fn dispatch(&self) -> &Dispatch {
        &self.dispatch
    }

    /// What the environment variables said that could not be used (each was also logged as a
    /// warning); empty when all were fine.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The Prometheus exposition (classic text) of every metric recorded so far, as `/metrics`
    /// serves it to a scraper that does not ask for OpenMetrics.
    #[cfg(feature = "prometheus")]
    pub fn render_metrics(&self) -> Option<String> {
        self.prometheus
            .as_ref()
            .map(|prometheus| prometheus.handle.render())
    }

    /// The Prometheus handle, to serve `/metrics` from your own HTTP server (see
    /// [`PrometheusHandle::render_for`](crate::PrometheusHandle::render_for)).
    #[cfg(feature = "prometheus")]
    pub fn prometheus_handle(&self) -> Option<&crate::PrometheusHandle> {
        self.prometheus
            .as_ref()
            .map(|prometheus| &prometheus.handle)
    }

    /// The recorder, when `build()` left its installation to the caller (for example
    /// `metrics::with_local_recorder` in tests); `None` after `install()`, which made it global.
    #[cfg(feature = "_recorder")]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "prometheus", feature = "otlp"))))]
    pub fn recorder(&self) -> Option<&crate::MetricsRecorder> {
        self.recorder.as_ref()
    }

    /// Where the standalone `/metrics` listener listens, when one was asked for.
    #[cfg(feature = "prometheus")]
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.prometheus
            .as_ref()
            .and_then(|prometheus| prometheus.listener.as_ref().map(|(address, _)| *address))
    }

    /// The embedded viewer's data, when [`Builder::trace_viewer`](crate::Builder::trace_viewer)
    /// asked for it: serve it with `tripod::axum::viewer_router`.
    #[cfg(feature = "viewer")]
    pub fn viewer(&self) -> Option<crate::Viewer> {
        self.viewer.as_ref().map(|parts| parts.viewer.clone())
    }

    /// The URL traces are exported to, when they are.
    #[cfg(feature = "otlp")]
    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.otlp_export(crate::otlp::Signal::Traces)
            .map(|(endpoint, _)| endpoint)
    }

    /// The transport traces are exported with, when they are.
    #[cfg(feature = "otlp")]
    pub fn otlp_protocol(&self) -> Option<crate::Protocol> {
        self.otlp_export(crate::otlp::Signal::Traces)
            .map(|(_, protocol)| protocol)
    }

    /// The URL log records are exported to, when they are.
    #[cfg(feature = "otlp")]
    pub fn otlp_logs_endpoint(&self) -> Option<&str> {
        self.otlp_export(crate::otlp::Signal::Logs)
            .map(|(endpoint, _)| endpoint)
    }

    /// The URL metrics are exported to, when they are.
    #[cfg(feature = "otlp")]
    pub fn otlp_metrics_endpoint(&self) -> Option<&str> {
        self.otlp_export(crate::otlp::Signal::Metrics)
            .map(|(endpoint, _)| endpoint)
    }

    /// Where `signal` goes, and how.
    #[cfg(feature = "otlp")]
    fn otlp_export(&self, signal: crate::otlp::Signal) -> Option<(&str, crate::Protocol)> {
        use crate::otlp::Signal;
        let otlp = self.otlp.as_ref()?;
        match signal {
            Signal::Traces => otlp
                .traces
                .as_ref()
                .map(|e| (e.endpoint.as_str(), e.protocol)),
            Signal::Logs => otlp
                .logs
                .as_ref()
                .map(|e| (e.endpoint.as_str(), e.protocol)),
            Signal::Metrics => otlp
                .metrics
                .as_ref()
                .map(|e| (e.endpoint.as_str(), e.protocol)),
        }
    }

    /// Spans dropped because the export queue was full (also counted by
    /// `tripod_spans_dropped_total`).
    #[cfg(feature = "otlp")]
    pub fn spans_dropped(&self) -> u64 {
        self.otlp
            .as_ref()
            .and_then(|otlp| otlp.traces.as_ref())
            .map_or(0, |traces| traces.queue.dropped())
    }

    /// OTLP log records dropped because the logs export queue was full (also counted by
    /// `tripod_log_records_dropped_total`; the log lines themselves are never dropped).
    #[cfg(feature = "otlp")]
    pub fn log_records_dropped(&self) -> u64 {
        self.otlp
            .as_ref()
            .and_then(|otlp| otlp.logs.as_ref())
            .map_or(0, |logs| logs.queue.dropped())
    }

    /// Exports the spans finished and the log records written so far, and a reading of the
    /// metrics when they go over OTLP, then writes out buffered log lines (those the export
    /// itself logged included); `false` when the exports did not finish within `timeout` (what
    /// was not sent stays queued).
    pub fn flush(&self, timeout: Duration) -> bool {
        // Spans ended on any thread reach the export queue.
        self.collect();
        #[cfg(feature = "otlp")]
        let exported = self.otlp.as_ref().is_none_or(|otlp| otlp.flush(timeout));
        #[cfg(not(feature = "otlp"))]
        let exported = {
            let _ = timeout;
            true
        };
        self.collect();
        exported
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        // Calls from now on record their metrics themselves; those under way are collected below.
        if self.collects_metrics {
            crate::call_path::collect_metrics(false);
        }
        // The collector thread stops; what it had not collected is, here.
        let collecting = self.collecting.take().map(|collecting| {
            drop(collecting.thread);
            collecting.pipeline
        });
        if let Some(pipeline) = &collecting {
            pipeline.collect();
        }
        #[cfg(feature = "otlp")]
        if let Some(otlp) = self.otlp.take() {
            otlp.shutdown(self.shutdown_timeout);
        }
        #[cfg(feature = "prometheus")]
        drop(self.prometheus.take());
        // Last: everything logged until now is written out.
        if let Some(pipeline) = &collecting {
            pipeline.collect();
        }
        self.collect();
    }
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}
