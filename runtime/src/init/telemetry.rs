//! [`Telemetry`]: what `install()` returns; dropping it flushes and shuts the exporters down.
//! What it tells of each sink is in that sink's file here (`otlp.rs`, `prometheus.rs`, …).

use std::any::Any;
use std::time::Duration;

use tracing::Dispatch;

use crate::sink::Part;

/// The installed telemetry. Keep it alive for the program's lifetime (`let _telemetry = ...` in
/// `main`): dropping it exports pending spans (bounded by the shutdown timeout, so a dead
/// OTLP endpoint never hangs the exit) and flushes buffered log lines.
#[must_use = "dropping Telemetry shuts the exporters down"]
pub struct Telemetry {
    pub(crate) dispatch: Dispatch,
    pub(crate) collecting: Option<Collecting>,
    /// Whether observed calls leave their metrics to the collector thread (`install()` made
    /// tripod's recorder global).
    pub(crate) collects_metrics: bool,
    /// The sinks started (the lines, `/metrics`, the OTLP exports, the viewer).
    pub(crate) parts: Vec<Box<dyn Part>>,
    /// The metrics recorder, until `install()` makes it global.
    #[cfg(feature = "_recorder")]
    pub(crate) recorder: Option<crate::MetricsRecorder>,
    /// How long dropping the guard may wait for the exports.
    pub(crate) shutdown_timeout: Duration,
    pub(crate) warnings: Vec<String>,
}

/// The collector thread, which turns the threads' records (tripod's subscriber's or the
/// composable path's) into lines, log records and span records.
pub(crate) struct Collecting {
    pub(crate) pipeline: std::sync::Arc<crate::pipeline::Pipeline>,
    pub(crate) thread: crate::background::Background,
}

impl Telemetry {
    /// A guard of nothing (`OTEL_SDK_DISABLED=true`): no subscriber, no recorder, no sink.
    pub(crate) fn disabled() -> Telemetry {
        Telemetry {
            dispatch: Dispatch::none(),
            collecting: None,
            collects_metrics: false,
            parts: Vec::new(),
            #[cfg(feature = "_recorder")]
            recorder: None,
            shutdown_timeout: Duration::ZERO,
            warnings: Vec::new(),
        }
    }

    /// Collects what every thread recorded so far (lines written out, ended spans handed to
    /// the export queue and the viewer).
    fn collect(&self) {
        if let Some(collecting) = &self.collecting {
            collecting.pipeline.collect();
        }
    }

    /// The started part of type `T`, when there is one. (Only the accessors of the sinks that
    /// features add call it: without them it is unused.)
    #[allow(dead_code)]
    pub(crate) fn part<T: Part>(&self) -> Option<&T> {
        self.parts
            .iter()
            .find_map(|part| (part.as_ref() as &dyn Any).downcast_ref::<T>())
    }

    /// The subscriber that was built, as a [`Dispatch`]: `install()` made it the global default;
    /// `build()` leaves it to the caller (for example `tracing::dispatcher::with_default` in
    /// tests); after [`into_layer`](crate::Builder::into_layer) it is a no-op one, the subscriber
    /// being the application's.
    pub fn dispatch(&self) -> &Dispatch {
        &self.dispatch
    }

    /// What the environment variables said that could not be used (each was also logged as a
    /// warning); empty when all were fine.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Exports the spans finished and the log records written so far, and a reading of the
    /// metrics when they go over OTLP, then writes out buffered log lines (those the export
    /// itself logged included); `false` when the exports did not finish within `timeout` (what
    /// was not sent stays queued).
    pub fn flush(&self, timeout: Duration) -> bool {
        // Spans ended on any thread reach the export queue.
        self.collect();
        let mut flushed = true;
        for part in &self.parts {
            flushed &= part.flush(timeout);
        }
        self.collect();
        flushed
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
            pipeline.finish();
        }
        for part in &self.parts {
            part.shutdown(self.shutdown_timeout);
        }
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
