//! A span as the bridge records it on the application's thread: compact, every string copied into
//! one buffer, keys borrowed from the callsites. The export thread encodes it straight into the
//! OTLP request body ([`SpanRecord::encode`]), off the caller's path, and only for spans that
//! made it into the queue.

use std::fmt;
use std::ops::Range;
use std::time::{SystemTime, UNIX_EPOCH};

use super::config::SpanLimits;
use super::proto::{ProtoWriter, field, span_flags};
use crate::trace::SpanIds;

/// OTLP's `SpanKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpanKind {
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

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
    /// Attributes kept, and dropped past the limit.
    attributes: u32,
    dropped_attributes: u32,
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
    /// Bytes of `text` no value points at any more (replaced values), reclaimed by compaction.
    garbage: usize,
    attributes: Vec<Attribute>,
    events: Vec<EventRecord>,
    limits: SpanLimits,
    /// Span attributes kept, and dropped past the limit.
    span_attributes: u32,
    dropped_attributes: u32,
    dropped_events: u32,
}

impl SpanRecord {
    /// A span named `name` starting now, with room for `fields` attributes, bounded by `limits`.
    pub(crate) fn new(
        ids: SpanIds,
        name: &'static str,
        fields: usize,
        limits: SpanLimits,
    ) -> SpanRecord {
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
            garbage: 0,
            // The span's fields, and the attributes of its usual events.
            attributes: Vec::with_capacity(fields + 4),
            events: Vec::new(),
            limits,
            span_attributes: 0,
            dropped_attributes: 0,
            dropped_events: 0,
        }
    }

    /// The heap memory the record holds, in bytes: bounded by the span limits whatever the
    /// span records.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.attributes.capacity() * std::mem::size_of::<Attribute>()
            + self.events.capacity() * std::mem::size_of::<EventRecord>()
    }

    /// Marks the span ended now (never before it started, should the clock have been stepped
    /// back meanwhile).
    pub(crate) fn end(&mut self) {
        self.end = crate::clock::now().max(self.start);
    }

    fn push_text(&mut self, value: &str) -> Text {
        let start = self.text.len();
        self.text.push_str(value);
        self.cut(start)
    }

    fn push_debug(&mut self, value: &dyn fmt::Debug) -> Text {
        use fmt::Write as _;
        let start = self.text.len();
        let _ = write!(self.text, "{value:?}");
        self.cut(start)
    }

    /// The text pushed since `start`, cut to the value length limit at a character boundary.
    fn cut(&mut self, start: usize) -> Text {
        if let Some(limit) = self.limits.value_length
            && self.text.len() - start > limit
        {
            let mut end = start + limit;
            while !self.text.is_char_boundary(end) {
                end -= 1;
            }
            self.text.truncate(end);
        }
        Text::Buffer(start..self.text.len())
    }

    /// Rebuilds the text buffer from the values still in use, once replaced values make up
    /// most of it: a span that records a field over and over holds bounded memory.
    fn compact_if_wasteful(&mut self) {
        if self.garbage < 4096 || self.garbage < self.text.len() / 2 {
            return;
        }
        let mut text = String::with_capacity(self.text.len() - self.garbage);
        let mut keep = |value: &mut Text, old: &str| {
            if let Text::Buffer(range) = value {
                let start = text.len();
                text.push_str(&old[range.clone()]);
                *range = start..text.len();
            }
        };
        let old = std::mem::take(&mut self.text);
        keep(&mut self.name, &old);
        if let StatusRecord::Error(Some(description)) = &mut self.status {
            keep(description, &old);
        }
        for event in &mut self.events {
            keep(&mut event.name, &old);
        }
        for attribute in &mut self.attributes {
            if let AttrValue::Text(value) = &mut attribute.value {
                keep(value, &old);
            }
        }
        self.text = text;
        self.garbage = 0;
    }

    fn release(&mut self, text: &Text) {
        if let Text::Buffer(range) = text {
            self.garbage += range.len();
        }
    }

    fn text(&self, text: &Text) -> &str {
        match text {
            Text::Static(text) => text,
            Text::Buffer(range) => &self.text[range.clone()],
        }
    }

    /// Whether the span attribute `key` exists or there is room for it; when not, the value is
    /// dropped and counted.
    fn room_for(&mut self, key: &'static str) -> bool {
        if self.span_attributes < self.limits.attributes
            || self
                .attributes
                .iter()
                .any(|attribute| attribute.owner == SPAN && attribute.key == key)
        {
            return true;
        }
        self.dropped_attributes += 1;
        false
    }

    /// Sets a span attribute; a key recorded again replaces its value.
    fn set(&mut self, key: &'static str, value: AttrValue) {
        match self
            .attributes
            .iter_mut()
            .position(|attribute| attribute.owner == SPAN && attribute.key == key)
        {
            Some(index) => {
                let old = std::mem::replace(&mut self.attributes[index].value, value);
                if let AttrValue::Text(old) = old {
                    self.release(&old);
                    self.compact_if_wasteful();
                }
            }
            None => {
                self.span_attributes += 1;
                self.attributes.push(Attribute {
                    owner: SPAN,
                    key,
                    value,
                });
            }
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
        if self.events.len() as u32 >= self.limits.events {
            self.dropped_events += 1;
            return;
        }
        let owner = self.events.len() as u32;
        self.events.push(EventRecord {
            name: Text::Static(default_name),
            time: crate::clock::now(),
            attributes: 0,
            dropped_attributes: 0,
        });
        fill(&mut EventSink {
            record: self,
            owner,
        });
    }

    /// Writes the span as an OTLP `Span` message, in the repeated field `field`.
    pub(crate) fn encode(&self, writer: &mut ProtoWriter, in_field: u32) {
        let span = writer.open(in_field);
        writer.bytes(field::SPAN_TRACE_ID, &self.ids.trace_id.0.to_be_bytes());
        writer.bytes(field::SPAN_SPAN_ID, &self.ids.span_id.0.to_be_bytes());
        writer.string(field::SPAN_TRACE_STATE, self.trace_state.as_str());
        if let Some(parent) = self.ids.parent {
            writer.bytes(field::SPAN_PARENT_SPAN_ID, &parent.0.to_be_bytes());
        }
        let mut flags = span_flags::SAMPLED | span_flags::CONTEXT_HAS_IS_REMOTE;
        if self.ids.parent_is_remote {
            flags |= span_flags::CONTEXT_IS_REMOTE;
        }
        writer.fixed32(field::SPAN_FLAGS, flags);
        writer.string(field::SPAN_NAME, self.text(&self.name));
        writer.varint(field::SPAN_KIND, self.kind as u64);
        writer.fixed64(field::SPAN_START_TIME, unix_nanos(self.start));
        writer.fixed64(field::SPAN_END_TIME, unix_nanos(self.end));
        for attribute in self.attributes.iter().filter(|a| a.owner == SPAN) {
            self.encode_attribute(writer, field::SPAN_ATTRIBUTES, attribute);
        }
        writer.varint(
            field::SPAN_DROPPED_ATTRIBUTES_COUNT,
            u64::from(self.dropped_attributes),
        );
        for (index, event) in self.events.iter().enumerate() {
            let message = writer.open(field::SPAN_EVENTS);
            writer.fixed64(field::EVENT_TIME, unix_nanos(event.time));
            writer.string(field::EVENT_NAME, self.text(&event.name));
            for attribute in self.attributes.iter().filter(|a| a.owner == index as u32) {
                self.encode_attribute(writer, field::EVENT_ATTRIBUTES, attribute);
            }
            writer.varint(
                field::EVENT_DROPPED_ATTRIBUTES_COUNT,
                u64::from(event.dropped_attributes),
            );
            writer.close(message);
        }
        writer.varint(
            field::SPAN_DROPPED_EVENTS_COUNT,
            u64::from(self.dropped_events),
        );
        let (code, message) = match &self.status {
            StatusRecord::Unset => (0, None),
            StatusRecord::Ok => (1, None),
            StatusRecord::Error(message) => (2, message.as_ref()),
        };
        if code != 0 {
            let status = writer.open(field::SPAN_STATUS);
            if let Some(message) = message {
                writer.string(field::STATUS_MESSAGE, self.text(message));
            }
            writer.varint(field::STATUS_CODE, code);
            writer.close(status);
        }
        writer.close(span);
    }

    fn encode_attribute(&self, writer: &mut ProtoWriter, in_field: u32, attribute: &Attribute) {
        let pair = writer.open(in_field);
        writer.string(field::KEY_VALUE_KEY, attribute.key);
        let value = writer.open(field::KEY_VALUE_VALUE);
        match &attribute.value {
            // Zero, false and "" are values here, not defaults to leave out.
            AttrValue::I64(0) | AttrValue::Bool(false) => {
                let tag = if matches!(attribute.value, AttrValue::I64(_)) {
                    field::ANY_INT
                } else {
                    field::ANY_BOOL
                };
                writer.raw(&[(tag << 3) as u8, 0]);
            }
            AttrValue::I64(value) => writer.varint(field::ANY_INT, *value as u64),
            AttrValue::Bool(_) => writer.varint(field::ANY_BOOL, 1),
            AttrValue::F64(value) if value.to_bits() == 0 => {
                writer.raw(&[(field::ANY_DOUBLE << 3) as u8 | 1, 0, 0, 0, 0, 0, 0, 0, 0]);
            }
            AttrValue::F64(value) => writer.fixed64(field::ANY_DOUBLE, value.to_bits()),
            AttrValue::Text(text) => writer.bytes(field::ANY_STRING, self.text(text).as_bytes()),
        }
        writer.close(value);
        writer.close(pair);
    }
}

/// Nanoseconds since the Unix epoch.
fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

impl FieldSink for SpanRecord {
    /// Sets a span attribute, or applies an `otel.*` directive (name, kind, status).
    fn field(&mut self, key: &'static str, value: FieldValue<'_>) {
        let directive = key.starts_with("otel.");
        if !directive && !self.room_for(key) {
            return;
        }
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
        let limit = record.limits.event_attributes;
        let event = &mut record.events[self.owner as usize];
        if key != "message" {
            if event.attributes >= limit {
                event.dropped_attributes += 1;
                return;
            }
            event.attributes += 1;
        }
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
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
    use opentelemetry_proto::tonic::trace::v1::{Span, span, status};
    use prost::Message as _;

    fn record() -> SpanRecord {
        let ids = SpanIds {
            trace_id: TraceId(7),
            span_id: SpanId(9),
            parent: Some(SpanId(3)),
            parent_is_remote: true,
            sampled: true,
        };
        SpanRecord::new(ids, "todo.create", 2, SpanLimits::default())
    }

    /// The span as a collector decodes it.
    fn decoded(span: &SpanRecord) -> Span {
        let mut writer = ProtoWriter::default();
        span.encode(&mut writer, 1);
        Span::decode(&writer.into_bytes()[5..]).expect("a valid Span message")
    }

    fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
        attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
    }

    fn pair(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..KeyValue::default()
        }
    }

    #[test]
    fn fields_become_typed_attributes_and_a_field_recorded_again_replaces_its_value() {
        let mut span = record();
        span.field("user_id", FieldValue::U64(42));
        span.field("huge", FieldValue::U64(u64::MAX));
        span.field("score", FieldValue::F64(0.5));
        span.field("done", FieldValue::Bool(false));
        span.field("zero", FieldValue::I64(0));
        span.field("title", FieldValue::Str("Read paper"));
        span.field("path", FieldValue::Debug(&"a/b"));
        span.field("title", FieldValue::Str("Write paper"));
        let attributes = decoded(&span).attributes;
        assert_eq!(
            attribute(&attributes, "user_id"),
            Some(&Value::IntValue(42))
        );
        assert_eq!(
            attribute(&attributes, "huge"),
            Some(&Value::StringValue(u64::MAX.to_string()))
        );
        assert_eq!(
            attribute(&attributes, "score"),
            Some(&Value::DoubleValue(0.5))
        );
        assert_eq!(
            attribute(&attributes, "done"),
            Some(&Value::BoolValue(false))
        );
        assert_eq!(attribute(&attributes, "zero"), Some(&Value::IntValue(0)));
        assert_eq!(
            attribute(&attributes, "title"),
            Some(&Value::StringValue("Write paper".into()))
        );
        assert_eq!(
            attribute(&attributes, "path"),
            Some(&Value::StringValue("\"a/b\"".into()))
        );
        assert_eq!(attributes.len(), 7, "{attributes:?}");
    }

    #[test]
    fn otel_fields_set_name_kind_and_status_and_are_no_attributes() {
        let mut span = record();
        span.trace_state = "congo=t61rcWkgMzE".parse().unwrap();
        span.field(
            "otel.name",
            FieldValue::Debug(&format_args!("GET /api/todos")),
        );
        span.field("otel.kind", FieldValue::Str("server"));
        span.field("otel.status_code", FieldValue::Str("error"));
        span.field("otel.status_description", FieldValue::Str("db down"));
        span.field("otel.status_code", FieldValue::Str("error"));
        let data = decoded(&span);
        assert_eq!(data.name, "GET /api/todos");
        assert_eq!(data.kind, span::SpanKind::Server as i32);
        let status = data.status.unwrap();
        assert_eq!(
            (status.code, status.message.as_str()),
            (status::StatusCode::Error as i32, "db down")
        );
        assert!(data.attributes.is_empty(), "{:?}", data.attributes);
        assert_eq!(data.trace_id, 7u128.to_be_bytes());
        assert_eq!(data.span_id, 9u64.to_be_bytes());
        assert_eq!(data.parent_span_id, 3u64.to_be_bytes());
        assert_eq!(data.trace_state, "congo=t61rcWkgMzE");
        assert_eq!(data.flags, 0x301, "sampled, with a remote parent");
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
        let data = decoded(&span);
        let events: Vec<_> = data
            .events
            .iter()
            .map(|event| (event.name.clone(), event.attributes.clone()))
            .collect();
        assert_eq!(
            events,
            vec![
                ("todo.create.start".to_owned(), vec![]),
                (
                    "todo.create.success".to_owned(),
                    vec![pair("duration_ms", Value::DoubleValue(1.5))]
                ),
                (
                    "event at src/lib.rs:3".to_owned(),
                    vec![pair("rows", Value::IntValue(3))]
                ),
            ]
        );
        assert_eq!(data.attributes, vec![pair("user_id", Value::IntValue(1))]);
        assert!(data.end_time_unix_nano >= data.start_time_unix_nano);
        assert!(data.start_time_unix_nano > 1_700_000_000_000_000_000);
        assert_eq!(data.kind, span::SpanKind::Internal as i32);
        assert!(data.status.is_none(), "unset");
    }

    #[test]
    fn a_span_held_open_through_100_000_events_keeps_bounded_memory_and_counts_what_it_dropped() {
        let mut span = record();
        let mut peak = 0;
        for i in 0..100_000u64 {
            span.event("event at src/lib.rs:9", |event| {
                event.field("message", FieldValue::Str("row.read"));
                event.field("row", FieldValue::U64(i));
            });
            // A field recorded over and over, as a progress counter would be.
            span.field(
                "progress",
                FieldValue::Debug(&format_args!("{i} rows read")),
            );
            peak = peak.max(span.heap_bytes());
        }
        assert!(peak < 64 * 1024, "{peak} bytes");
        let data = decoded(&span);
        assert_eq!(data.events.len(), 128);
        assert_eq!(data.dropped_events_count, 100_000 - 128);
        assert_eq!(
            attribute(&data.attributes, "progress"),
            Some(&Value::StringValue("99999 rows read".into()))
        );
    }

    #[test]
    fn attributes_past_the_limits_are_dropped_and_counted_and_long_values_cut() {
        let ids = record().ids;
        let limits = SpanLimits {
            attributes: 2,
            event_attributes: 1,
            value_length: Some(5),
            ..SpanLimits::default()
        };
        let mut span = SpanRecord::new(ids, "limited", 0, limits);
        span.field("a", FieldValue::I64(1));
        span.field("b", FieldValue::Str("héllo wörld"));
        span.field("c", FieldValue::I64(3));
        span.field("a", FieldValue::I64(4));
        span.field("otel.kind", FieldValue::Str("client"));
        span.event("event", |event| {
            event.field("message", FieldValue::Str("e"));
            event.field("x", FieldValue::I64(1));
            event.field("y", FieldValue::I64(2));
        });
        let data = decoded(&span);
        assert_eq!(
            data.attributes,
            vec![
                pair("a", Value::IntValue(4)),
                pair("b", Value::StringValue("héll".into()))
            ],
            "a replaced value keeps its place; the value is cut at a character boundary"
        );
        assert_eq!(data.dropped_attributes_count, 1);
        assert_eq!(
            data.kind,
            span::SpanKind::Client as i32,
            "directives are no attributes"
        );
        assert_eq!(
            data.events[0].attributes,
            vec![pair("x", Value::IntValue(1))]
        );
        assert_eq!(data.events[0].dropped_attributes_count, 1);
    }
}
