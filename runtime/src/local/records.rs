//! What the application's threads record, in a buffer of their own: a compact record per span
//! start, field update, link, event and span end — static metadata by reference, the time as a
//! raw TSC reading ([`Tick`]), field values copied (numbers as they are, strings copied, only
//! `Debug` values formatted on the spot), spans by their ids. No line is laid out and no span
//! record built on the application's thread: that is the collector thread's
//! (`pipeline::Collector`).

use std::fmt::{self, Write as _};
use std::ops::Range;

use tracing::field::{Field, Visit};
use tracing::{Event, Metadata};

use crate::call_path::{CallMetrics, Ending, StillRunning};
use crate::tick::Tick;
use crate::trace::{SpanId, SpanIds, TraceState};

/// What happened.
pub(crate) enum Entry {
    /// A span started.
    Start {
        at: Tick,
        metadata: &'static Metadata<'static>,
        ids: SpanIds,
        trace_state: TraceState,
        /// Whether the span is captured for the sinks (sampled, and enabled by the trace filter).
        captured: bool,
        /// Set when it is an observed call's span: the collector thread derives the call's
        /// `NAME.start` line (and, under tripod's subscriber, its `NAME.success`).
        call: Option<CallStart>,
        fields: Range<u32>,
    },
    /// `Span::record` gave a span fields.
    Record {
        at: Tick,
        span: SpanId,
        fields: Range<u32>,
    },
    /// A span follows from another (`Span::follows_from`).
    Link {
        at: Tick,
        span: SpanId,
        to: SpanIds,
        trace_state: TraceState,
    },
    /// An event.
    Event {
        at: Tick,
        metadata: &'static Metadata<'static>,
        /// The span it happened in.
        span: Option<SpanId>,
        /// Whether it is logged, and whether it is added to its span's record.
        logged: bool,
        traced: bool,
        message: Range<u32>,
        fields: Range<u32>,
    },
    /// A span ended (its last handle dropped); `ending` when an observed call's did as the call
    /// returned, under tripod's subscriber.
    End {
        at: Tick,
        span: SpanId,
        ending: Option<Ending>,
    },
    /// An observed call under tripod's subscriber returned while another handle keeps its span
    /// open: the call's end, as its span's close would have told it.
    CallEnded {
        at: Tick,
        span: SpanId,
        ending: Ending,
    },
}

/// What an observed call's span start says of the call.
#[derive(Clone, Copy)]
pub(crate) struct CallStart {
    /// Whether the log directives let its `NAME.start` and `NAME.success` lines through (they
    /// have the span's target and level).
    pub(crate) logged: bool,
    /// Its site's metrics, when the collector thread records them.
    pub(crate) metrics: Option<&'static dyn CallMetrics>,
    /// When it is reported while it still runs.
    pub(crate) still_running: StillRunning,
}

impl Entry {
    /// When it happened: the collector thread merges threads' records by time.
    pub(crate) fn at(&self) -> Tick {
        match self {
            Entry::Start { at, .. }
            | Entry::Record { at, .. }
            | Entry::Link { at, .. }
            | Entry::Event { at, .. }
            | Entry::End { at, .. }
            | Entry::CallEnded { at, .. } => *at,
        }
    }
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

/// One thread's records, in the order they happened.
#[derive(Default)]
pub(crate) struct Records {
    pub(crate) entries: Vec<Entry>,
    pub(crate) values: Vec<(&'static str, Value)>,
    pub(crate) text: String,
}

/// The memory one entry and one value take, for [`Records::bytes`].
const ENTRY_BYTES: usize = std::mem::size_of::<Entry>();
const VALUE_BYTES: usize = std::mem::size_of::<(&'static str, Value)>();

impl Records {
    /// Records a span's start, with the fields `record` gives.
    pub(crate) fn start(
        &mut self,
        metadata: &'static Metadata<'static>,
        ids: SpanIds,
        trace_state: TraceState,
        captured: bool,
        call: Option<CallStart>,
        record: impl FnOnce(&mut dyn Visit),
    ) {
        let at = Tick::lent_or_now();
        let fields = self.copy(false, record).1;
        self.entries.push(Entry::Start {
            at,
            metadata,
            ids,
            trace_state,
            captured,
            call,
            fields,
        });
    }

    /// Records fields given to `Span::record`.
    pub(crate) fn record(&mut self, span: SpanId, record: impl FnOnce(&mut dyn Visit)) {
        let at = Tick::lent_or_now();
        let fields = self.copy(false, record).1;
        self.entries.push(Entry::Record { at, span, fields });
    }

    pub(crate) fn link(&mut self, span: SpanId, to: SpanIds, trace_state: TraceState) {
        self.entries.push(Entry::Link {
            at: Tick::lent_or_now(),
            span,
            to,
            trace_state,
        });
    }

    /// Records `event`, which happened in `span`.
    pub(crate) fn event(
        &mut self,
        event: &Event<'_>,
        span: Option<SpanId>,
        logged: bool,
        traced: bool,
    ) {
        self.event_of(event.metadata(), span, logged, traced, |visitor| {
            event.record(visitor)
        });
    }

    /// Records an event of the callsite `metadata` whose fields `record` visits, which happened
    /// in `span`: an event dispatched, or an observed call's end event recorded without dispatch.
    pub(crate) fn event_of(
        &mut self,
        metadata: &'static Metadata<'static>,
        span: Option<SpanId>,
        logged: bool,
        traced: bool,
        record: impl FnOnce(&mut dyn Visit),
    ) {
        let at = Tick::lent_or_now();
        let (message, fields) = self.copy(true, record);
        self.entries.push(Entry::Event {
            at,
            metadata,
            span,
            logged,
            traced,
            message,
            fields,
        });
    }

    /// Records the end of `span`; `ending` when it is an observed call's that ended as the call
    /// returned.
    pub(crate) fn end(&mut self, span: SpanId, ending: Option<Ending>) {
        self.entries.push(Entry::End {
            at: Tick::lent_or_now(),
            span,
            ending,
        });
    }

    /// Records that the observed call of `span` ended (its span stays open).
    pub(crate) fn call_ended(&mut self, span: SpanId, ending: Ending) {
        self.entries.push(Entry::CallEnded {
            at: Tick::lent_or_now(),
            span,
            ending,
        });
    }

    /// Copies the fields `record` visits: the message's text (set `apart`, as an event's is),
    /// and the other fields' range.
    fn copy(
        &mut self,
        apart: bool,
        record: impl FnOnce(&mut dyn Visit),
    ) -> (Range<u32>, Range<u32>) {
        let first = self.values.len() as u32;
        let mut copier = Copier {
            records: self,
            apart,
            message: 0..0,
        };
        record(&mut copier);
        let message = copier.message;
        (message, first..self.values.len() as u32)
    }

    /// How much memory the records hold, roughly.
    pub(crate) fn bytes(&self) -> usize {
        self.entries.len() * ENTRY_BYTES + self.values.len() * VALUE_BYTES + self.text.len()
    }

    /// How much memory the buffer has reserved.
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.entries.capacity() * ENTRY_BYTES
            + self.values.capacity() * VALUE_BYTES
            + self.text.capacity()
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

    /// The fields in `range`.
    pub(crate) fn values(&self, range: &Range<u32>) -> &[(&'static str, Value)] {
        self.values
            .get(range.start as usize..range.end as usize)
            .unwrap_or_default()
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

/// Copies fields into the records.
struct Copier<'a> {
    records: &'a mut Records,
    /// Whether the `message` field is kept apart.
    apart: bool,
    message: Range<u32>,
}

impl Copier<'_> {
    fn value(&mut self, field: &Field, value: Value) {
        self.records.values.push((field.name(), value));
    }

    fn text(&mut self, field: &Field, write: impl FnOnce(&mut String)) {
        let range = self.records.push_text(write);
        if self.apart && field.name() == "message" {
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
