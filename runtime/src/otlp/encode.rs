//! A captured span written as an OTLP `Span` message, straight into the request body.

use std::time::{SystemTime, UNIX_EPOCH};

use super::proto::{Any, ProtoWriter, field, span_flags};
use crate::capture::{AttrValue, Attribute, SPAN, SpanRecord, StatusRecord};

impl SpanRecord {
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
        for link in &self.links {
            let message = writer.open(field::SPAN_LINKS);
            writer.bytes(field::LINK_TRACE_ID, &link.ids.trace_id.0.to_be_bytes());
            writer.bytes(field::LINK_SPAN_ID, &link.ids.span_id.0.to_be_bytes());
            writer.string(field::LINK_TRACE_STATE, link.trace_state.as_str());
            let mut flags = span_flags::CONTEXT_HAS_IS_REMOTE;
            if link.ids.sampled {
                flags |= span_flags::SAMPLED;
            }
            writer.fixed32(field::LINK_FLAGS, flags);
            writer.close(message);
        }
        writer.varint(
            field::SPAN_DROPPED_LINKS_COUNT,
            u64::from(self.dropped_links),
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
        let value = match &attribute.value {
            AttrValue::I64(value) => Any::Int(*value),
            AttrValue::Bool(value) => Any::Bool(*value),
            AttrValue::F64(value) => Any::Double(*value),
            AttrValue::Text(text) => Any::Str(self.text(text)),
        };
        writer.key_value(in_field, attribute.key, value);
    }
}

/// Nanoseconds since the Unix epoch.
pub(crate) fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FieldValue, FieldWriter as _, SpanLimits};
    use crate::otlp::proto::ProtoWriter;
    use crate::trace::SpanIds;
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

    /// The span as an OTLP receiver decodes it.
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
        span.field("path", FieldValue::Str("\"a/b\""));
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
        span.field("otel.name", FieldValue::Str("GET /api/todos"));
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
            event.field("message", FieldValue::Str("todo.create.start"));
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
            span.field("progress", FieldValue::Str(&format!("{i} rows read")));
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
