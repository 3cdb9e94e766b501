//! The log line layer of the composable path: one line per event, in the shape of structlog's
//! output, laid out on the calling thread:
//!
//! ```json
//! {"timestamp":"2026-04-14T10:23:45.123Z","level":"info","event":"todo.create.start","title":"Read paper","user_id":42,"trace_id":"4bf9…","span_id":"00f0…"}
//! ```
//!
//! Keys come in a fixed order: `timestamp`, `level`, `event` (the message), the event's own
//! fields, those of its enclosing spans (innermost first; a key already written is not
//! repeated), then `trace_id` and `span_id`. A field named like one of these keys is written as
//! `field.<name>`. Span fields named `otel.*` (directives for the trace exporter) are left out.
//! Span fields are formatted once, when recorded ([`SpanFields`]), and copied into each line. Each
//! line is built in a reused per-thread buffer, with no intermediate value tree, and written
//! whole. The [`Style`] says whether it is JSON or a line for a terminal. tripod's own subscriber
//! lays out the same lines on its collector thread (`pipeline`).

use std::cell::RefCell;
use std::fmt;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::SpanState;
use crate::logs::{
    Escaper, SharedOutput, SpanFields, Style, escape_into, write_debug, write_f64, write_int,
    write_string,
};

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
            let _ = write!(Escaper(self.message), "{value:?}");
        }
    }
}
