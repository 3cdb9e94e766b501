//! A span as the bridge records it on the application's thread: compact, every string copied into
//! one buffer, keys borrowed from the callsites. The export thread turns it into the SDK's
//! `SpanData`, so the `KeyValue`s, event vectors and owned strings OTLP needs are allocated
//! there, off the caller's path, and only for spans that made it into the queue.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::time::SystemTime;

use opentelemetry::trace::{self as otel, SpanKind, Status, TraceFlags, TraceState};
use opentelemetry::{InstrumentationScope, Key, KeyValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use crate::trace::SpanIds;

/// Text: borrowed from a callsite, or a range of the record's buffer.
#[derive(Clone, Debug)]
enum Text {
    Static(&'static str),
    Buffer(Range<usize>),
}

/// An attribute value, typed as the field was recorded.
#[derive(Clone, Debug)]
enum AttrValue {
    I64(i64),
    F64(f64),
    Bool(bool),
    Text(Text),
}

/// Whose attribute it is: the span's, or the n-th event's.
const SPAN: u32 = u32::MAX;

#[derive(Debug)]
struct Attribute {
    owner: u32,
    key: &'static str,
    value: AttrValue,
}

#[derive(Debug)]
struct EventRecord {
    name: Text,
    time: SystemTime,
}

/// A span's status as recorded: `otel.status_code` and `otel.status_description`.
#[derive(Debug)]
enum StatusRecord {
    Unset,
    Ok,
    Error(Option<Text>),
}

/// One span, recorded while it runs and queued when it closes.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    pub(crate) ids: SpanIds,
    /// The trace's vendor entries (`tracestate`), exported as the span's `trace_state`.
    pub(crate) trace_state: crate::trace::TraceState,
    name: Text,
    kind: SpanKind,
    start: SystemTime,
    end: SystemTime,
    status: StatusRecord,
    text: String,
    attributes: Vec<Attribute>,
    events: Vec<EventRecord>,
}

impl SpanRecord {
    /// A span named `name` starting now, with room for `fields` attributes.
    pub(crate) fn new(ids: SpanIds, name: &'static str, fields: usize) -> SpanRecord {
        let now = crate::clock::now();
        SpanRecord {
            ids,
            trace_state: crate::trace::TraceState::default(),
            name: Text::Static(name),
            kind: SpanKind::Internal,
            start: now,
            end: now,
            status: StatusRecord::Unset,
            text: String::with_capacity(128),
            // The span's fields, and the attributes of its usual events.
            attributes: Vec::with_capacity(fields + 4),
            events: Vec::new(),
        }
    }

    /// Marks the span ended now.
    pub(crate) fn end(&mut self) {
        self.end = crate::clock::now();
    }

    fn push_text(&mut self, value: &str) -> Text {
        let start = self.text.len();
        self.text.push_str(value);
        Text::Buffer(start..self.text.len())
    }

    fn push_debug(&mut self, value: &dyn fmt::Debug) -> Text {
        use fmt::Write as _;
        let start = self.text.len();
        let _ = write!(self.text, "{value:?}");
        Text::Buffer(start..self.text.len())
    }

    fn text(&self, text: &Text) -> &str {
        match text {
            Text::Static(text) => text,
            Text::Buffer(range) => &self.text[range.clone()],
        }
    }

    /// Sets a span attribute; a key recorded again replaces its value.
    fn set(&mut self, key: &'static str, value: AttrValue) {
        match self
            .attributes
            .iter_mut()
            .find(|attribute| attribute.owner == SPAN && attribute.key == key)
        {
            Some(existing) => existing.value = value,
            None => self.attributes.push(Attribute {
                owner: SPAN,
                key,
                value,
            }),
        }
    }

    /// Sets a span attribute from a `&'static str`.
    pub(crate) fn set_static(&mut self, key: &'static str, value: &'static str) {
        self.set(key, AttrValue::Text(Text::Static(value)));
    }

    /// Applies `otel.name`, `otel.kind`, `otel.status_code` and `otel.status_description`;
    /// `false` for any other key.
    fn directive(&mut self, key: &'static str, value: &str) -> bool {
        match key {
            "otel.name" => self.name = self.push_text(value),
            "otel.kind" => {
                self.kind = match value.to_ascii_lowercase().as_str() {
                    "server" => SpanKind::Server,
                    "client" => SpanKind::Client,
                    "producer" => SpanKind::Producer,
                    "consumer" => SpanKind::Consumer,
                    _ => SpanKind::Internal,
                }
            }
            "otel.status_code" => {
                self.status = match value.to_ascii_lowercase().as_str() {
                    "ok" => StatusRecord::Ok,
                    "error" => match std::mem::replace(&mut self.status, StatusRecord::Unset) {
                        StatusRecord::Error(description) => StatusRecord::Error(description),
                        _ => StatusRecord::Error(None),
                    },
                    _ => StatusRecord::Unset,
                }
            }
            "otel.status_description" => {
                self.status = StatusRecord::Error(Some(self.push_text(value)));
            }
            _ => return false,
        }
        true
    }

    /// Adds an event that happened now; `fill` records its name and attributes.
    pub(crate) fn event(
        &mut self,
        default_name: &'static str,
        fill: impl FnOnce(&mut EventSink<'_>),
    ) {
        let owner = self.events.len() as u32;
        self.events.push(EventRecord {
            name: Text::Static(default_name),
            time: crate::clock::now(),
        });
        fill(&mut EventSink {
            record: self,
            owner,
        });
    }

    /// The SDK's span, as the OTLP exporter takes it.
    pub(crate) fn into_span_data(self, scope: &InstrumentationScope) -> SpanData {
        let mut span_attributes = Vec::with_capacity(self.attributes.len());
        let mut event_attributes: Vec<Vec<KeyValue>> =
            self.events.iter().map(|_| Vec::new()).collect();
        for attribute in &self.attributes {
            let value = match &attribute.value {
                AttrValue::I64(value) => Value::I64(*value),
                AttrValue::F64(value) => Value::F64(*value),
                AttrValue::Bool(value) => Value::Bool(*value),
                AttrValue::Text(Text::Static(text)) => Value::from(*text),
                AttrValue::Text(text) => Value::from(self.text(text).to_owned()),
            };
            let key_value = KeyValue::new(Key::from_static_str(attribute.key), value);
            match event_attributes.get_mut(attribute.owner as usize) {
                Some(list) => list.push(key_value),
                None => span_attributes.push(key_value),
            }
        }
        let mut events = SpanEvents::default();
        events.events = self
            .events
            .iter()
            .zip(event_attributes)
            .map(|(event, attributes)| {
                otel::Event::new(self.owned(&event.name), event.time, attributes, 0)
            })
            .collect();
        let status = match &self.status {
            StatusRecord::Unset => Status::Unset,
            StatusRecord::Ok => Status::Ok,
            StatusRecord::Error(None) => Status::error(""),
            StatusRecord::Error(Some(text)) => Status::error(self.owned(text)),
        };
        SpanData {
            span_context: otel::SpanContext::new(
                otel::TraceId::from(self.ids.trace_id.0),
                otel::SpanId::from(self.ids.span_id.0),
                TraceFlags::SAMPLED,
                false,
                self.trace_state
                    .as_str()
                    .parse::<TraceState>()
                    .unwrap_or_default(),
            ),
            parent_span_id: self
                .ids
                .parent
                .map_or(otel::SpanId::INVALID, |parent| otel::SpanId::from(parent.0)),
            parent_span_is_remote: self.ids.parent_is_remote,
            span_kind: self.kind.clone(),
            name: self.owned(&self.name),
            start_time: self.start,
            end_time: self.end,
            attributes: span_attributes,
            dropped_attributes_count: 0,
            events,
            links: SpanLinks::default(),
            status,
            instrumentation_scope: scope.clone(),
        }
    }

    fn owned(&self, text: &Text) -> Cow<'static, str> {
        match text {
            Text::Static(text) => Cow::Borrowed(text),
            Text::Buffer(_) => Cow::Owned(self.text(text).to_owned()),
        }
    }
}

impl FieldSink for SpanRecord {
    /// Sets a span attribute, or applies an `otel.*` directive (name, kind, status).
    fn field(&mut self, key: &'static str, value: FieldValue<'_>) {
        match value {
            FieldValue::I64(value) => self.set(key, AttrValue::I64(value)),
            FieldValue::U64(value) => {
                let value = unsigned(value, |text| self.push_text(text));
                self.set(key, value);
            }
            FieldValue::F64(value) => self.set(key, AttrValue::F64(value)),
            FieldValue::Bool(value) => self.set(key, AttrValue::Bool(value)),
            FieldValue::Str(value) => {
                if key.starts_with("otel.") && self.directive(key, value) {
                    return;
                }
                let text = self.push_text(value);
                self.set(key, AttrValue::Text(text));
            }
            FieldValue::Debug(value) => {
                if key.starts_with("otel.") && self.directive(key, &format!("{value:?}")) {
                    return;
                }
                let text = self.push_debug(value);
                self.set(key, AttrValue::Text(text));
            }
        }
    }
}

/// What takes a span's or an event's fields.
pub(crate) trait FieldSink {
    /// Takes the field `key`.
    fn field(&mut self, key: &'static str, value: FieldValue<'_>);
}

/// A field's value as `tracing` hands it over.
pub(crate) enum FieldValue<'a> {
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Str(&'a str),
    Debug(&'a dyn fmt::Debug),
}

/// Records one event's name (its `message`) and attributes (its other fields).
pub(crate) struct EventSink<'a> {
    record: &'a mut SpanRecord,
    owner: u32,
}

impl FieldSink for EventSink<'_> {
    fn field(&mut self, key: &'static str, value: FieldValue<'_>) {
        let record = &mut *self.record;
        let value = match value {
            FieldValue::I64(value) => AttrValue::I64(value),
            FieldValue::U64(value) => unsigned(value, |text| record.push_text(text)),
            FieldValue::F64(value) => AttrValue::F64(value),
            FieldValue::Bool(value) => AttrValue::Bool(value),
            FieldValue::Str(value) => AttrValue::Text(record.push_text(value)),
            FieldValue::Debug(value) => AttrValue::Text(record.push_debug(value)),
        };
        if key == "message"
            && let AttrValue::Text(name) = value
        {
            record.events[self.owner as usize].name = name;
            return;
        }
        record.attributes.push(Attribute {
            owner: self.owner,
            key,
            value,
        });
    }
}

/// OTLP has no unsigned integers: `i64` when the value fits, else its decimal string.
fn unsigned(value: u64, push_text: impl FnOnce(&str) -> Text) -> AttrValue {
    i64::try_from(value).map_or_else(
        |_| AttrValue::Text(push_text(&value.to_string())),
        AttrValue::I64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{SpanId, TraceId};

    fn record() -> SpanRecord {
        let ids = SpanIds {
            trace_id: TraceId(7),
            span_id: SpanId(9),
            parent: Some(SpanId(3)),
            parent_is_remote: true,
            sampled: true,
        };
        SpanRecord::new(ids, "todo.create", 2)
    }

    fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    #[test]
    fn fields_become_typed_attributes_and_a_field_recorded_again_replaces_its_value() {
        let mut span = record();
        span.field("user_id", FieldValue::U64(42));
        span.field("huge", FieldValue::U64(u64::MAX));
        span.field("score", FieldValue::F64(0.5));
        span.field("done", FieldValue::Bool(false));
        span.field("title", FieldValue::Str("Read paper"));
        span.field("path", FieldValue::Debug(&"a/b"));
        span.field("title", FieldValue::Str("Write paper"));
        let data = span.into_span_data(&InstrumentationScope::default());
        let attributes = &data.attributes;
        assert_eq!(attribute(attributes, "user_id"), Some(&Value::I64(42)));
        assert_eq!(
            attribute(attributes, "huge"),
            Some(&Value::from(u64::MAX.to_string()))
        );
        assert_eq!(attribute(attributes, "score"), Some(&Value::F64(0.5)));
        assert_eq!(attribute(attributes, "done"), Some(&Value::Bool(false)));
        assert_eq!(
            attribute(attributes, "title"),
            Some(&Value::from("Write paper"))
        );
        assert_eq!(attribute(attributes, "path"), Some(&Value::from("\"a/b\"")));
        assert_eq!(attributes.len(), 6, "{attributes:?}");
    }

    #[test]
    fn otel_fields_set_name_kind_and_status_and_are_no_attributes() {
        let mut span = record();
        span.field(
            "otel.name",
            FieldValue::Debug(&format_args!("GET /api/todos")),
        );
        span.field("otel.kind", FieldValue::Str("server"));
        span.field("otel.status_code", FieldValue::Str("error"));
        span.field("otel.status_description", FieldValue::Str("db down"));
        span.field("otel.status_code", FieldValue::Str("error"));
        let data = span.into_span_data(&InstrumentationScope::default());
        assert_eq!(data.name, "GET /api/todos");
        assert_eq!(data.span_kind, SpanKind::Server);
        assert_eq!(data.status, Status::error("db down"));
        assert!(data.attributes.is_empty(), "{:?}", data.attributes);
        assert_eq!(data.span_context.trace_id(), otel::TraceId::from(7));
        assert_eq!(data.parent_span_id, otel::SpanId::from(3));
        assert!(data.parent_span_is_remote);
    }

    #[test]
    fn events_keep_their_message_as_name_and_their_own_attributes() {
        let mut span = record();
        span.field("user_id", FieldValue::I64(1));
        span.event("event at src/lib.rs:1", |event| {
            event.field(
                "message",
                FieldValue::Debug(&format_args!("todo.create.start")),
            );
        });
        span.event("event at src/lib.rs:2", |event| {
            event.field("duration_ms", FieldValue::F64(1.5));
            event.field("message", FieldValue::Str("todo.create.success"));
        });
        span.event("event at src/lib.rs:3", |event| {
            event.field("rows", FieldValue::U64(3));
        });
        span.end();
        let data = span.into_span_data(&InstrumentationScope::default());
        let events: Vec<_> = data
            .events
            .iter()
            .map(|event| (event.name.to_string(), event.attributes.clone()))
            .collect();
        assert_eq!(
            events,
            vec![
                ("todo.create.start".to_owned(), vec![]),
                (
                    "todo.create.success".to_owned(),
                    vec![KeyValue::new("duration_ms", 1.5)]
                ),
                (
                    "event at src/lib.rs:3".to_owned(),
                    vec![KeyValue::new("rows", 3_i64)]
                ),
            ]
        );
        assert_eq!(data.attributes, vec![KeyValue::new("user_id", 1_i64)]);
        assert!(data.end_time >= data.start_time);
    }
}
