//! A span's fields as log lines carry them: formatted once, when recorded, as `"key":value`
//! JSON, and copied into the line of every event inside the span. Span fields named `otel.*`
//! (directives for the trace exporter) are left out; reserved keys are renamed as in event lines.

use std::fmt;
use std::ops::Range;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Record};

use super::json::{write_debug, write_f64, write_int, write_string};
use super::style::span_key;

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
