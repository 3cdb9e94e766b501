//! A span as the collector thread records it: compact, every string copied into one buffer, keys
//! borrowed from the callsites, bounded by the span limits. Sinks take it when the span closes:
//! the OTLP export thread encodes it straight into a request body, the trace viewer keeps it in
//! its store.
// Only those two sinks read a record: without either, none is made (nothing captures).
#![cfg_attr(not(any(feature = "otlp", feature = "viewer")), allow(dead_code))]

use std::ops::Range;
use std::time::SystemTime;

use super::SpanLimits;
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
pub(crate) enum Text {
    Static(&'static str),
    Buffer(Range<usize>),
}

/// An attribute value, typed as the field was recorded.
#[derive(Clone, Debug)]
pub(crate) enum AttrValue {
    I64(i64),
    F64(f64),
    Bool(bool),
    Text(Text),
}

/// Whose attribute it is: the span's, or the n-th event's.
pub(crate) const SPAN: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub(crate) struct Attribute {
    pub(crate) owner: u32,
    pub(crate) key: &'static str,
    pub(crate) value: AttrValue,
}

#[derive(Clone, Debug)]
pub(crate) struct EventRecord {
    pub(crate) name: Text,
    pub(crate) time: SystemTime,
    /// Attributes kept, and dropped past the limit.
    attributes: u32,
    pub(crate) dropped_attributes: u32,
}

/// A span's status as recorded: `otel.status_code` and `otel.status_description`.
#[derive(Clone, Debug)]
pub(crate) enum StatusRecord {
    Unset,
    Ok,
    Error(Option<Text>),
}

/// A link to another span's context (exported; the viewer does not show links).
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(crate) struct LinkRecord {
    pub(crate) ids: SpanIds,
    pub(crate) trace_state: crate::trace::TraceState,
}

/// One span, recorded while it runs and queued when it closes.
#[derive(Clone, Debug)]
pub(crate) struct SpanRecord {
    pub(crate) ids: SpanIds,
    /// The trace's vendor entries (`tracestate`), exported as the span's `trace_state`.
    pub(crate) trace_state: crate::trace::TraceState,
    pub(crate) name: Text,
    pub(crate) kind: SpanKind,
    pub(crate) start: SystemTime,
    pub(crate) end: SystemTime,
    pub(crate) status: StatusRecord,
    text: String,
    /// Bytes of `text` no value points at any more (replaced values), reclaimed by compaction.
    garbage: usize,
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) events: Vec<EventRecord>,
    /// Spans this one follows from (`Span::follows_from`), within the link limit.
    pub(crate) links: Vec<LinkRecord>,
    pub(crate) dropped_links: u32,
    limits: SpanLimits,
    /// Span attributes kept, and dropped past the limit.
    span_attributes: u32,
    pub(crate) dropped_attributes: u32,
    pub(crate) dropped_events: u32,
}

impl SpanRecord {
    /// A span named `name` starting now, with room for `fields` attributes, bounded by `limits`.
    #[cfg(test)]
    pub(crate) fn new(
        ids: SpanIds,
        name: &'static str,
        fields: usize,
        limits: SpanLimits,
    ) -> SpanRecord {
        SpanRecord::started_at(ids, name, fields, limits, crate::clock::now())
    }

    /// A span named `name` that started at `now`.
    pub(crate) fn started_at(
        ids: SpanIds,
        name: &'static str,
        fields: usize,
        limits: SpanLimits,
        now: SystemTime,
    ) -> SpanRecord {
        SpanRecord {
            text: String::with_capacity(128),
            // The span's fields, and the attributes of its usual events.
            attributes: Vec::with_capacity(fields + 4),
            ..SpanRecord::empty(ids, name, limits, now)
        }
    }

    /// Makes this record (a finished span's, handed back by the sinks) the record of a span
    /// named `name` that started at `now`, as [`started_at`](SpanRecord::started_at) makes one,
    /// keeping the memory its text, attributes and events had.
    pub(crate) fn restart(
        &mut self,
        ids: SpanIds,
        name: &'static str,
        fields: usize,
        limits: SpanLimits,
        now: SystemTime,
    ) {
        // Field by field, in place (a record is 300 bytes: building a new one and moving it
        // in showed in the collector thread's profile); every field named, so that a field
        // added later must be reset here too.
        let SpanRecord {
            ids: old_ids,
            trace_state,
            name: old_name,
            kind,
            start,
            end,
            status,
            text,
            garbage,
            attributes,
            events,
            links,
            dropped_links,
            limits: old_limits,
            span_attributes,
            dropped_attributes,
            dropped_events,
        } = self;
        *old_ids = ids;
        *trace_state = crate::trace::TraceState::default();
        *old_name = Text::Static(name);
        *kind = SpanKind::Internal;
        (*start, *end) = (now, now);
        *status = StatusRecord::Unset;
        text.clear();
        *garbage = 0;
        attributes.clear();
        attributes.reserve(fields + 4);
        events.clear();
        links.clear();
        *old_limits = limits;
        (
            *dropped_links,
            *span_attributes,
            *dropped_attributes,
            *dropped_events,
        ) = (0, 0, 0, 0);
    }

    /// A record with no memory of its own yet.
    fn empty(ids: SpanIds, name: &'static str, limits: SpanLimits, now: SystemTime) -> SpanRecord {
        SpanRecord {
            ids,
            trace_state: crate::trace::TraceState::default(),
            name: Text::Static(name),
            kind: SpanKind::Internal,
            start: now,
            end: now,
            status: StatusRecord::Unset,
            text: String::new(),
            garbage: 0,
            attributes: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            dropped_links: 0,
            limits,
            span_attributes: 0,
            dropped_attributes: 0,
            dropped_events: 0,
        }
    }

    /// The heap memory the record holds, in bytes: bounded by the span limits whatever the
    /// span records.
    #[cfg_attr(not(any(test, feature = "viewer", feature = "otlp")), allow(dead_code))]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.attributes.capacity() * std::mem::size_of::<Attribute>()
            + self.events.capacity() * std::mem::size_of::<EventRecord>()
            + self.links.capacity() * std::mem::size_of::<LinkRecord>()
    }

    /// Marks the span ended now (never before it started).
    #[cfg(test)]
    pub(crate) fn end(&mut self) {
        self.end_at(crate::clock::now());
    }

    /// Marks the span ended at `end` (never before it started).
    pub(crate) fn end_at(&mut self, end: SystemTime) {
        self.end = end.max(self.start);
    }

    fn push_text(&mut self, value: &str) -> Text {
        let start = self.text.len();
        self.text.push_str(value);
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

    /// The text a [`Text`] stands for.
    pub(crate) fn text(&self, text: &Text) -> &str {
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

    /// Links the span to another it follows from (beyond the link limit, counts it dropped).
    pub(crate) fn link(&mut self, to: SpanIds, trace_state: &crate::trace::TraceState) {
        if self.links.len() as u32 >= self.limits.links {
            self.dropped_links += 1;
            return;
        }
        self.links.push(LinkRecord {
            ids: to,
            trace_state: trace_state.clone(),
        });
    }

    /// Adds an event that happened now; `fill` records its name and attributes.
    #[cfg(all(test, feature = "otlp"))]
    pub(crate) fn event(
        &mut self,
        default_name: &'static str,
        fill: impl FnOnce(&mut EventWriter<'_>),
    ) {
        self.event_at(crate::clock::now(), default_name, fill);
    }

    /// Adds an event that happened at `time`.
    pub(crate) fn event_at(
        &mut self,
        time: SystemTime,
        default_name: &'static str,
        fill: impl FnOnce(&mut EventWriter<'_>),
    ) {
        if self.events.len() as u32 >= self.limits.events {
            self.dropped_events += 1;
            return;
        }
        let owner = self.events.len() as u32;
        self.events.push(EventRecord {
            name: Text::Static(default_name),
            time,
            attributes: 0,
            dropped_attributes: 0,
        });
        fill(&mut EventWriter {
            record: self,
            owner,
        });
    }
}

impl FieldWriter for SpanRecord {
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
        }
    }
}

/// A field's value as it was recorded (on the span, or in an event's line and log record).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum FieldValue<'a> {
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Str(&'a str),
}

/// Takes a span's or an event's fields.
pub(crate) trait FieldWriter {
    /// Takes the field `key`.
    fn field(&mut self, key: &'static str, value: FieldValue<'_>);
}

/// Records one event's name (its `message`) and attributes (its other fields).
pub(crate) struct EventWriter<'a> {
    record: &'a mut SpanRecord,
    owner: u32,
}

impl FieldWriter for EventWriter<'_> {
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
