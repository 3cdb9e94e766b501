//! The interfaces between the sinks and the rest: the collector thread hands log events to the
//! log sinks (tripod's lines in `logs/`, OTLP log records in `otlp/`) through [`LogSink`] and
//! finished spans to the span sinks (the export queue, the viewer's store) through
//! [`SpanSink`], naming none of them; `init/` starts each sink from its own folder's settings and
//! keeps it as a [`Part`] (Prometheus's `/metrics` is a part that reads the recorder instead).
//!
//! A log sink copies a span's fields into the event of every event inside the span, each field
//! encoded once, when it is recorded, in the sink's own encoding ([`SpanFields`]): the collector
//! thread keeps one [`SpanFields`] a sink for each live span, and hands the sink its spans' fields,
//! innermost first, with each event.

use std::any::Any;
use std::ops::Range;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tracing::Level;

pub(crate) use crate::capture::FieldValue;
use crate::capture::{OpenSpans, SpanLimits, SpanSink};
use crate::trace::SpanIds;

/// One event, as a log sink needs it besides its fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogEvent<'a> {
    pub(crate) level: &'a Level,
    /// Its target: the OTLP records' instrumentation scope (lines leave it out, so without
    /// the `otlp` feature nothing reads it).
    #[allow(dead_code)]
    pub(crate) target: &'static str,
    /// When it happened, since the Unix epoch.
    pub(crate) since_epoch: Duration,
    /// Its message (an observed call's event: its name, `todo.create.start`).
    pub(crate) message: &'a str,
    /// The innermost span's ids, when it happened in one.
    pub(crate) ids: Option<SpanIds>,
}

/// An event's own fields, in the order recorded.
pub(crate) type Fields<'i, 'a> = &'i mut dyn Iterator<Item = (&'static str, FieldValue<'a>)>;

/// The fields of the spans an event happened in, innermost first, as this sink encoded them.
pub(crate) type Spans<'i, 's> = &'i mut dyn Iterator<Item = &'s SpanFields>;

/// Where the collector thread's log events go. Called on the collector thread only, in the order
/// the events happened (merged across threads).
pub(crate) trait LogSink: Send {
    /// Appends `value` to `encoded` as this sink copies a span's field `key` into each event of
    /// the span; `false` leaves the field out.
    fn encode_span_field(
        &mut self,
        encoded: &mut Vec<u8>,
        key: &'static str,
        value: FieldValue<'_>,
    ) -> bool;

    /// Takes one event.
    fn event(&mut self, event: &LogEvent<'_>, fields: Fields<'_, '_>, spans: Spans<'_, '_>);

    /// A collection begins: the events handed over until [`collected`](Self::collected) were
    /// collected at `now` (since the Unix epoch).
    fn collecting(&mut self, now: Duration) {
        let _ = now;
    }

    /// A collection ended: what was made goes out (lines written, records queued for export).
    fn collected(&mut self);
}

/// A sink as `init/` started it and [`Telemetry`](crate::Telemetry) keeps it: what it takes
/// from the collector thread, and how it is flushed and shut down. The guard's accessors find a
/// part by its type (a `dyn Part` is a `dyn Any`).
pub(crate) trait Part: Any + Send + Sync {
    /// A log sink for the collector thread, when the part takes log events.
    fn log_sink(&self) -> Option<Box<dyn LogSink>> {
        None
    }

    /// Where the part takes finished spans, when it does, and the limits it wants them
    /// recorded within (`None`: any).
    fn span_sink(&self) -> Option<(Arc<dyn SpanSink>, Option<SpanLimits>)> {
        None
    }

    /// Where the part finds the spans that have not ended, when it shows them (the viewer).
    fn open_spans_from(&self, open: &Weak<dyn OpenSpans>) {
        let _ = open;
    }

    /// What the part reports about itself (an export failing) goes through `dispatch` from now
    /// on.
    fn log_through(&self, dispatch: &tracing::Dispatch) {
        let _ = dispatch;
    }

    /// Sends what the part holds; `false` when that did not finish within `timeout` (what was
    /// not sent stays).
    fn flush(&self, timeout: Duration) -> bool {
        let _ = timeout;
        true
    }

    /// Stops the part, sending what it holds within `timeout`.
    fn shutdown(&self, timeout: Duration) {
        let _ = timeout;
    }
}

/// A span's fields as one log sink copies them into the events inside the span: each field
/// encoded once, in the sink's encoding, when it is recorded (a field recorded again replaces
/// its earlier value). Fields named `otel.*`, directives for the trace exporter
/// (`otel.name`, `otel.kind`, `otel.status_*`), are no data and left out.
#[derive(Clone, Default)]
pub(crate) struct SpanFields {
    encoded: Vec<u8>,
    entries: Vec<(&'static str, Range<usize>)>,
}

impl SpanFields {
    /// The bytes it holds besides itself.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.encoded.capacity()
            + self.entries.capacity() * std::mem::size_of::<(&'static str, Range<usize>)>()
    }

    /// Empties the fields, keeping their memory.
    pub(crate) fn clear(&mut self) {
        self.encoded.clear();
        self.entries.clear();
    }

    /// Sets the field `key`, as `encode` appends it (`false`: the field is left out).
    pub(crate) fn set(&mut self, key: &'static str, encode: impl FnOnce(&mut Vec<u8>) -> bool) {
        if key.starts_with("otel.") {
            return;
        }
        let start = self.encoded.len();
        if !encode(&mut self.encoded) {
            self.encoded.truncate(start);
            return;
        }
        let range = start..self.encoded.len();
        match self
            .entries
            .iter_mut()
            .find(|(existing, _)| *existing == key)
        {
            Some(entry) => entry.1 = range,
            None => self.entries.push((key, range)),
        }
    }

    /// Each field's key and its encoding, in the order first set.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&'static str, &[u8])> {
        self.entries
            .iter()
            .map(|(key, range)| (*key, &self.encoded[range.clone()]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_set_again_replaces_its_value_in_its_first_place() {
        let mut fields = SpanFields::default();
        fields.set("a", |buf| {
            buf.extend_from_slice(b"1");
            true
        });
        fields.set("b", |buf| {
            buf.extend_from_slice(b"2");
            true
        });
        fields.set("a", |buf| {
            buf.extend_from_slice(b"3");
            true
        });
        let entries: Vec<_> = fields.entries().collect();
        assert_eq!(entries, [("a", &b"3"[..]), ("b", &b"2"[..])]);
    }

    #[test]
    fn otel_fields_and_fields_the_sink_leaves_out_are_not_kept() {
        let mut fields = SpanFields::default();
        fields.set("otel.name", |_| panic!("an otel.* field is not encoded"));
        fields.set("nan", |buf| {
            buf.extend_from_slice(b"half written");
            false
        });
        fields.set("kept", |buf| {
            buf.push(b'1');
            true
        });
        let entries: Vec<_> = fields.entries().collect();
        assert_eq!(entries, [("kept", &b"1"[..])]);
    }
}
