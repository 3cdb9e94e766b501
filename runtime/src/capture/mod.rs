//! What the application's threads record. For tripod's subscriber: compact records of span
//! starts, field updates, links, events and span ends, in per-thread buffers ([`records`],
//! [`buffers`]). For the sinks that want finished spans (the OTLP export queue, the trace
//! viewer's store): compact span records (ids, name, typed attributes and events, bounded by the
//! span limits), built by tripod's collector or by the capture layer of the composable path.

#[cfg(feature = "json")]
mod buffers;
#[cfg(feature = "_capture")]
mod layer;
#[cfg(feature = "_capture")]
mod limits;
#[cfg(feature = "json")]
mod records;
#[cfg(feature = "_capture")]
mod span;

#[cfg(feature = "json")]
pub(crate) use buffers::{Pressure, ThreadBuffers};
#[cfg(feature = "json")]
pub(crate) use records::{Entry, Records, Value};

#[cfg(feature = "_capture")]
use std::sync::Arc;

#[cfg(all(feature = "json", feature = "_capture"))]
pub(crate) use layer::Capture;
#[cfg(feature = "_capture")]
pub(crate) use layer::CaptureLayer;
#[cfg(feature = "_capture")]
pub(crate) use limits::SpanLimits;
// Each sink reads the parts it needs: which are used depends on the features built.
#[cfg(feature = "_capture")]
#[allow(unused_imports)]
pub(crate) use span::{AttrValue, Attribute, SPAN, SpanKind, SpanRecord, StatusRecord, Text};
#[cfg(all(feature = "_capture", any(test, feature = "json")))]
pub(crate) use span::{FieldSink, FieldValue};

/// Where finished spans go.
#[cfg(feature = "_capture")]
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
