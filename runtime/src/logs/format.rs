//! Lines laid out from recorded values, on tripod's collector thread: the same layout as the log
//! line layer's (keys in a fixed order, a span field written once, innermost span first,
//! reserved keys renamed).

use std::time::Duration;

use tracing::Level;

use super::json::{escape_into, write_f64, write_int, write_string};
use super::span_fields::SpanFields;
use super::style::Style;
use crate::trace::SpanIds;

/// A recorded field value, as the line writes it.
pub(crate) enum LineValue<'a> {
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Str(&'a str),
}

impl LineValue<'_> {
    /// Writes the value as JSON.
    pub(crate) fn write(self, buf: &mut Vec<u8>) {
        match self {
            LineValue::I64(value) => write_int(buf, value),
            LineValue::U64(value) => write_int(buf, value),
            LineValue::F64(value) => write_f64(buf, value),
            LineValue::Bool(value) => buf.extend_from_slice(if value { b"true" } else { b"false" }),
            LineValue::Str(value) => write_string(buf, value),
        }
    }
}

/// Space a line is laid out in, reused from line to line.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The keys written so far.
    written: Vec<&'static str>,
    /// The message, escaped.
    message: Vec<u8>,
}

/// One event, as its line needs it.
pub(crate) struct LineEvent<'a, F, S> {
    pub(crate) level: &'a Level,
    pub(crate) since_epoch: Duration,
    pub(crate) message: &'a str,
    /// Its fields.
    pub(crate) fields: F,
    /// The fields of the spans it happened in, innermost first.
    pub(crate) spans: S,
    /// The innermost span's ids.
    pub(crate) ids: Option<SpanIds>,
}

/// Appends `event`'s line.
pub(crate) fn write_line<'a, F, S>(
    buf: &mut Vec<u8>,
    style: Style,
    event: LineEvent<'a, F, S>,
    scratch: &mut Scratch,
) where
    F: Iterator<Item = (&'static str, LineValue<'a>)>,
    S: Iterator<Item = &'a SpanFields>,
{
    let Scratch { written, message } = scratch;
    written.clear();
    message.clear();
    style.begin_at(buf, event.level, event.since_epoch);
    escape_into(message, event.message);
    style.event(buf, message);
    for (key, value) in event.fields {
        written.push(key);
        style.key(buf, key);
        value.write(buf);
    }
    for fields in event.spans {
        for (key, json) in fields.entries() {
            if !written.contains(&key) {
                written.push(key);
                style.span_field(buf, json);
            }
        }
    }
    style.end(buf, event.ids);
}
