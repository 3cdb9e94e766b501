//! What the application's threads record: compact span records (ids, name, typed attributes and
//! events, bounded by the span limits), made by the capture layer and handed, when each span
//! closes, to the sinks that want finished spans — the OTLP export queue, the trace viewer's
//! store.

mod layer;
mod limits;
mod span;

use std::sync::Arc;

#[cfg(feature = "json")]
pub(crate) use layer::Capture;
pub(crate) use layer::CaptureLayer;
pub(crate) use limits::SpanLimits;
// Each sink reads the parts it needs: which are used depends on the features built.
#[allow(unused_imports)]
pub(crate) use span::{AttrValue, Attribute, SPAN, SpanKind, SpanRecord, StatusRecord, Text};
#[cfg(any(test, feature = "json"))]
pub(crate) use span::{FieldSink, FieldValue};

/// Where finished spans go.
pub(crate) trait SpanSink: Send + Sync {
    /// Takes a span that just closed. Called on the application's thread (or tripod's
    /// collector's): it must not block.
    fn span_closed(&self, span: Arc<SpanRecord>);

    /// Takes spans that closed, in the order they did (tripod's collector hands them over in
    /// batches).
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    fn spans_closed(&self, spans: &[Arc<SpanRecord>]) {
        for span in spans {
            self.span_closed(span.clone());
        }
    }
}
