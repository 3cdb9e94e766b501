//! Log lines, one per event, in the shape of structlog's output:
//!
//! ```json
//! {"timestamp":"2026-04-14T10:23:45.123Z","level":"info","event":"todo.create.start","title":"Read paper","user_id":42,"trace_id":"4bf9…","span_id":"00f0…"}
//! ```
//!
//! Keys come in a fixed order: `timestamp`, `level`, `event` (the message), the event's own
//! fields, those of its enclosing spans (innermost first; a key already written is not
//! repeated), then `trace_id` and `span_id`. A field named like one of these keys is written as
//! `field.<name>`. Span fields named `otel.*` (directives for the trace exporter) are left out.
//! Span fields are formatted once, when recorded, and copied into each line. Each line is built
//! in a reused per-thread buffer, with no intermediate value tree, and written whole. The
//! [`Style`] says whether it is JSON or a line for a terminal.

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::json::{escape_into, write_debug, write_f64, write_int, write_string};
use super::output::SharedOutput;
use super::style::{Style, span_key};
use crate::trace::SpanState;

/// The log line layer.
pub(crate) struct LineLayer {
    output: SharedOutput,
    style: Style,
}

impl LineLayer {
    pub(crate) fn new(output: SharedOutput, style: Style) -> Self {
        LineLayer { output, style }
    }
}

/// A span's fields, formatted: `"key":value` entries and where each sits in `json`.
#[derive(Clone, Default)]
pub(crate) struct SpanFields {
    json: Vec<u8>,
    entries: Vec<(&'static str, Range<usize>)>,
}

impl SpanFields {
    /// The fields a new span was given.
    pub(crate) fn new(attrs: &Attributes<'_>) -> SpanFields {
        let mut fields = SpanFields {
            json: Vec::new(),
            entries: Vec::with_capacity(attrs.metadata().fields().len()),
        };
        attrs.record(&mut SpanVisitor(&mut fields));
        fields
    }

    /// Empties the fields, keeping their memory.
    #[cfg(feature = "json")]
    pub(crate) fn clear(&mut self) {
        self.json.clear();
        self.entries.clear();
    }

    /// Records values given to `Span::record` (a field recorded again replaces its value).
    pub(crate) fn record(&mut self, values: &Record<'_>) {
        values.record(&mut SpanVisitor(self));
    }

    /// Sets the field `key` (a field recorded again replaces its earlier value); `otel.*`
    /// fields, which instruct the trace exporter (`otel.name`, `otel.kind`, `otel.status_*`),
    /// are no data and left out.
    pub(crate) fn set(&mut self, key: &'static str, value: impl FnOnce(&mut Vec<u8>)) {
        if key.starts_with("otel.") {
            return;
        }
        let start = self.json.len();
        span_key(&mut self.json, key);
        self.json.push(b':');
        value(&mut self.json);
        let range = start..self.json.len();
        match self
            .entries
            .iter_mut()
            .find(|(existing, _)| *existing == key)
        {
            Some(entry) => entry.1 = range,
            None => self.entries.push((key, range)),
        }
    }

    /// Each field's key and its `"key":value` JSON.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&'static str, &[u8])> {
        self.entries
            .iter()
            .map(|(key, range)| (*key, &self.json[range.clone()]))
    }
}

thread_local! {
    static LINE: RefCell<Line> = RefCell::new(Line::default());
}

/// The per-thread line under construction.
#[derive(Default)]
struct Line {
    buf: Vec<u8>,
    /// The event's message, escaped.
    message: Vec<u8>,
    /// The event's own fields, laid out.
    fields: Vec<u8>,
    written: Vec<&'static str>,
}

impl<S> Layer<S> for LineLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let fields = SpanFields::new(attrs);
        if let Some(state) = span.extensions_mut().get_mut::<SpanState>() {
            state.fields = fields;
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(state) = extensions.get_mut::<SpanState>() {
            state.fields.record(values);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        LINE.with(|line| {
            let Ok(mut line) = line.try_borrow_mut() else {
                // An event emitted while formatting a line (by a Debug impl): dropped, not recursed.
                return;
            };
            let Line {
                buf,
                message,
                fields,
                written,
            } = &mut *line;
            buf.clear();
            message.clear();
            fields.clear();
            written.clear();
            let style = self.style;
            event.record(&mut EventVisitor {
                style,
                message,
                fields,
                written,
            });
            style.begin(buf, event.metadata().level());
            style.event(buf, message);
            buf.extend_from_slice(fields);
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
                    for (key, json) in state.fields.entries() {
                        if !written.contains(&key) {
                            written.push(key);
                            style.span_field(buf, json);
                        }
                    }
                }
            }
            style.end(buf, ids);
            self.output.write_line(buf);
        });
    }
}

/// Writes an event's fields: `message` aside (it becomes `event`), the others laid out.
struct EventVisitor<'a> {
    style: Style,
    message: &'a mut Vec<u8>,
    fields: &'a mut Vec<u8>,
    written: &'a mut Vec<&'static str>,
}

impl EventVisitor<'_> {
    /// Lays out `field`'s key; `false` for the message, which the caller writes aside.
    fn key(&mut self, field: &Field) -> bool {
        if field.name() == "message" {
            return false;
        }
        self.written.push(field.name());
        self.style.key(self.fields, field.name());
        true
    }
}

impl Visit for EventVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.key(field) {
            write_f64(self.fields, value);
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.key(field) {
            write_int(self.fields, value);
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.key(field) {
            write_int(self.fields, value);
        }
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.key(field) {
            self.fields
                .extend_from_slice(if value { b"true" } else { b"false" });
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.key(field) {
            write_string(self.fields, value);
        } else {
            escape_into(self.message, value);
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.key(field) {
            write_debug(self.fields, value);
        } else {
            use fmt::Write as _;
            let _ = write!(super::json::Escaper(self.message), "{value:?}");
        }
    }
}

/// Formats a span's fields into its [`SpanFields`].
struct SpanVisitor<'a>(&'a mut SpanFields);

impl SpanVisitor<'_> {
    fn entry(&mut self, field: &Field, value: impl FnOnce(&mut Vec<u8>)) {
        self.0.set(field.name(), value);
    }
}

impl Visit for SpanVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.entry(field, |buf| write_f64(buf, value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, |buf| write_int(buf, value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, |buf| write_int(buf, value));
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
