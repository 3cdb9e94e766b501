//! Log records over OTLP, encoded straight from what a log line is laid out from: each event
//! becomes a `LogRecord` appended to an open `ScopeLogs` (one per run of events of one target,
//! the target being the instrumentation scope), and chunks of them wait in the logs export queue.
//!
//! A record carries what its JSON line carries: the event's time and the time it was observed
//! (collected), `severity_number` from the level (trace 1, debug 5, info 9, warning 13, error 17)
//! and `severity_text` as the line spells it, the event's name as `event_name` and body, its
//! fields and its spans' fields (innermost first, a key already given not repeated) as typed
//! attributes, and the span's `trace_id`, `span_id` and sampled flag. [`LogEncoder`] is the
//! collector thread's log sink of records: a span's fields are encoded once, as attributes, and
//! copied into the record of every event inside it.

use std::sync::Arc;
use std::time::Duration;

use tracing::Level;

use super::proto::{Any, Open, ProtoWriter, field};
use super::queue::{Item, Queue};
use super::resource::Preamble;
use crate::sink::{FieldValue, Fields, LogEvent, LogSink, Spans};

/// Records handed over at a time, at most (a quarter of the logs batch).
const CHUNK_RECORDS: usize = 512;

/// Encoded `ScopeLogs` messages (field 2 of a `ResourceLogs`), and how many records they hold.
pub(crate) struct LogChunk {
    body: Vec<u8>,
    records: usize,
}

impl Item for LogChunk {
    fn count(&self) -> usize {
        self.records
    }

    fn bytes(&self) -> usize {
        self.body.capacity()
    }
}

/// Encodes records and hands them to the logs export queue in chunks.
pub(crate) struct LogEncoder {
    queue: Arc<Queue<LogChunk>>,
    writer: ProtoWriter,
    /// The open `ScopeLogs`: its target, and where it and its scope's name sit.
    scope: Option<(&'static str, Open)>,
    records: usize,
    /// When the records being encoded were observed (collected), since the Unix epoch.
    observed: Duration,
    /// The keys given so far in the record being encoded.
    written: Vec<&'static str>,
}

impl LogEncoder {
    pub(crate) fn new(queue: Arc<Queue<LogChunk>>) -> LogEncoder {
        LogEncoder {
            queue,
            writer: ProtoWriter::default(),
            scope: None,
            records: 0,
            observed: Duration::ZERO,
            written: Vec::new(),
        }
    }

    /// Appends `event`'s record; every 512 records, hands them over.
    fn record(&mut self, event: &LogEvent<'_>, fields: Fields<'_, '_>, spans: Spans<'_, '_>) {
        if self
            .scope
            .as_ref()
            .is_none_or(|(target, _)| *target != event.target)
        {
            self.close_scope();
            let open = self.writer.open(field::RESOURCE_LOGS_SCOPE_LOGS);
            let scope = self.writer.open(field::SCOPE_LOGS_SCOPE);
            self.writer.string(field::SCOPE_NAME, event.target);
            self.writer.close(scope);
            self.scope = Some((event.target, open));
        }
        let writer = &mut self.writer;
        let record = writer.open(field::SCOPE_LOGS_LOG_RECORDS);
        writer.fixed64(field::LOG_TIME, event.since_epoch.as_nanos() as u64);
        writer.fixed64(field::LOG_OBSERVED_TIME, self.observed.as_nanos() as u64);
        let (number, text) = severity(event.level);
        writer.varint(field::LOG_SEVERITY_NUMBER, number);
        writer.string(field::LOG_SEVERITY_TEXT, text);
        writer.any_value(field::LOG_BODY, Any::Str(event.message));
        self.written.clear();
        for (key, value) in fields {
            self.written.push(key);
            let mut text = String::new();
            writer.key_value(field::LOG_ATTRIBUTES, key, any_of(value, &mut text));
        }
        for span in spans {
            for (key, attribute) in span.entries() {
                if self.written.contains(&key) {
                    continue;
                }
                self.written.push(key);
                writer.raw(attribute);
            }
        }
        if let Some(ids) = event.ids {
            writer.fixed32(field::LOG_FLAGS, u32::from(ids.sampled));
            writer.bytes(field::LOG_TRACE_ID, &ids.trace_id.0.to_be_bytes());
            writer.bytes(field::LOG_SPAN_ID, &ids.span_id.0.to_be_bytes());
        }
        writer.string(field::LOG_EVENT_NAME, event.message);
        writer.close(record);
        self.records += 1;
        if self.records >= CHUNK_RECORDS {
            self.hand_over();
        }
    }

    fn close_scope(&mut self) {
        if let Some((_, open)) = self.scope.take() {
            self.writer.close(open);
        }
    }

    /// Hands the records encoded so far to the export queue (which drops and counts them when
    /// it is full).
    pub(crate) fn hand_over(&mut self) {
        self.close_scope();
        if self.records == 0 {
            return;
        }
        let chunk = LogChunk {
            body: self.writer.take(),
            records: std::mem::take(&mut self.records),
        };
        self.queue.push([chunk]);
    }
}

impl LogSink for LogEncoder {
    /// A span field as a `LogRecord` attribute (a `KeyValue` in field 6), encoded once and
    /// copied into the record of every event inside the span. (Laying span fields out again for
    /// each record took a third of the collector thread's OTLP log encoding.) A float that is
    /// not finite is left out, as a line's `null` is.
    fn encode_span_field(
        &mut self,
        encoded: &mut Vec<u8>,
        key: &'static str,
        value: FieldValue<'_>,
    ) -> bool {
        if matches!(value, FieldValue::F64(double) if !double.is_finite()) {
            return false;
        }
        let mut writer = ProtoWriter::over(std::mem::take(encoded));
        let mut text = String::new();
        writer.key_value(field::LOG_ATTRIBUTES, key, any_of(value, &mut text));
        *encoded = writer.into_bytes();
        true
    }

    fn event(&mut self, event: &LogEvent<'_>, fields: Fields<'_, '_>, spans: Spans<'_, '_>) {
        self.record(event, fields, spans);
    }

    fn collecting(&mut self, now: Duration) {
        self.observed = now;
    }

    fn collected(&mut self) {
        self.hand_over();
    }
}

/// A field value as an `AnyValue`; a `u64` past `i64::MAX` as its digits, in `text`.
fn any_of<'a>(value: FieldValue<'a>, text: &'a mut String) -> Any<'a> {
    match value {
        FieldValue::I64(int) => Any::Int(int),
        FieldValue::U64(int) => match i64::try_from(int) {
            Ok(int) => Any::Int(int),
            Err(_) => {
                *text = int.to_string();
                let text: &'a String = text;
                Any::Str(text)
            }
        },
        FieldValue::F64(double) => Any::Double(double),
        FieldValue::Bool(flag) => Any::Bool(flag),
        FieldValue::Str(text) => Any::Str(text),
    }
}

/// The severity number and text of a level.
fn severity(level: &Level) -> (u64, &'static str) {
    match *level {
        Level::TRACE => (1, "trace"),
        Level::DEBUG => (5, "debug"),
        Level::INFO => (9, "info"),
        Level::WARN => (13, "warning"),
        _ => (17, "error"),
    }
}

/// The logs signal's batches: chunks of records, wrapped in the process's resource.
pub(crate) struct LogBatches {
    pub(crate) preamble: Arc<Preamble>,
}

impl super::export::Encode for LogBatches {
    type Item = LogChunk;

    fn encode(&mut self, batch: &[LogChunk]) -> Vec<u8> {
        let mut writer = ProtoWriter::with_capacity(
            256 + batch.iter().map(|chunk| chunk.body.len()).sum::<usize>(),
        );
        let resource_logs = writer.open(field::REQUEST_RESOURCE_LOGS);
        self.preamble
            .resource(&mut writer, field::RESOURCE_LOGS_RESOURCE);
        for chunk in batch {
            writer.raw(&chunk.body);
        }
        writer.close(resource_logs);
        writer.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::export::Encode as _;
    use crate::otlp::queue::QueueConfig;
    use crate::sink::SpanFields;
    use crate::trace::{SpanId, SpanIds, TraceId};
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    use prost::Message as _;

    #[test]
    fn records_decode_with_severity_name_typed_attributes_ids_and_their_scope() {
        let queue = Arc::new(Queue::new(QueueConfig::LOGS));
        let mut encoder = LogEncoder::new(queue.clone());
        encoder.collecting(Duration::from_secs(1_700_000_001));
        let ids = SpanIds {
            trace_id: TraceId(0xabc),
            span_id: SpanId(0xdef),
            parent: None,
            parent_is_remote: false,
            sampled: true,
        };
        let span_fields = span_fields(
            &mut encoder,
            &[
                ("user.id", FieldValue::I64(42)),
                ("title", FieldValue::Str("a \"quoted\"\ntitle")),
                ("ratio", FieldValue::F64(0.5)),
                ("duration_ms", FieldValue::I64(7)),
            ],
        );
        encoder.event(
            &LogEvent {
                level: &Level::WARN,
                since_epoch: Duration::from_secs(1_700_000_000),
                target: "todo_app::routes",
                message: "todo.create.failure",
                ids: Some(ids),
            },
            &mut [
                ("duration_ms", FieldValue::F64(1.5)),
                ("big", FieldValue::U64(u64::MAX)),
                ("done", FieldValue::Bool(false)),
                ("zero", FieldValue::I64(0)),
            ]
            .into_iter(),
            &mut std::iter::once(&span_fields),
        );
        encoder.event(
            &LogEvent {
                level: &Level::INFO,
                since_epoch: Duration::from_secs(1_700_000_000),
                target: "sqlx::query",
                message: "",
                ids: None,
            },
            &mut std::iter::empty(),
            &mut std::iter::empty(),
        );
        encoder.collected();
        let (chunks, _, _) = queue.take_batch();
        assert_eq!(chunks.iter().map(Item::count).sum::<usize>(), 2);
        let preamble = Arc::new(Preamble::new(&crate::resource::Resource::detect(
            Some("todo-app"),
            None,
            &[],
        )));
        let body = LogBatches { preamble }.encode(&chunks);
        let request = ExportLogsServiceRequest::decode(body.as_slice()).unwrap();
        let resource_logs = &request.resource_logs[0];
        assert_eq!(resource_logs.scope_logs.len(), 2, "one per target");
        let scope = &resource_logs.scope_logs[0];
        assert_eq!(scope.scope.as_ref().unwrap().name, "todo_app::routes");
        let record = &scope.log_records[0];
        assert_eq!(record.severity_number, 13);
        assert_eq!(record.severity_text, "warning");
        assert_eq!(record.event_name, "todo.create.failure");
        assert_eq!(
            record.body.as_ref().unwrap().value,
            Some(Value::StringValue("todo.create.failure".into()))
        );
        assert_eq!(record.time_unix_nano, 1_700_000_000_000_000_000);
        assert_eq!(record.observed_time_unix_nano, 1_700_000_001_000_000_000);
        assert_eq!(record.trace_id, 0xabc_u128.to_be_bytes());
        assert_eq!(record.span_id, 0xdef_u64.to_be_bytes());
        assert_eq!(record.flags, 1);
        let attributes: Vec<(String, Option<Value>)> = record
            .attributes
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone().and_then(|v| v.value)))
            .collect();
        assert_eq!(
            attributes,
            [
                ("duration_ms".into(), Some(Value::DoubleValue(1.5))),
                ("big".into(), Some(Value::StringValue(u64::MAX.to_string()))),
                ("done".into(), Some(Value::BoolValue(false))),
                ("zero".into(), Some(Value::IntValue(0))),
                ("user.id".into(), Some(Value::IntValue(42))),
                (
                    "title".into(),
                    Some(Value::StringValue("a \"quoted\"\ntitle".into()))
                ),
                ("ratio".into(), Some(Value::DoubleValue(0.5))),
            ],
            "the event's own duration_ms wins over its span's"
        );
        let untraced = &resource_logs.scope_logs[1].log_records[0];
        assert!(untraced.trace_id.is_empty() && untraced.flags == 0);
        assert_eq!(untraced.severity_number, 9);
    }

    /// A span's fields as the encoder keeps them.
    fn span_fields(
        encoder: &mut LogEncoder,
        fields: &[(&'static str, FieldValue<'_>)],
    ) -> SpanFields {
        let mut span_fields = SpanFields::default();
        for (key, value) in fields {
            span_fields.set(key, |encoded| {
                encoder.encode_span_field(encoded, key, *value)
            });
        }
        span_fields
    }

    /// The attributes of one record whose span's fields are `fields`, decoded.
    fn span_attributes(fields: &[(&'static str, FieldValue<'_>)]) -> Vec<(String, Option<Value>)> {
        let queue = Arc::new(Queue::new(QueueConfig::LOGS));
        let mut encoder = LogEncoder::new(queue.clone());
        let span_fields = span_fields(&mut encoder, fields);
        encoder.event(
            &LogEvent {
                level: &Level::INFO,
                since_epoch: Duration::from_secs(1_700_000_000),
                target: "todo_app::routes",
                message: "todo.create.start",
                ids: None,
            },
            &mut std::iter::empty(),
            &mut std::iter::once(&span_fields),
        );
        encoder.collected();
        let (chunks, _, _) = queue.take_batch();
        let preamble = Arc::new(Preamble::new(&crate::resource::Resource::detect(
            Some("todo-app"),
            None,
            &[],
        )));
        let body = LogBatches { preamble }.encode(&chunks);
        let request = ExportLogsServiceRequest::decode(body.as_slice()).unwrap();
        request.resource_logs[0].scope_logs[0].log_records[0]
            .attributes
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone().and_then(|v| v.value)))
            .collect()
    }

    #[test]
    fn a_span_fields_encoded_attribute_decodes_to_its_typed_value() {
        assert_eq!(
            span_attributes(&[
                ("user.id", FieldValue::I64(42)),
                ("title", FieldValue::Str("a \"quoted\"\ntitle")),
                ("ratio", FieldValue::F64(0.5)),
                ("done", FieldValue::Bool(true)),
                ("big", FieldValue::U64(u64::MAX)),
            ]),
            [
                ("user.id".into(), Some(Value::IntValue(42))),
                (
                    "title".into(),
                    Some(Value::StringValue("a \"quoted\"\ntitle".into()))
                ),
                ("ratio".into(), Some(Value::DoubleValue(0.5))),
                ("done".into(), Some(Value::BoolValue(true))),
                ("big".into(), Some(Value::StringValue(u64::MAX.to_string()))),
            ]
        );
    }

    #[test]
    fn a_span_field_set_again_replaces_its_value_and_otel_directives_and_non_finite_floats_are_left_out()
     {
        assert_eq!(
            span_attributes(&[
                ("http.route", FieldValue::Str("/api/todos")),
                ("otel.name", FieldValue::Str("GET /api/todos")),
                ("ratio", FieldValue::F64(f64::NAN)),
                ("http.response.status_code", FieldValue::I64(200)),
                ("http.route", FieldValue::Str("/api/predict")),
            ]),
            [
                (
                    "http.route".into(),
                    Some(Value::StringValue("/api/predict".into()))
                ),
                (
                    "http.response.status_code".into(),
                    Some(Value::IntValue(200))
                ),
            ]
        );
    }
}
