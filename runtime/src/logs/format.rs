//! Lines laid out from recorded values, on tripod's collector thread (keys in a fixed order, a
//! span field written once, innermost span first, reserved keys renamed): [`LineSink`], the log
//! sink that writes tripod's lines.

use super::json::{escape_into, write_f64, write_int, write_string};
use super::output::SharedOutput;
use super::style::{Style, span_key};
use crate::sink::{FieldValue, Fields, LogEvent, LogSink, Spans};

/// Formatted lines handed to the output at a time.
const WRITE_CHUNK: usize = 64 * 1024;

/// Writes a recorded value as JSON.
pub(crate) fn write_value(buf: &mut Vec<u8>, value: FieldValue<'_>) {
    match value {
        FieldValue::I64(value) => write_int(buf, value),
        FieldValue::U64(value) => write_int(buf, value),
        FieldValue::F64(value) => write_f64(buf, value),
        FieldValue::Bool(value) => buf.extend_from_slice(if value { b"true" } else { b"false" }),
        FieldValue::Str(value) => write_string(buf, value),
    }
}

/// The log sink of tripod's lines: each event laid out in its [`Style`] and handed to the output
/// 64 KiB at a time, and at the end of each collection.
pub(crate) struct LineSink {
    style: Style,
    output: SharedOutput,
    /// Lines laid out and not yet handed to the output.
    buf: Vec<u8>,
    /// The keys written so far in the line being laid out.
    written: Vec<&'static str>,
    /// The message being laid out, escaped.
    message: Vec<u8>,
}

impl LineSink {
    /// Lines in `style`, to `output`.
    pub(crate) fn new(style: Style, output: SharedOutput) -> LineSink {
        LineSink {
            style,
            output,
            buf: Vec::with_capacity(WRITE_CHUNK * 2),
            written: Vec::new(),
            message: Vec::new(),
        }
    }

    /// Hands the lines laid out so far to the output.
    fn write_out(&mut self) {
        if !self.buf.is_empty() {
            self.output.write_line(&self.buf);
        }
        self.buf.clear();
    }
}

impl LogSink for LineSink {
    /// A span field as `"key":value` JSON (a reserved key renamed as in event lines).
    fn encode_span_field(
        &mut self,
        encoded: &mut Vec<u8>,
        key: &'static str,
        value: FieldValue<'_>,
    ) -> bool {
        span_key(encoded, key);
        encoded.push(b':');
        write_value(encoded, value);
        true
    }

    fn event(&mut self, event: &LogEvent<'_>, fields: Fields<'_, '_>, spans: Spans<'_, '_>) {
        let (buf, style, written) = (&mut self.buf, self.style, &mut self.written);
        written.clear();
        self.message.clear();
        style.begin_at(buf, event.level, event.since_epoch);
        escape_into(&mut self.message, event.message);
        style.event(buf, &self.message);
        for (key, value) in fields {
            written.push(key);
            style.key(buf, key);
            write_value(buf, value);
        }
        for fields in spans {
            for (key, json) in fields.entries() {
                if !written.contains(&key) {
                    written.push(key);
                    style.span_field(buf, json);
                }
            }
        }
        style.end(buf, event.ids);
        if self.buf.len() >= WRITE_CHUNK {
            self.write_out();
        }
    }

    fn collected(&mut self) {
        self.write_out();
        self.output.flush();
    }
}
