//! Finished spans as the sinks take them (the OTLP export queue, the trace viewer's store): a
//! compact record of ids, name, typed attributes and events, bounded by the span limits
//! ([`span`], [`limits`]), and where records go when their span ends ([`sinks`]). The collector
//! thread thread builds them.

mod limits;
mod sinks;
mod span;
mod spare;

pub(crate) use limits::SpanLimits;
pub(crate) use sinks::{Capture, OpenSpans, SpanSink};
pub(crate) use spare::{SPARE, Spares};
// Each sink reads the parts it needs: which are used depends on the features built.
#[allow(unused_imports)]
pub(crate) use span::{
    AttrValue, Attribute, FieldValue, FieldWriter, SPAN, SpanKind, SpanRecord, StatusRecord, Text,
};
