//! The embedded viewer: recent traces kept in memory (a sink of captured spans, working with no
//! OpenTelemetry Collector or backend at all), their waterfalls, and each operation's and route's rate, error rate and
//! latency, served as plain pages by [`tripod::axum::viewer_router`](crate::axum::viewer_router).

mod objectives;
mod open;
mod operations;
mod pages;
mod router;
mod store;

use std::sync::Arc;
use std::time::Duration;

use crate::background::Background;
use crate::capture::{OpenSpans, SpanLimits, SpanSink};
use crate::sink::Part;

pub(crate) use router::router;
pub(crate) use store::{StoreLimits, TraceStore};

/// How often pending spans are moved into the store, and the exposition read.
const INGEST_EVERY: Duration = Duration::from_millis(50);
const READ_EVERY: Duration = Duration::from_secs(5);

/// The viewer's data: recent traces and the operations' readings. Get it from
/// [`Telemetry::viewer`](crate::Telemetry::viewer) (it exists when
/// [`Builder::trace_viewer`](crate::Builder::trace_viewer) was asked for) and serve it with
/// [`tripod::axum::viewer_router`](crate::axum::viewer_router).
#[derive(Clone)]
pub struct Viewer {
    pub(crate) store: Arc<TraceStore>,
    pub(crate) operations: Arc<operations::Operations>,
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer")
            .field("spans_dropped", &self.store.dropped())
            .finish_non_exhaustive()
    }
}

/// A running viewer: its data and the threads that keep it current.
pub(crate) struct ViewerParts {
    pub(crate) viewer: Viewer,
    _ingest: Background,
    _readings: Background,
}

impl ViewerParts {
    /// A store for `service`'s spans, reading the operations from `recorder`.
    pub(crate) fn start(
        service: String,
        recorder: crate::recorder::MetricsRecorder,
    ) -> ViewerParts {
        let store = Arc::new(TraceStore::new(service, StoreLimits::default()));
        let operations = Arc::new(operations::Operations::new(recorder));
        // A first reading now, before any call: the first window then counts every call.
        operations.read();
        let ingest = {
            let store = store.clone();
            Background::every("tripod-viewer-ingest", INGEST_EVERY, move || store.ingest())
        };
        let readings = {
            let operations = operations.clone();
            Background::every("tripod-viewer-readings", READ_EVERY, move || {
                operations.read()
            })
        };
        ViewerParts {
            viewer: Viewer { store, operations },
            _ingest: ingest,
            _readings: readings,
        }
    }
}

/// The viewer as a part: finished spans go to its store.
impl Part for ViewerParts {
    fn span_sink(&self) -> Option<(Arc<dyn SpanSink>, Option<SpanLimits>)> {
        Some((self.viewer.store.clone(), None))
    }

    fn open_spans_from(&self, open: &std::sync::Weak<dyn OpenSpans>) {
        self.viewer.store.show_open(open);
    }
}
