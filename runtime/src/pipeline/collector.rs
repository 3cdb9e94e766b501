//! What the collector thread does: turns what the application's threads recorded into log
//! events for the log sinks ([`LogSink`]: lines, OTLP log records) and span records for the span
//! sinks (the export queue, the viewer's store), and sqlx's statement events into database spans
//! and `db_client_operation_duration_seconds`. It keeps each live span's fields, as each log sink
//! encodes them (for the events inside it), and, for a captured span, its record; when the span
//! ends, the record goes to the span sinks. Records arrive merged by time across threads
//! ([`crate::local::ThreadBuffers`]), so a span's start is always seen before its fields,
//! events and end.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::calls;
use super::live::{Live, Spans};
use super::repeated::{RepeatedLines, Suppressed};
use super::unfinished::{Report, ReportValue, Unfinished};
use crate::call_path::Ending;
use crate::capture::FieldWriter as _;
use crate::clock::WallClock;
use crate::database::{DatabaseEvent, DatabaseField, DatabaseSpans, Statement};
use crate::local::{CallStart, Entry, Records, Value};
use crate::sink::{FieldValue, LogEvent, LogSink, SpanFields};
use crate::tick::Tick;
use crate::trace::{SpanId, SpanIds};

/// Ended spans handed to the sinks at a time.
const HAND_SPANS: usize = 256;
/// Emptied span fields kept for reuse, at most.
const FREE_FIELDS: usize = 1024;

/// What sqlx's events become: database spans (when spans are captured) and the statements'
/// duration metric (when there is a recorder).
pub(crate) struct Databases {
    pub(crate) spans: DatabaseSpans,
    pub(crate) recorder: Option<std::sync::Arc<dyn metrics::Recorder + Send + Sync>>,
}

/// The metadata statements' durations are recorded with.
static DATABASE_METRIC: metrics::Metadata<'static> =
    metrics::Metadata::new("tripod", metrics::Level::INFO, Some(module_path!()));

/// The collector thread's state.
pub(crate) struct Collector {
    /// Where log events go (none when no line is written and no record exported).
    log_sinks: Vec<Box<dyn LogSink>>,
    capture: Option<crate::capture::Capture>,
    /// What sqlx's events become, when database spans are on.
    database: Option<Databases>,
    clock: WallClock,
    spans: Spans,
    /// What is told of the spans that have not ended.
    unfinished: Unfinished,
    /// Lines a second per callsite, and those held back.
    repeated: RepeatedLines,
    /// The spans of unsampled traces waiting for their local root, when a tail rule is on.
    tail: Option<super::tail::Tail>,
    /// The summaries of held-back lines to write at the end of this collection.
    suppressed: Vec<Suppressed>,
    /// Span ends of this batch, applied once all its other records are: a span can end on
    /// another thread than the one still inside it (sqlx's SQLite worker logs a statement, then
    /// lets go of its span's handle, while the calling task lets go of its own), and two threads'
    /// clocks can disagree by more than the time between the two, so its end can sort before
    /// the events inside it, or before its start. The ending, when it was not applied in order.
    ends: Vec<(SpanId, Tick, Option<Ending>)>,
    /// Fields of ended spans, emptied, for the next spans.
    free_fields: Vec<Vec<SpanFields>>,
    /// Records of ended spans the sinks handed back, for the next captured spans.
    spares: crate::capture::Spares,
    /// Spans ended in this collection, handed to the sinks at its end.
    ended: Vec<std::sync::Arc<crate::capture::SpanRecord>>,
}

impl Collector {
    /// A collector handing log events to `log_sinks` and span records to `capture`'s sinks,
    /// telling of unfinished spans as `unfinished` says.
    pub(crate) fn new(
        log_sinks: Vec<Box<dyn LogSink>>,
        capture: Option<crate::capture::Capture>,
        database: Option<Databases>,
        unfinished: Unfinished,
        repeated: RepeatedLines,
        tail: Option<super::tail::Tail>,
    ) -> Collector {
        Collector {
            log_sinks,
            database,
            capture,
            clock: WallClock::default(),
            spans: Spans::default(),
            unfinished,
            repeated,
            tail,
            suppressed: Vec::new(),
            ends: Vec::new(),
            free_fields: Vec::new(),
            spares: crate::capture::Spares::default(),
            ended: Vec::new(),
        }
    }

    /// Applies the records taken from every thread, merged by time (a thread's records stay in
    /// their order), then lets the sinks hand out what they made.
    pub(crate) fn collect(&mut self, taken: &[Records]) {
        self.clock.refresh();
        let now = self.clock.at(quanta::Instant::now());
        for sink in &mut self.log_sinks {
            sink.collecting(now);
        }
        let mut next: BinaryHeap<Reverse<(Tick, usize, usize)>> = taken
            .iter()
            .enumerate()
            .filter_map(|(thread, records)| {
                Some(Reverse((records.entries.first()?.at(), thread, 0)))
            })
            .collect();
        while let Some(Reverse((at, thread, index))) = next.pop() {
            let records = &taken[thread];
            self.apply(records, &records.entries[index]);
            if let Some(entry) = records.entries.get(index + 1) {
                // Never before the thread's previous entry, should its clock read lower.
                next.push(Reverse((entry.at().max(at), thread, index + 1)));
            }
        }
        // Ends of spans whose start was never recorded (dropped while the thread was inside
        // another record) find no span.
        let mut ends = std::mem::take(&mut self.ends);
        for (span, at, ending) in ends.drain(..) {
            self.end(span, at, ending);
        }
        self.ends = ends;
        for report in self.unfinished.scan(&mut self.spans, Tick::now()) {
            self.report(&report, now);
        }
        self.repeated.due(Some(now.as_secs()), &mut self.suppressed);
        self.summarise_suppressed(now);
        for sink in &mut self.log_sinks {
            sink.collected();
        }
        if let Some(capture) = &self.capture {
            capture.finish_all(&mut self.ended);
        }
    }

    fn apply(&mut self, records: &Records, entry: &Entry) {
        match entry {
            Entry::Start {
                at,
                metadata,
                ids,
                trace_state,
                captured,
                call,
                fields,
            } => {
                let values = records.values(fields);
                self.start(records, *at, metadata, ids, trace_state, *captured, values);
                if let Some(call) = call {
                    self.call_started(records, *at, metadata, ids.span_id, *call, values);
                }
            }
            Entry::Record { span, fields, .. } => {
                self.record(*span, records, records.values(fields));
            }
            Entry::Link {
                span,
                to,
                trace_state,
                ..
            } => {
                if let Some(record) = self.spans.get_mut(span).and_then(Live::record_mut) {
                    record.link(*to, trace_state);
                }
            }
            Entry::Event {
                at,
                metadata,
                span,
                logged,
                traced,
                message,
                fields,
            } => {
                let since_epoch = self.clock.at(at.instant());
                let values = records.values(fields);
                let message = records.text(message);
                self.event(
                    records,
                    metadata,
                    since_epoch,
                    message,
                    values,
                    *span,
                    (*logged, *traced),
                );
            }
            Entry::End { at, span, ending } => {
                // A call's ending (its success line) in order, when its span is known; the span
                // itself at the batch's end.
                let ending = match ending {
                    Some(ending) if self.spans.contains_key(span) => {
                        self.call_ended(*span, *at, *ending);
                        None
                    }
                    ending => *ending,
                };
                self.ends.push((*span, *at, ending));
            }
            Entry::CallEnded { at, span, ending } => self.call_ended(*span, *at, *ending),
        }
    }

    /// Fields recorded on the live span `span`: kept as each log sink encodes them, on its
    /// record when it is captured, and `return` kept for its call's success line.
    fn record(&mut self, span: SpanId, records: &Records, values: &[(&'static str, Value)]) {
        let Some(live) = self.spans.get_mut(&span) else {
            return;
        };
        for (key, value) in values {
            let value = own(records, value);
            set_field(
                &mut self.log_sinks,
                &mut live.fields,
                live.record.as_mut().and_then(std::sync::Arc::get_mut),
                key,
                value,
            );
            if let (Some(watched), FieldValue::Str(text)) = (&mut live.watched, value) {
                watched.field(key, text);
            }
            if let Some(call) = &mut live.call
                && *key == calls::RETURN
                && let FieldValue::Str(text) = value
            {
                call.ret = Some(text.to_owned());
            }
        }
    }

    /// An event: laid out by [`emit`](Collector::emit), and, for sqlx's, made a database span
    /// and a sample of its metric instead of an event of its span.
    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        records: &Records,
        metadata: &'static tracing::Metadata<'static>,
        since_epoch: std::time::Duration,
        message: &str,
        values: &[(&'static str, Value)],
        span: Option<SpanId>,
        (logged, traced): (bool, bool),
    ) {
        let fields = values
            .iter()
            .map(|(key, value)| (*key, own(records, value)));
        let database = traced
            .then(|| {
                self.database
                    .as_ref()
                    .and(DatabaseEvent::of(metadata.target()))
            })
            .flatten();
        self.emit(Emitted {
            callsite: Some(std::ptr::from_ref(metadata) as usize),
            origin: Origin::of(metadata),
            since_epoch,
            message,
            fields,
            span,
            logged,
            // sqlx's events become spans of their own, not events of their span's.
            traced: traced && database.is_none(),
        });
        if let Some(kind) = database {
            self.database_event(kind, records, values, span, since_epoch);
        }
    }

    /// A span's start: its fields kept for the lines and log records of the events inside it,
    /// and its record begun when it is captured.
    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        records: &Records,
        at: Tick,
        metadata: &'static tracing::Metadata<'static>,
        ids: &SpanIds,
        trace_state: &crate::trace::TraceState,
        captured: bool,
        values: &[(&'static str, Value)],
    ) {
        let mut span_fields = self.free_fields.pop().unwrap_or_default();
        span_fields.resize_with(self.log_sinks.len(), SpanFields::default);
        let mut record = match &self.capture {
            Some(capture) if captured => {
                let start = crate::clock::system_time_of(self.clock.at(at.instant()));
                let reused = self.spares.take(&crate::capture::SPARE);
                Some(capture.begin(reused, *ids, trace_state, metadata, start))
            }
            _ => None,
        };
        for (key, value) in values {
            set_field(
                &mut self.log_sinks,
                &mut span_fields,
                record.as_mut().and_then(std::sync::Arc::get_mut),
                key,
                own(records, value),
            );
        }
        let mut watched = self.unfinished.request(metadata);
        if let Some(watched) = &mut watched {
            for (key, value) in values {
                if let FieldValue::Str(text) = own(records, value) {
                    watched.field(key, text);
                }
            }
        }
        self.spans.insert(
            ids.span_id,
            Live {
                ids: *ids,
                name: metadata.name(),
                fields: span_fields,
                record,
                started: at,
                call: None,
                watched,
            },
        );
    }

    /// An observed call's span started: its `NAME.start` line, log record and span event,
    /// derived from the span's own start (the user's fields as the event's own, the function's
    /// name after them, as the span's).
    fn call_started(
        &mut self,
        records: &Records,
        at: Tick,
        metadata: &'static tracing::Metadata<'static>,
        span: SpanId,
        call: CallStart,
        values: &[(&'static str, Value)],
    ) {
        let messages = calls::messages(metadata);
        let Some(live) = self.spans.get_mut(&span) else {
            return;
        };
        live.watched = Some(self.unfinished.call(
            metadata.name(),
            metadata.target(),
            call.still_running,
        ));
        live.call = Some(calls::Call {
            metadata,
            logged: call.logged,
            messages,
            ret: None,
            ended: None,
            metrics: call.metrics.map(|metrics| (metrics, metrics.started())),
        });
        self.emit(Emitted {
            // A derived line's callsite: its message, made once per site and kind.
            callsite: Some(messages.start.as_ptr() as usize),
            origin: Origin::of(metadata),
            since_epoch: self.clock.at(at.instant()),
            message: messages.start,
            fields: values
                .iter()
                .filter(|(key, _)| *key != calls::FUNCTION)
                .map(|(key, value)| (*key, own(records, value))),
            span: Some(span),
            logged: call.logged,
            traced: true,
        });
    }

    /// An observed call under tripod's subscriber ended at `at`, as `ending` says: its
    /// `NAME.success` line derived (the span's level and target, `duration_ms` from the span's
    /// start, `return` as the span recorded it), and its span's record to end then.
    fn call_ended(&mut self, span: SpanId, at: Tick, ending: Ending) {
        let Some(live) = self.spans.get_mut(&span) else {
            return;
        };
        let Some(call) = live.call.as_mut() else {
            return;
        };
        call.ended = Some(at);
        let metadata = call.metadata;
        let elapsed = at.since(live.started);
        if let Some((metrics, started)) = call.metrics.take() {
            // Its samples' exemplar is the call's own span, as on the calling thread.
            crate::trace::standing_in(Some(live.ids), || {
                metrics.ended(ending, elapsed.as_secs_f64(), started)
            });
        }
        if ending != Ending::Success {
            return;
        }
        let millis = elapsed.as_nanos() as f64 / 1e6;
        let (messages, logged) = (call.messages, call.logged);
        let ret = call.ret.take();
        self.emit(Emitted {
            callsite: Some(messages.success.as_ptr() as usize),
            origin: Origin::of(metadata),
            since_epoch: self.clock.at(at.instant()),
            message: messages.success,
            fields: std::iter::once((calls::DURATION, FieldValue::F64(millis))).chain(
                ret.as_deref()
                    .map(|ret| (calls::RETURN, FieldValue::Str(ret))),
            ),
            span: Some(span),
            logged,
            traced: true,
        });
    }

    /// One event, dispatched or derived: to every log sink when it is logged, and, when it is
    /// traced and its span captured, an event of the span's record.
    fn emit<'a>(
        &mut self,
        event: Emitted<'a, impl Iterator<Item = (&'static str, FieldValue<'a>)> + Clone>,
    ) {
        let origin = event.origin;
        if event.logged
            && !self.log_sinks.is_empty()
            && event.callsite.is_none_or(|callsite| {
                self.repeated.admit(
                    callsite,
                    event.since_epoch.as_secs(),
                    event.message,
                    &mut self.suppressed,
                )
            })
        {
            let innermost = event.span.and_then(|span| self.spans.get(&span));
            let logged = LogEvent {
                level: origin.level,
                target: origin.target,
                since_epoch: event.since_epoch,
                message: event.message,
                ids: innermost.map(|live| live.ids),
            };
            let spans =
                std::iter::successors(innermost, |live| self.spans.get(&live.local_parent()?));
            for (index, sink) in self.log_sinks.iter_mut().enumerate() {
                sink.event(
                    &logged,
                    &mut event.fields.clone(),
                    &mut spans.clone().map(|live| &live.fields[index]),
                );
            }
        }
        if event.traced
            && let Some(record) = event
                .span
                .and_then(|span| self.spans.get_mut(&span))
                .and_then(Live::record_mut)
        {
            let time = crate::clock::system_time_of(event.since_epoch);
            record.event_at(time, origin.name, |written| {
                if !event.message.is_empty() {
                    written.field("message", FieldValue::Str(event.message));
                }
                for (key, value) in event.fields {
                    written.field(key, value);
                }
            });
        }
    }

    /// Writes the summaries of the lines held back in seconds that are over.
    fn summarise_suppressed(&mut self, now: std::time::Duration) {
        let mut suppressed = std::mem::take(&mut self.suppressed);
        for held in suppressed.drain(..) {
            let report = Report {
                span: None,
                level: &tracing::Level::WARN,
                target: "tripod",
                message: super::repeated::SUPPRESSED.to_owned(),
                fields: vec![
                    ("suppressed_event", ReportValue::Text(held.event)),
                    ("suppressed", ReportValue::U64(held.count)),
                ],
                logged: self.unfinished.logged("tripod"),
            };
            self.report(&report, now);
        }
        self.suppressed = suppressed;
    }

    /// Summarises every line held back so far, whether or not its second is over: at shutdown,
    /// once the last records are collected.
    pub(crate) fn summarise_all_suppressed(&mut self) {
        self.clock.refresh();
        let now = self.clock.at(quanta::Instant::now());
        self.repeated.due(None, &mut self.suppressed);
        for sink in &mut self.log_sinks {
            sink.collecting(now);
        }
        self.summarise_suppressed(now);
        for sink in &mut self.log_sinks {
            sink.collected();
        }
    }

    /// A line about unfinished spans ([`Unfinished`]), written at `now` (since the Unix epoch).
    fn report(&mut self, report: &Report, now: std::time::Duration) {
        self.emit(Emitted {
            origin: Origin {
                level: report.level,
                target: report.target,
                name: "",
            },
            since_epoch: now,
            message: &report.message,
            fields: report.fields.iter().map(|(key, value)| {
                let value = match value {
                    ReportValue::U64(value) => FieldValue::U64(*value),
                    ReportValue::Str(text) => FieldValue::Str(text),
                    ReportValue::Text(text) => FieldValue::Str(text),
                };
                (*key, value)
            }),
            span: report.span,
            logged: report.logged,
            callsite: None,
            traced: false,
        });
    }

    /// A copy of each captured span that still runs, ended now, as far as it got (the viewer's
    /// unfinished traces).
    #[cfg_attr(not(feature = "viewer"), allow(dead_code))]
    pub(crate) fn open_records(&self) -> Vec<crate::capture::SpanRecord> {
        let now = crate::clock::system_time_of(self.clock.at(quanta::Instant::now()));
        self.spans
            .values()
            .filter(|live| live.running())
            .filter_map(|live| {
                let mut record = crate::capture::SpanRecord::clone(live.record.as_deref()?);
                record.end_at(now.max(record.start));
                Some(record)
            })
            .collect()
    }

    /// One of sqlx's events, which happened in `span` at `since_epoch`: a statement's duration
    /// in the metric, and, when `span` is captured, the statement's or the wait's span.
    fn database_event(
        &mut self,
        kind: DatabaseEvent,
        records: &Records,
        values: &[(&'static str, Value)],
        span: Option<SpanId>,
        since_epoch: std::time::Duration,
    ) {
        let Some(database) = &self.database else {
            return;
        };
        let fields = || {
            values
                .iter()
                .map(|(key, value)| (*key, database_field(records, value)))
        };
        let statement = match kind {
            DatabaseEvent::Statement => Statement::from_fields(fields()),
            DatabaseEvent::Acquire => None,
        };
        if let (Some(statement), Some(recorder)) = (&statement, &database.recorder) {
            record_duration(recorder.as_ref(), statement, &database.spans);
        }
        {
            let Some((parent, capture)) = span
                .and_then(|span| self.spans.get(&span))
                .and_then(|live| live.record.as_deref())
                .zip(self.capture.as_ref())
            else {
                return;
            };
            let end = crate::clock::system_time_of(since_epoch);
            let limits = capture.limits();
            let made = match (kind, statement) {
                (DatabaseEvent::Statement, statement) => {
                    statement.map(|statement| statement.span(&database.spans, parent, end, limits))
                }
                (DatabaseEvent::Acquire, _) => {
                    crate::database::acquire_wait(fields()).map(|waited| {
                        crate::database::acquire_span(&database.spans, parent, end, waited, limits)
                    })
                }
            };
            if let Some(made) = made {
                match &mut self.tail {
                    // A statement of a trace the head sampler did not sample waits with it.
                    Some(tail) if !made.ids.sampled => {
                        let made = std::sync::Arc::new(made);
                        tail.ended(made, false, since_epoch.as_secs(), &mut self.ended);
                    }
                    _ => self.ended.push(std::sync::Arc::new(made)),
                }
            }
        }
    }

    /// Ends the live span `span` (its record at its call's end, when it is an observed call's
    /// that ended earlier), when there is one.
    fn end(&mut self, span: SpanId, at: Tick, ending: Option<Ending>) {
        if let Some(ending) = ending {
            self.call_ended(span, at, ending);
        }
        let Some(mut live) = self.spans.remove(&span) else {
            return;
        };
        if self.free_fields.len() < FREE_FIELDS {
            live.fields.iter_mut().for_each(SpanFields::clear);
            self.free_fields.push(live.fields);
        }
        if let Some(mut record) = live.record {
            let end = live.call.and_then(|call| call.ended).unwrap_or(at);
            if let Some(record) = std::sync::Arc::get_mut(&mut record) {
                record.end_at(record.start + end.since(live.started));
            }
            match &mut self.tail {
                // A trace the head sampler did not sample waits for its local root.
                Some(tail) if !record.ids.sampled => {
                    let root = live.ids.parent.is_none() || live.ids.parent_is_remote;
                    // The second the span's exported end falls in, which a backend shows.
                    let second = record
                        .end
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |since| since.as_secs());
                    tail.ended(record, root, second, &mut self.ended);
                }
                _ => self.ended.push(record),
            }
            if self.ended.len() >= HAND_SPANS
                && let Some(capture) = &self.capture
            {
                capture.finish_all(&mut self.ended);
            }
        }
    }
}

/// A statement's duration in `db_client_operation_duration_seconds`.
fn record_duration(recorder: &dyn metrics::Recorder, statement: &Statement, spans: &DatabaseSpans) {
    let labels: Vec<metrics::Label> = statement
        .metric_labels(spans)
        .into_iter()
        .map(|(key, value)| metrics::Label::new(key, value))
        .collect();
    let key = metrics::Key::from_parts(crate::metric_names::DB_CLIENT_OPERATION_DURATION, labels);
    recorder
        .register_histogram(&key, &DATABASE_METRIC)
        .record(statement.elapsed.as_secs_f64());
}

fn database_field<'a>(records: &'a Records, value: &Value) -> DatabaseField<'a> {
    match value {
        Value::I64(value) => DatabaseField::I64(*value),
        Value::U64(value) => DatabaseField::U64(*value),
        Value::F64(value) => DatabaseField::F64(*value),
        Value::Bool(_) => DatabaseField::Other,
        Value::Text(range) => DatabaseField::Str(records.text(range)),
    }
}

fn own<'a>(records: &'a Records, value: &Value) -> FieldValue<'a> {
    match value {
        Value::I64(value) => FieldValue::I64(*value),
        Value::U64(value) => FieldValue::U64(*value),
        Value::F64(value) => FieldValue::F64(*value),
        Value::Bool(value) => FieldValue::Bool(*value),
        Value::Text(range) => FieldValue::Str(records.text(range)),
    }
}

/// Sets a span's field `key` in each log sink's encoding of its fields, and on its `record`
/// when it has one. The baggage entries a server span recorded ([`crate::trace::RECORDED_FIELD`])
/// become fields of their own, named as `TRIPOD_BAGGAGE_FIELDS` names them.
fn set_field(
    sinks: &mut [Box<dyn LogSink>],
    fields: &mut [SpanFields],
    record: Option<&mut crate::capture::SpanRecord>,
    key: &'static str,
    value: FieldValue<'_>,
) {
    if key == crate::trace::RECORDED_FIELD
        && let FieldValue::Str(text) = value
    {
        let entries = crate::trace::recorded_fields(text);
        let mut record = record;
        for (key, text) in &entries {
            set_field(
                sinks,
                fields,
                record.as_deref_mut(),
                key,
                FieldValue::Str(text),
            );
        }
        return;
    }
    for (sink, fields) in sinks.iter_mut().zip(fields) {
        fields.set(key, |encoded| sink.encode_span_field(encoded, key, value));
    }
    if let Some(record) = record {
        record.field(key, value);
    }
}

/// Where an event comes from: its level and target, and the name its span event takes.
#[derive(Clone, Copy)]
struct Origin {
    level: &'static tracing::Level,
    target: &'static str,
    name: &'static str,
}

impl Origin {
    /// An event of the callsite `metadata` (or derived from its span's).
    fn of(metadata: &'static tracing::Metadata<'static>) -> Origin {
        Origin {
            level: metadata.level(),
            target: metadata.target(),
            name: metadata.name(),
        }
    }
}

/// One event as [`Collector::emit`] lays it out.
struct Emitted<'a, F> {
    origin: Origin,
    since_epoch: std::time::Duration,
    message: &'a str,
    /// Its own fields.
    fields: F,
    /// The span it happened in.
    span: Option<SpanId>,
    logged: bool,
    traced: bool,
    /// Its callsite, for the limit on repeated lines (none for tripod's own reports).
    callsite: Option<usize>,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::testing::{Written, call_metadata, collector, ids};
    use super::*;
    use crate::trace::TraceState;

    /// A callsite's metadata, as `tracing` hands it to subscribers.
    fn metadata() -> &'static tracing::Metadata<'static> {
        let registry = tracing_subscriber::registry();
        tracing::subscriber::with_default(registry, || {
            tracing::info_span!("job")
                .metadata()
                .expect("an enabled span")
        })
    }

    /// Records the start of the captured span 1.
    fn start_span(records: &mut Records) {
        records.start(
            metadata(),
            ids(1),
            TraceState::default(),
            true,
            None,
            |_| {},
        );
    }

    #[test]
    fn a_span_collected_across_two_collections_lasts_exactly_the_time_between_its_readings() {
        let (mut collector, _, ended) = collector();
        let mut starting = Records::default();
        let started = crate::tick::Lent::now();
        start_span(&mut starting);
        let start = started.tick();
        drop(started);
        collector.collect(&[starting]);
        // Some time between the readings, so converting the end on its own would round apart.
        std::thread::sleep(Duration::from_millis(3));
        let mut ending = Records::default();
        let finished = crate::tick::Lent::now();
        ending.end(SpanId(1), None);
        let end = finished.tick();
        drop(finished);
        // The wall clock is read again for the second collection: the record's duration is
        // still its readings' difference, which its call's histogram got too.
        collector.collect(&[ending]);
        let ended = ended.0.lock().unwrap();
        assert_eq!(ended.len(), 1);
        let duration = ended[0].end.duration_since(ended[0].start).unwrap();
        assert_eq!(duration, end.since(start));
    }

    #[test]
    fn a_span_that_ends_on_a_thread_whose_clock_read_earlier_is_still_exported() {
        let (mut collector, _, ended) = collector();
        let mut ending = Records::default();
        ending.end(SpanId(1), None);
        std::thread::sleep(Duration::from_millis(1));
        let mut starting = Records::default();
        start_span(&mut starting);
        collector.collect(&[starting, ending]);
        let ended = ended.0.lock().unwrap();
        assert_eq!(ended.len(), 1, "the span is exported once");
        assert!(ended[0].end >= ended[0].start);
        assert!(collector.spans.is_empty(), "and is no longer live");
    }

    #[test]
    fn an_event_inside_a_span_whose_end_another_threads_clock_read_earlier_stays_in_the_span() {
        // sqlx's SQLite worker logs a failed statement inside the caller's span and lets go of
        // it while the caller lets go of its own handle: the caller's end can read an earlier
        // clock than the worker's event.
        let (mut collector, _, ended) = collector();
        let mut caller = Records::default();
        start_span(&mut caller);
        caller.end(SpanId(1), None);
        std::thread::sleep(Duration::from_millis(1));
        let mut worker = Records::default();
        let registry = tracing_subscriber::registry();
        tracing::subscriber::with_default(registry, || {
            let event = tracing::info_span!("statement").metadata().unwrap();
            worker.event_of(event, Some(SpanId(1)), false, true, |_| {});
        });
        collector.collect(&[caller, worker]);
        let ended = ended.0.lock().unwrap();
        assert_eq!(ended.len(), 1, "the span is exported once");
        let events: Vec<&str> = ended[0]
            .events
            .iter()
            .map(|event| ended[0].text(&event.name))
            .collect();
        assert_eq!(events, ["statement"], "with the event inside it");
        assert!(collector.spans.is_empty(), "and is no longer live");
    }

    #[test]
    fn records_of_two_threads_apply_in_time_order_whatever_order_the_batch_lists_them() {
        let (mut collector, _, _) = collector();
        let mut first = Records::default();
        start_span(&mut first);
        let mut second = Records::default();
        std::thread::sleep(Duration::from_millis(1));
        second.record(SpanId(1), |visitor| {
            let registry = tracing_subscriber::registry();
            tracing::subscriber::with_default(registry, || {
                let span = tracing::info_span!("fields", user.id = 42);
                let metadata = span.metadata().unwrap();
                let field = metadata.fields().field("user.id").unwrap();
                visitor.record_u64(&field, 42);
            });
        });
        collector.collect(&[second, first]);
        assert!(collector.spans.contains_key(&SpanId(1)));
        let live = &collector.spans[&SpanId(1)];
        let fields: Vec<_> = live.fields[0].entries().map(|(key, _)| key).collect();
        assert_eq!(fields, ["user.id"], "the record came after the start");
    }

    /// Records the start of a call span with its function's name and `user.id`, at the reading
    /// it returns.
    fn call_started(
        records: &mut Records,
        metadata: &'static tracing::Metadata<'static>,
    ) -> crate::tick::Tick {
        let started = crate::tick::Lent::now();
        records.start(
            metadata,
            ids(1),
            TraceState::default(),
            true,
            Some(super::super::testing::call_start(
                crate::call_path::StillRunning::Default,
            )),
            super::super::testing::call_fields(metadata),
        );
        started.tick()
    }

    /// The lines written so far, without their timestamps and ids.
    fn lines(written: &Written) -> Vec<String> {
        String::from_utf8(written.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|line| {
                let fields = line.split_once(",\"level\"").unwrap().1;
                fields.split_once(",\"trace_id\"").unwrap().0.to_owned()
            })
            .collect()
    }

    #[test]
    fn a_calls_start_and_success_lines_are_derived_from_its_span_with_the_events_layout() {
        let (mut collector, written, ended) = collector();
        let metadata = call_metadata();
        let mut records = Records::default();
        let start = call_started(&mut records, metadata);
        records.record(SpanId(1), |visitor| {
            visitor.record_str(&metadata.fields().field("return").unwrap(), "Ok(7)")
        });
        std::thread::sleep(Duration::from_millis(2));
        let finished = crate::tick::Lent::now();
        records.end(SpanId(1), Some(Ending::Success));
        let end = finished.tick();
        drop(finished);
        collector.collect(&[records]);
        let millis = end.since(start).as_nanos() as f64 / 1e6;
        let lines = lines(&written);
        assert_eq!(lines.len(), 2, "{lines:?}");
        // The user's fields as the start event's own, the function's name after them.
        assert_eq!(
            lines[0],
            r#":"info","event":"todo.create.start","user.id":42,"code.function.name":"app::create""#
        );
        let success = lines[1]
            .strip_prefix(r#":"info","event":"todo.create.success","duration_ms":"#)
            .expect(&lines[1]);
        let (duration, rest) = success.split_once(',').unwrap();
        assert_eq!(
            duration.parse::<f64>().unwrap(),
            millis,
            "the call's two readings apart"
        );
        assert_eq!(
            rest,
            r#""return":"Ok(7)","code.function.name":"app::create","user.id":42"#
        );
        let ended = ended.0.lock().unwrap();
        let events: Vec<&str> = ended[0]
            .events
            .iter()
            .map(|event| ended[0].text(&event.name))
            .collect();
        assert_eq!(
            events,
            ["todo.create.start", "todo.create.success"],
            "and its span's events"
        );
    }

    #[test]
    fn a_call_that_ends_while_its_span_stays_open_is_logged_then_and_its_span_ends_then() {
        let (mut collector, written, ended) = collector();
        let metadata = call_metadata();
        let mut records = Records::default();
        let start = call_started(&mut records, metadata);
        let returned = crate::tick::Lent::now();
        records.call_ended(SpanId(1), Ending::Success);
        let call_end = returned.tick();
        drop(returned);
        collector.collect(&[records]);
        assert_eq!(
            lines(&written).len(),
            2,
            "the success line, before the span ends"
        );
        assert!(ended.0.lock().unwrap().is_empty());
        std::thread::sleep(Duration::from_millis(3));
        let mut later = Records::default();
        later.end(SpanId(1), None);
        collector.collect(&[later]);
        assert_eq!(lines(&written).len(), 2, "no second success line");
        let ended = ended.0.lock().unwrap();
        let duration = ended[0].end.duration_since(ended[0].start).unwrap();
        assert_eq!(
            duration,
            call_end.since(start),
            "the span ends at the call's end"
        );
    }
}
