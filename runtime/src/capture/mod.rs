//! What the application's threads record. For tripod's subscriber: compact records of span
//! starts, field updates, links, events and span ends, in per-thread buffers ([`records`],
//! [`buffers`]). For the sinks that want finished spans (the OTLP export queue, the trace
//! viewer's store): compact span records (ids, name, typed attributes and events, bounded by the
//! span limits, [`span`]) and where they go ([`sinks`]), built by tripod's collector or by the
//! capture layer of the composable path. For sqlx's statement events: the database spans made
//! from them ([`statement`]), with what their SQL text says ([`sql`]).

mod buffers;
mod limits;
mod records;
mod sinks;
mod span;
mod sql;
mod statement;

pub(crate) use buffers::{Pressure, ThreadBuffers};
pub(crate) use records::{CallStart, Entry, Records, Value};
pub(crate) use statement::{DatabaseEvent, DatabaseSpans, Field as DatabaseField, Statement};
pub(crate) use statement::{acquire_span, acquire_wait};

pub(crate) use limits::SpanLimits;
pub(crate) use sinks::{Capture, SpanSink};
// Each sink reads the parts it needs: which are used depends on the features built.
#[allow(unused_imports)]
pub(crate) use span::{
    AttrValue, Attribute, FieldSink, FieldValue, SPAN, SpanKind, SpanRecord, StatusRecord, Text,
};
