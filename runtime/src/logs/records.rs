//! Events as the application's threads record them for tripod's subscriber: a compact record per
//! event — its static metadata by reference, the time as a TSC reading, field values copied
//! (numbers as they are, strings copied, only `Debug` values formatted on the spot), the span
//! it happened in by reference — appended to the thread's buffer. Turning records into lines is
//! the background's ([`super::pipeline`]).

use std::fmt::{self, Write as _};
use std::ops::Range;
use std::sync::Arc;

use tracing::field::{Field, Visit};
use tracing::{Event, Metadata};

use super::SpanLog;

/// One event.
pub(crate) struct Entry {
    pub(crate) metadata: &'static Metadata<'static>,
    pub(crate) at: quanta::Instant,
    /// Its message, in [`Records::text`].
    pub(crate) message: Range<u32>,
    /// Its other fields, in [`Records::values`].
    pub(crate) fields: Range<u32>,
    /// The span it happened in.
    pub(crate) span: Option<Arc<SpanLog>>,
}

/// A field's value.
#[derive(Clone)]
pub(crate) enum Value {
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    /// A string (a `&str` copied, or a `Debug` value formatted), in [`Records::text`].
    Text(Range<u32>),
}

/// One thread's events, in the order they happened.
#[derive(Default)]
pub(crate) struct Records {
    pub(crate) entries: Vec<Entry>,
    pub(crate) values: Vec<(&'static str, Value)>,
    pub(crate) text: String,
}

/// The heap memory one entry and one value take, for [`Records::bytes`].
const ENTRY_BYTES: usize = std::mem::size_of::<Entry>();
const VALUE_BYTES: usize = std::mem::size_of::<(&'static str, Value)>();

impl Records {
    /// Records `event`, which happened in `span`.
    pub(crate) fn push(&mut self, event: &Event<'_>, span: Option<Arc<SpanLog>>) {
        let at = quanta::Instant::now();
        let first = self.values.len() as u32;
        let mut visitor = Copier {
            records: self,
            message: 0..0,
        };
        event.record(&mut visitor);
        let message = visitor.message;
        self.entries.push(Entry {
            metadata: event.metadata(),
            at,
            message,
            fields: first..self.values.len() as u32,
            span,
        });
    }

    /// How much memory the records hold, roughly.
    pub(crate) fn bytes(&self) -> usize {
        self.entries.len() * ENTRY_BYTES + self.values.len() * VALUE_BYTES + self.text.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Empties the buffer, keeping its memory for the next records.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.values.clear();
        self.text.clear();
    }

    /// A text value's string.
    pub(crate) fn text(&self, range: &Range<u32>) -> &str {
        self.text
            .get(range.start as usize..range.end as usize)
            .unwrap_or_default()
    }

    fn push_text(&mut self, write: impl FnOnce(&mut String)) -> Range<u32> {
        let start = self.text.len() as u32;
        write(&mut self.text);
        start..self.text.len() as u32
    }
}

/// Copies an event's fields into the records.
struct Copier<'a> {
    records: &'a mut Records,
    message: Range<u32>,
}

impl Copier<'_> {
    fn value(&mut self, field: &Field, value: Value) {
        self.records.values.push((field.name(), value));
    }

    fn text(&mut self, field: &Field, write: impl FnOnce(&mut String)) {
        let range = self.records.push_text(write);
        if field.name() == "message" {
            self.message = range;
        } else {
            self.value(field, Value::Text(range));
        }
    }
}

impl Visit for Copier<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.value(field, Value::F64(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.value(field, Value::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.value(field, Value::U64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.value(field, Value::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field, |text| text.push_str(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, |text| {
            let _ = write!(text, "{value:?}");
        });
    }
}
