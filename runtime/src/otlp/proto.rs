//! Protobuf written straight into a request body, as OpenTelemetry's Arrow project encodes OTLP:
//! no message structs in between. A message is opened with its tag and a 4-byte length
//! placeholder (a padded varint, which every decoder accepts), filled in while it is written and
//! patched when it closes, so nothing is encoded twice to learn its length. Field numbers are the
//! OTLP `.proto` files', in [`field`].
//!
//! Varints and keys use prost's encoding helpers; only the placeholder is ours.

use prost::encoding::{WireType, encode_key, encode_varint};

/// OTLP field numbers (`opentelemetry/proto/**/*.proto`).
pub(crate) mod field {
    /// `ExportTraceServiceRequest`.
    pub(crate) const REQUEST_RESOURCE_SPANS: u32 = 1;
    /// `ResourceSpans`.
    pub(crate) const RESOURCE_SPANS_RESOURCE: u32 = 1;
    pub(crate) const RESOURCE_SPANS_SCOPE_SPANS: u32 = 2;
    /// `Resource`.
    pub(crate) const RESOURCE_ATTRIBUTES: u32 = 1;
    /// `ScopeSpans`.
    pub(crate) const SCOPE_SPANS_SCOPE: u32 = 1;
    pub(crate) const SCOPE_SPANS_SPANS: u32 = 2;
    /// `InstrumentationScope`.
    pub(crate) const SCOPE_NAME: u32 = 1;
    pub(crate) const SCOPE_VERSION: u32 = 2;
    /// `Span`.
    pub(crate) const SPAN_TRACE_ID: u32 = 1;
    pub(crate) const SPAN_SPAN_ID: u32 = 2;
    pub(crate) const SPAN_TRACE_STATE: u32 = 3;
    pub(crate) const SPAN_PARENT_SPAN_ID: u32 = 4;
    pub(crate) const SPAN_NAME: u32 = 5;
    pub(crate) const SPAN_KIND: u32 = 6;
    pub(crate) const SPAN_START_TIME: u32 = 7;
    pub(crate) const SPAN_END_TIME: u32 = 8;
    pub(crate) const SPAN_ATTRIBUTES: u32 = 9;
    pub(crate) const SPAN_DROPPED_ATTRIBUTES_COUNT: u32 = 10;
    pub(crate) const SPAN_EVENTS: u32 = 11;
    pub(crate) const SPAN_DROPPED_EVENTS_COUNT: u32 = 12;
    pub(crate) const SPAN_LINKS: u32 = 13;
    pub(crate) const SPAN_DROPPED_LINKS_COUNT: u32 = 14;
    pub(crate) const SPAN_STATUS: u32 = 15;
    pub(crate) const SPAN_FLAGS: u32 = 16;
    /// `Span.Event`.
    pub(crate) const EVENT_TIME: u32 = 1;
    pub(crate) const EVENT_NAME: u32 = 2;
    pub(crate) const EVENT_ATTRIBUTES: u32 = 3;
    pub(crate) const EVENT_DROPPED_ATTRIBUTES_COUNT: u32 = 4;
    /// `Span.Link`.
    pub(crate) const LINK_TRACE_ID: u32 = 1;
    pub(crate) const LINK_SPAN_ID: u32 = 2;
    pub(crate) const LINK_TRACE_STATE: u32 = 3;
    pub(crate) const LINK_FLAGS: u32 = 6;
    /// `Status`.
    pub(crate) const STATUS_MESSAGE: u32 = 2;
    pub(crate) const STATUS_CODE: u32 = 3;

    /// `ExportLogsServiceRequest`, `ResourceLogs`, `ScopeLogs`.
    pub(crate) const REQUEST_RESOURCE_LOGS: u32 = 1;
    pub(crate) const RESOURCE_LOGS_RESOURCE: u32 = 1;
    pub(crate) const RESOURCE_LOGS_SCOPE_LOGS: u32 = 2;
    pub(crate) const SCOPE_LOGS_SCOPE: u32 = 1;
    pub(crate) const SCOPE_LOGS_LOG_RECORDS: u32 = 2;
    /// `LogRecord`.
    pub(crate) const LOG_TIME: u32 = 1;
    pub(crate) const LOG_SEVERITY_NUMBER: u32 = 2;
    pub(crate) const LOG_SEVERITY_TEXT: u32 = 3;
    pub(crate) const LOG_BODY: u32 = 5;
    pub(crate) const LOG_ATTRIBUTES: u32 = 6;
    pub(crate) const LOG_FLAGS: u32 = 8;
    pub(crate) const LOG_TRACE_ID: u32 = 9;
    pub(crate) const LOG_SPAN_ID: u32 = 10;
    pub(crate) const LOG_OBSERVED_TIME: u32 = 11;
    pub(crate) const LOG_EVENT_NAME: u32 = 12;

    /// `ExportMetricsServiceRequest`, `ResourceMetrics`, `ScopeMetrics`.
    pub(crate) const REQUEST_RESOURCE_METRICS: u32 = 1;
    pub(crate) const RESOURCE_METRICS_RESOURCE: u32 = 1;
    pub(crate) const RESOURCE_METRICS_SCOPE_METRICS: u32 = 2;
    pub(crate) const SCOPE_METRICS_SCOPE: u32 = 1;
    pub(crate) const SCOPE_METRICS_METRICS: u32 = 2;
    /// `Metric`.
    pub(crate) const METRIC_NAME: u32 = 1;
    pub(crate) const METRIC_DESCRIPTION: u32 = 2;
    pub(crate) const METRIC_UNIT: u32 = 3;
    pub(crate) const METRIC_GAUGE: u32 = 5;
    pub(crate) const METRIC_SUM: u32 = 7;
    pub(crate) const METRIC_HISTOGRAM: u32 = 9;
    pub(crate) const METRIC_EXPONENTIAL_HISTOGRAM: u32 = 10;
    /// `Gauge`, `Sum`, `Histogram`, `ExponentialHistogram`.
    pub(crate) const DATA_POINTS: u32 = 1;
    pub(crate) const AGGREGATION_TEMPORALITY: u32 = 2;
    pub(crate) const SUM_IS_MONOTONIC: u32 = 3;
    /// `NumberDataPoint`.
    pub(crate) const NUMBER_START_TIME: u32 = 2;
    pub(crate) const NUMBER_TIME: u32 = 3;
    pub(crate) const NUMBER_AS_DOUBLE: u32 = 4;
    pub(crate) const NUMBER_EXEMPLARS: u32 = 5;
    pub(crate) const NUMBER_AS_INT: u32 = 6;
    pub(crate) const NUMBER_ATTRIBUTES: u32 = 7;
    /// `HistogramDataPoint`.
    pub(crate) const HISTOGRAM_START_TIME: u32 = 2;
    pub(crate) const HISTOGRAM_TIME: u32 = 3;
    pub(crate) const HISTOGRAM_COUNT: u32 = 4;
    pub(crate) const HISTOGRAM_SUM: u32 = 5;
    pub(crate) const HISTOGRAM_BUCKET_COUNTS: u32 = 6;
    pub(crate) const HISTOGRAM_EXPLICIT_BOUNDS: u32 = 7;
    pub(crate) const HISTOGRAM_EXEMPLARS: u32 = 8;
    pub(crate) const HISTOGRAM_ATTRIBUTES: u32 = 9;
    pub(crate) const HISTOGRAM_MIN: u32 = 11;
    pub(crate) const HISTOGRAM_MAX: u32 = 12;
    /// `ExponentialHistogramDataPoint`.
    pub(crate) const EXPONENTIAL_ATTRIBUTES: u32 = 1;
    pub(crate) const EXPONENTIAL_START_TIME: u32 = 2;
    pub(crate) const EXPONENTIAL_TIME: u32 = 3;
    pub(crate) const EXPONENTIAL_COUNT: u32 = 4;
    pub(crate) const EXPONENTIAL_SUM: u32 = 5;
    pub(crate) const EXPONENTIAL_SCALE: u32 = 6;
    pub(crate) const EXPONENTIAL_ZERO_COUNT: u32 = 7;
    pub(crate) const EXPONENTIAL_POSITIVE: u32 = 8;
    pub(crate) const EXPONENTIAL_NEGATIVE: u32 = 9;
    pub(crate) const EXPONENTIAL_EXEMPLARS: u32 = 11;
    pub(crate) const EXPONENTIAL_MIN: u32 = 12;
    pub(crate) const EXPONENTIAL_MAX: u32 = 13;
    /// `ExponentialHistogramDataPoint.Buckets`.
    pub(crate) const BUCKETS_OFFSET: u32 = 1;
    pub(crate) const BUCKETS_COUNTS: u32 = 2;
    /// `Exemplar`.
    pub(crate) const EXEMPLAR_TIME: u32 = 2;
    pub(crate) const EXEMPLAR_AS_DOUBLE: u32 = 3;
    pub(crate) const EXEMPLAR_SPAN_ID: u32 = 4;
    pub(crate) const EXEMPLAR_TRACE_ID: u32 = 5;

    /// `KeyValue`.
    pub(crate) const KEY_VALUE_KEY: u32 = 1;
    pub(crate) const KEY_VALUE_VALUE: u32 = 2;
    /// `AnyValue`.
    pub(crate) const ANY_STRING: u32 = 1;
    pub(crate) const ANY_BOOL: u32 = 2;
    pub(crate) const ANY_INT: u32 = 3;
    pub(crate) const ANY_DOUBLE: u32 = 4;
}

/// `SpanFlags`: the W3C trace flags in the low byte, and whether the parent is remote.
pub(crate) mod span_flags {
    pub(crate) const SAMPLED: u32 = 0x01;
    pub(crate) const CONTEXT_HAS_IS_REMOTE: u32 = 0x100;
    pub(crate) const CONTEXT_IS_REMOTE: u32 = 0x200;
}

/// The largest message a 4-byte placeholder can hold (a 28-bit length).
const MAX_MESSAGE: usize = (1 << 28) - 1;

/// An open message: where its length placeholder sits.
#[must_use = "a message must be closed"]
pub(crate) struct Open(usize);

/// A protobuf body under construction.
#[derive(Default)]
pub(crate) struct ProtoWriter {
    buf: Vec<u8>,
}

impl ProtoWriter {
    /// A writer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> ProtoWriter {
        ProtoWriter {
            buf: Vec::with_capacity(capacity),
        }
    }

    /// A writer appending to `buf`'s bytes (handed back by [`into_bytes`](Self::into_bytes)).
    pub(crate) fn over(buf: Vec<u8>) -> ProtoWriter {
        ProtoWriter { buf }
    }

    /// The bytes written.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Opens the embedded message `field`.
    pub(crate) fn open(&mut self, field: u32) -> Open {
        encode_key(field, WireType::LengthDelimited, &mut self.buf);
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0x80, 0x80, 0x80, 0x00]);
        Open(at)
    }

    /// Closes a message: its length goes into the placeholder.
    pub(crate) fn close(&mut self, open: Open) {
        let length = self.buf.len() - open.0 - 4;
        debug_assert!(length <= MAX_MESSAGE, "a message over 256 MiB");
        let length = length.min(MAX_MESSAGE) as u32;
        self.buf[open.0..open.0 + 4].copy_from_slice(&[
            (length & 0x7f) as u8 | 0x80,
            ((length >> 7) & 0x7f) as u8 | 0x80,
            ((length >> 14) & 0x7f) as u8 | 0x80,
            ((length >> 21) & 0x7f) as u8,
        ]);
    }

    /// Appends bytes that are already encoded fields (a pre-encoded resource).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// A `bytes` or `string` field, written even when empty.
    pub(crate) fn bytes(&mut self, field: u32, value: &[u8]) {
        encode_key(field, WireType::LengthDelimited, &mut self.buf);
        encode_varint(value.len() as u64, &mut self.buf);
        self.buf.extend_from_slice(value);
    }

    /// A `string` field, skipped when empty (proto3's default).
    pub(crate) fn string(&mut self, field: u32, value: &str) {
        if !value.is_empty() {
            self.bytes(field, value.as_bytes());
        }
    }

    /// A varint field (`uint32`, `int64`, `bool`, enums), skipped when zero.
    pub(crate) fn varint(&mut self, field: u32, value: u64) {
        if value != 0 {
            encode_key(field, WireType::Varint, &mut self.buf);
            encode_varint(value, &mut self.buf);
        }
    }

    /// A `sint32` field (zigzag), skipped when zero.
    pub(crate) fn sint32(&mut self, field: u32, value: i32) {
        self.varint(field, u64::from(((value << 1) ^ (value >> 31)) as u32));
    }

    /// A packed repeated `uint64` field.
    pub(crate) fn packed_varint(&mut self, field: u32, values: &[u64]) {
        let length: usize = values
            .iter()
            .map(|value| prost::encoding::encoded_len_varint(*value))
            .sum();
        encode_key(field, WireType::LengthDelimited, &mut self.buf);
        encode_varint(length as u64, &mut self.buf);
        for value in values {
            encode_varint(*value, &mut self.buf);
        }
    }

    /// A `fixed64` or `double` field given as its bits, skipped when zero.
    pub(crate) fn fixed64(&mut self, field: u32, bits: u64) {
        if bits != 0 {
            encode_key(field, WireType::SixtyFourBit, &mut self.buf);
            self.buf.extend_from_slice(&bits.to_le_bytes());
        }
    }

    /// A `double` field, written even when zero (a value, not an absent default).
    pub(crate) fn double(&mut self, field: u32, value: f64) {
        encode_key(field, WireType::SixtyFourBit, &mut self.buf);
        self.buf.extend_from_slice(&value.to_bits().to_le_bytes());
    }

    /// A `fixed64` field, written even when zero.
    pub(crate) fn fixed64_always(&mut self, field: u32, value: u64) {
        encode_key(field, WireType::SixtyFourBit, &mut self.buf);
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// A packed repeated `fixed64` or `double` field (given as bits).
    pub(crate) fn packed_fixed64(
        &mut self,
        field: u32,
        values: impl ExactSizeIterator<Item = u64>,
    ) {
        encode_key(field, WireType::LengthDelimited, &mut self.buf);
        encode_varint(values.len() as u64 * 8, &mut self.buf);
        for value in values {
            self.buf.extend_from_slice(&value.to_le_bytes());
        }
    }

    /// Takes the bytes written, leaving the writer empty (its capacity kept).
    pub(crate) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// A `fixed32` field, skipped when zero.
    pub(crate) fn fixed32(&mut self, field: u32, value: u32) {
        if value != 0 {
            encode_key(field, WireType::ThirtyTwoBit, &mut self.buf);
            self.buf.extend_from_slice(&value.to_le_bytes());
        }
    }

    /// A `KeyValue`, in the repeated field `field`.
    pub(crate) fn key_value(&mut self, field: u32, key: &str, value: Any<'_>) {
        let pair = self.open(field);
        self.string(field::KEY_VALUE_KEY, key);
        self.any_value(field::KEY_VALUE_VALUE, value);
        self.close(pair);
    }

    /// An `AnyValue` message in `field`. Zero, false and "" are values here, not defaults to
    /// leave out: the value field is always written.
    pub(crate) fn any_value(&mut self, field: u32, value: Any<'_>) {
        let any = self.open(field);
        match value {
            Any::Str(text) => self.bytes(field::ANY_STRING, text.as_bytes()),
            Any::Bool(flag) => {
                encode_key(field::ANY_BOOL, WireType::Varint, &mut self.buf);
                encode_varint(u64::from(flag), &mut self.buf);
            }
            Any::Int(int) => {
                encode_key(field::ANY_INT, WireType::Varint, &mut self.buf);
                encode_varint(int as u64, &mut self.buf);
            }
            Any::Double(double) => self.double(field::ANY_DOUBLE, double),
        }
        self.close(any);
    }
}

/// An attribute's value, as OTLP's `AnyValue` holds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Any<'a> {
    Str(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
    use prost::Message as _;

    #[test]
    fn padded_lengths_and_fields_decode_as_protobuf() {
        let mut writer = ProtoWriter::default();
        writer.key_value(7, "service.name", Any::Str(&"x".repeat(300)));
        // A KeyValue written at field 7 is a KeyValue message when read as one.
        let bytes = writer.into_bytes();
        assert_eq!(bytes[0], (7 << 3) | 2);
        let decoded = KeyValue::decode(&bytes[5..]).unwrap();
        assert_eq!(decoded.key, "service.name");
        assert_eq!(
            decoded.value,
            Some(AnyValue {
                value: Some(any_value::Value::StringValue("x".repeat(300)))
            })
        );
    }

    #[test]
    fn zero_values_are_left_out_as_proto3_does() {
        let mut writer = ProtoWriter::default();
        writer.varint(1, 0);
        writer.fixed64(2, 0);
        writer.fixed32(3, 0);
        writer.string(4, "");
        assert!(writer.take().is_empty());
        writer.varint(1, 300);
        assert_eq!(writer.into_bytes(), [0x08, 0xac, 0x02]);
    }
}
