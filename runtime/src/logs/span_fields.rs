//! A span's fields as log lines carry them: formatted once, when recorded, as `"key":value`
//! JSON, and copied into the line of every event inside the span. Span fields named `otel.*`
//! (directives for the trace exporter) are left out; reserved keys are renamed as in event lines.

use std::ops::Range;

use super::style::span_key;

/// A span's fields, formatted: `"key":value` entries and where each sits in `json`.
#[derive(Clone, Default)]
pub(crate) struct SpanFields {
    json: Vec<u8>,
    entries: Vec<(&'static str, Range<usize>)>,
}

impl SpanFields {
    /// Empties the fields, keeping their memory.
    pub(crate) fn clear(&mut self) {
        self.json.clear();
        self.entries.clear();
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
