//! Records turned into lines, on tripod's log thread: the same layout as the log line layer's
//! (keys in a fixed order, a span field written once, innermost span first, reserved keys
//! renamed), from the values the application's threads copied.

use std::time::Duration;

use super::json::{escape_into, write_f64, write_int, write_string};
use super::records::{Entry, Records, Value};
use super::style::Style;

/// Space a line is laid out in, reused from line to line.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The keys written so far.
    written: Vec<&'static str>,
    /// The message, escaped.
    message: Vec<u8>,
}

/// Appends `entry`'s line, for an event that happened `since_epoch`.
pub(crate) fn write_line(
    buf: &mut Vec<u8>,
    style: Style,
    records: &Records,
    entry: &Entry,
    since_epoch: Duration,
    scratch: &mut Scratch,
) {
    let Scratch { written, message } = scratch;
    written.clear();
    message.clear();
    style.begin_at(buf, entry.metadata.level(), since_epoch);
    escape_into(message, records.text(&entry.message));
    style.event(buf, message);
    let fields = records
        .values
        .get(entry.fields.start as usize..entry.fields.end as usize)
        .unwrap_or_default();
    for (key, value) in fields {
        written.push(key);
        style.key(buf, key);
        match value {
            Value::I64(value) => write_int(buf, *value),
            Value::U64(value) => write_int(buf, *value),
            Value::F64(value) => write_f64(buf, *value),
            Value::Bool(value) => buf.extend_from_slice(if *value { b"true" } else { b"false" }),
            Value::Text(range) => write_string(buf, records.text(range)),
        }
    }
    if let Some(span) = &entry.span {
        for span in span.scope() {
            for (key, json) in span.fields.entries() {
                if !written.contains(&key) {
                    written.push(key);
                    style.span_field(buf, json);
                }
            }
        }
    }
    style.end(buf, entry.span.as_ref().map(|span| span.ids));
}
