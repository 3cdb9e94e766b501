//! JSON log lines in the shape of structlog's output, one object per line:
//!
//! ```json
//! {"timestamp":"2026-04-14T10:23:45.123Z","level":"info","event":"todo.create.start","title":"Read paper","user_id":42,"trace_id":"4bf9…","span_id":"00f0…"}
//! ```
//!
//! Fields are flat: the event's own, then those of its enclosing spans, innermost first; a key
//! already written is not repeated. Span fields named `otel.*` (directives for the trace exporter)
//! are left out. Span fields are formatted once, when recorded, and copied
//! into each line. Each line is built in a reused per-thread buffer, with no intermediate value
//! tree, and written whole.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::ops::Range;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::output::SharedOutput;
use super::timestamp;
use crate::trace::SpanState;

/// The JSON line layer.
pub(crate) struct JsonLayer {
    output: SharedOutput,
}

impl JsonLayer {
    pub(crate) fn new(output: SharedOutput) -> Self {
        JsonLayer { output }
    }
}

/// A span's fields, formatted: `"key":value` entries and where each sits in `json`.
#[derive(Default)]
pub(crate) struct SpanFields {
    json: Vec<u8>,
    entries: Vec<(&'static str, Range<usize>)>,
}

thread_local! {
    static LINE: RefCell<Line> = RefCell::new(Line::default());
}

/// The per-thread line under construction.
#[derive(Default)]
struct Line {
    buf: Vec<u8>,
    written: Vec<&'static str>,
}

impl<S> Layer<S> for JsonLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = SpanFields {
            json: Vec::with_capacity(128),
            entries: Vec::with_capacity(attrs.metadata().fields().len()),
        };
        attrs.record(&mut SpanVisitor(&mut fields));
        if let Some(state) = span.extensions_mut().get_mut::<SpanState>() {
            state.fields = fields;
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(state) = extensions.get_mut::<SpanState>() {
            values.record(&mut SpanVisitor(&mut state.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        LINE.with(|line| {
            let Ok(mut line) = line.try_borrow_mut() else {
                // An event emitted while formatting a line (by a Debug impl): dropped, not recursed.
                return;
            };
            let Line { buf, written } = &mut *line;
            buf.clear();
            written.clear();
            buf.extend_from_slice(b"{\"timestamp\":\"");
            timestamp::write_now(buf);
            buf.extend_from_slice(b"\",\"level\":\"");
            buf.extend_from_slice(level_name(event.metadata().level()));
            buf.push(b'"');
            event.record(&mut EventVisitor { buf, written });
            let mut ids = None;
            if let Some(scope) = ctx.event_scope(event) {
                for span in scope {
                    let extensions = span.extensions();
                    let Some(state) = extensions.get::<SpanState>() else {
                        continue;
                    };
                    if ids.is_none() {
                        ids = Some(state.ids);
                    }
                    let fields = &state.fields;
                    for (key, range) in &fields.entries {
                        if !written.contains(key) {
                            written.push(key);
                            buf.push(b',');
                            buf.extend_from_slice(&fields.json[range.clone()]);
                        }
                    }
                }
            }
            if let Some(ids) = ids {
                buf.extend_from_slice(b",\"trace_id\":\"");
                ids.trace_id.write_hex(buf);
                buf.extend_from_slice(b"\",\"span_id\":\"");
                ids.span_id.write_hex(buf);
                buf.push(b'"');
            }
            buf.extend_from_slice(b"}\n");
            self.output.write_line(buf);
        });
    }
}

fn level_name(level: &Level) -> &'static [u8] {
    match *level {
        Level::TRACE => b"trace",
        Level::DEBUG => b"debug",
        Level::INFO => b"info",
        Level::WARN => b"warn",
        Level::ERROR => b"error",
    }
}

/// Writes an event's fields: `message` as `event`, the others as `"key":value`.
struct EventVisitor<'a> {
    buf: &'a mut Vec<u8>,
    written: &'a mut Vec<&'static str>,
}

impl EventVisitor<'_> {
    fn key(&mut self, field: &Field) {
        let name = field.name();
        let key = if name == "message" { "event" } else { name };
        self.written.push(key);
        self.buf.push(b',');
        write_string(self.buf, key);
        self.buf.push(b':');
    }
}

impl Visit for EventVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field);
        write_f64(self.buf, value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        write_string(self.buf, value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field);
        write_debug(self.buf, value);
    }
}

/// Formats a span's fields into its [`SpanFields`].
struct SpanVisitor<'a>(&'a mut SpanFields);

impl SpanVisitor<'_> {
    fn entry(&mut self, field: &Field, value: impl FnOnce(&mut Vec<u8>)) {
        // `otel.name`, `otel.kind`, `otel.status_*` instruct the trace exporter; they are no data.
        if field.name().starts_with("otel.") {
            return;
        }
        let fields = &mut *self.0;
        let start = fields.json.len();
        write_string(&mut fields.json, field.name());
        fields.json.push(b':');
        value(&mut fields.json);
        let range = start..fields.json.len();
        // A field recorded again replaces its earlier value.
        match fields
            .entries
            .iter_mut()
            .find(|(key, _)| *key == field.name())
        {
            Some(entry) => entry.1 = range,
            None => fields.entries.push((field.name(), range)),
        }
    }
}

impl Visit for SpanVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.entry(field, |buf| write_f64(buf, value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, |buf| {
            buf.extend_from_slice(itoa::Buffer::new().format(value).as_bytes())
        });
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, |buf| {
            buf.extend_from_slice(itoa::Buffer::new().format(value).as_bytes())
        });
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, |buf| {
            buf.extend_from_slice(if value { b"true" } else { b"false" })
        });
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field, |buf| write_string(buf, value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.entry(field, |buf| write_debug(buf, value));
    }
}

fn write_f64(buf: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        buf.extend_from_slice(ryu::Buffer::new().format_finite(value).as_bytes());
    } else {
        // JSON has no NaN or infinity.
        write_string(buf, &value.to_string());
    }
}

/// Writes `value` as a JSON string.
fn write_string(buf: &mut Vec<u8>, value: &str) {
    buf.push(b'"');
    escape_into(buf, value);
    buf.push(b'"');
}

/// Writes a `Debug` value as a JSON string, escaping as it is formatted.
fn write_debug(buf: &mut Vec<u8>, value: &dyn fmt::Debug) {
    buf.push(b'"');
    let _ = write!(Escaper(buf), "{value:?}");
    buf.push(b'"');
}

struct Escaper<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

fn escape_into(buf: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    if !needs_escape(bytes) {
        buf.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                buf.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(byte >> 4) as usize],
                    HEX[(byte & 0xf) as usize],
                ]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(escape);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
}

/// Whether `bytes` hold a quote, a backslash or a control character, eight bytes at a time.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The classic SWAR tests, exact as yes/no answers: `has_zero`, some byte of `word` is 0 (so
    // after an XOR, some byte equals the XORed one); `has_below_space`, some byte is below 0x20.
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let has_below_space = |word: u64| word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        if has_below_space(word)
            || has_zero(word ^ (ONES * u64::from(b'"')))
            || has_zero(word ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_json() {
        let mut buf = Vec::new();
        write_string(&mut buf, "a \"quote\", a \\ and\na\tcontrol \u{1}");
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            r#""a \"quote\", a \\ and\na\tcontrol \u0001""#
        );
    }

    #[test]
    fn every_byte_that_needs_escaping_is_found_at_every_position() {
        for len in 1..20 {
            for position in 0..len {
                for byte in (0u8..0x20).chain([b'"', b'\\']) {
                    let mut text = vec![b'a'; len];
                    text[position] = byte;
                    assert!(needs_escape(&text), "{byte:#x} at {position} of {len}");
                }
                // Bytes just outside the ranges, and UTF-8 continuation bytes, need no escape.
                let clean = [b' ', b'!', b'#', b'[', b']', 0x7f, 0xc3, 0xa9];
                let text: Vec<u8> = (0..len)
                    .map(|i| clean[(i + position) % clean.len()])
                    .collect();
                assert!(!needs_escape(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn non_finite_floats_become_strings() {
        let mut buf = Vec::new();
        write_f64(&mut buf, f64::NAN);
        write_f64(&mut buf, 1.5);
        assert_eq!(String::from_utf8(buf).unwrap(), "\"NaN\"1.5");
    }
}
