//! Recent traces, kept in memory with no OpenTelemetry Collector or backend: a sink of captured
//! spans.
//!
//! The application's threads only append each finished span (shared, not copied) to a pending
//! list; a background tick (and every read) files them by trace, still as the captured records:
//! they are turned into what the pages show only when a page asks. The store is bounded by a
//! number of traces and of bytes (the oldest go first), and keeps aside, per operation, the
//! slowest and the most recent failed traces of the last minutes, so a rare error is still there
//! after a burst of successes.

use std::collections::{HashMap, VecDeque};
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::capture::{
    AttrValue, OpenSpans, SPAN, SpanKind, SpanRecord, SpanSink, StatusRecord, Text,
};
use crate::trace::SpanId;

/// The store's bounds. Defaults: 1,000 traces, 32 MiB, and per operation the 5 slowest and the
/// 5 latest failed traces of the last 15 minutes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoreLimits {
    pub(crate) traces: usize,
    pub(crate) bytes: usize,
    pub(crate) kept_per_operation: usize,
    pub(crate) keep_for: Duration,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            traces: 1000,
            bytes: 32 << 20,
            kept_per_operation: 5,
            keep_for: Duration::from_secs(15 * 60),
        }
    }
}

/// How long a trace has run before the list shows it unfinished: the list is not crowded with
/// requests a few milliseconds from their end.
pub(crate) const UNFINISHED_AFTER: Duration = Duration::from_millis(250);

/// Finished spans waiting to be stored; past this many, spans are dropped (and counted).
const MAX_PENDING: usize = 50_000;

/// One span as the viewer shows it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ViewSpan {
    pub(crate) span_id: String,
    pub(crate) parent_span_id: Option<String>,
    pub(crate) name: String,
    pub(crate) service: String,
    pub(crate) kind: &'static str,
    pub(crate) start_unix_nano: u64,
    pub(crate) duration_ns: u64,
    /// `unset`, `ok` or `error`.
    pub(crate) status: &'static str,
    pub(crate) status_message: Option<String>,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) events: Vec<ViewEvent>,
    /// Whether it still runs (its duration is then its age).
    pub(crate) running: bool,
}

/// A log event inside a span.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ViewEvent {
    pub(crate) time_unix_nano: u64,
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
}

/// A trace: its spans, as they arrived (those still open last).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ViewTrace {
    pub(crate) trace_id: String,
    /// Whether a span of it is still open.
    pub(crate) in_progress: bool,
    pub(crate) spans: Vec<ViewSpan>,
}

/// A line of the trace list.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TraceSummary {
    pub(crate) trace_id: String,
    /// The root span's name (the earliest span's, when the root has not arrived).
    pub(crate) operation: String,
    pub(crate) service: String,
    pub(crate) start_unix_nano: u64,
    pub(crate) duration_ns: u64,
    pub(crate) failed: bool,
    pub(crate) span_count: usize,
    /// Whether a span of it is still open: its duration is then its age.
    pub(crate) in_progress: bool,
    /// Where an unfinished trace is now: the name of its innermost open span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) current_span: Option<String>,
}

/// Which traces to list.
#[derive(Clone, Debug, Default)]
pub(crate) struct TraceFilter {
    pub(crate) operation: Option<String>,
    /// Traces with a span of this name (a call of an operation anywhere in them); the failure
    /// and duration filters then apply to that span.
    pub(crate) span: Option<String>,
    pub(crate) failed_only: bool,
    pub(crate) min_duration: Option<Duration>,
    /// A trace id, or the start of one.
    pub(crate) trace_id: Option<String>,
}

struct Trace {
    id: u128,
    records: Vec<Arc<SpanRecord>>,
    bytes: usize,
}

fn nanos(time: std::time::SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

/// The root of a trace's spans: the span whose parent is not among them.
fn root<R: Deref<Target = SpanRecord>>(records: &[R]) -> Option<&SpanRecord> {
    records
        .iter()
        .find(|record| {
            record
                .ids
                .parent
                .is_none_or(|parent| !records.iter().any(|other| other.ids.span_id == parent))
        })
        .map(|record| &**record)
}

/// A trace's start and duration, in nanoseconds: from its first span's start to its last
/// span's end (an open span's: now).
fn window<R: Deref<Target = SpanRecord>>(records: &[R]) -> (u64, u64) {
    let start = records
        .iter()
        .map(|record| nanos(record.start))
        .min()
        .unwrap_or(0);
    let end = records
        .iter()
        .map(|record| nanos(record.end))
        .max()
        .unwrap_or(start);
    (start, end.saturating_sub(start))
}

/// Whether the trace has the span `filter` names (any trace when it names none): one that
/// failed, and lasted at least the minimum duration, when the filter asks for them.
fn has_span<R: Deref<Target = SpanRecord>>(records: &[R], filter: &TraceFilter) -> bool {
    let Some(name) = &filter.span else {
        return true;
    };
    records.iter().any(|record| {
        record.text(&record.name) == name
            && (!filter.failed_only || matches!(record.status, StatusRecord::Error(_)))
            && filter.min_duration.is_none_or(|min| {
                record
                    .end
                    .duration_since(record.start)
                    .is_ok_and(|lasted| lasted >= min)
            })
    })
}

/// Whether a span of the trace ended with an error status.
fn failed<R: Deref<Target = SpanRecord>>(records: &[R]) -> bool {
    records
        .iter()
        .any(|record| matches!(record.status, StatusRecord::Error(_)))
}

/// The list's line of trace `id`, whose spans are `records`, of which `open` are still open.
fn summary<R: Deref<Target = SpanRecord>>(
    id: u128,
    records: &[R],
    open: &[SpanId],
    service: &str,
) -> TraceSummary {
    let (start, duration) = window(records);
    let name = |record: &SpanRecord| record.text(&record.name).to_owned();
    TraceSummary {
        trace_id: format!("{id:032x}"),
        operation: root(records)
            .or(records.first().map(|record| &**record))
            .map(name)
            .unwrap_or_default(),
        service: service.to_owned(),
        start_unix_nano: start,
        duration_ns: duration,
        failed: failed(records),
        span_count: records.len(),
        in_progress: !open.is_empty(),
        current_span: super::open::innermost(records, open).map(name),
    }
}

/// The traces one operation keeps aside.
#[derive(Default)]
struct Kept {
    slowest: Vec<(u64, u128, Instant)>,
    failed: VecDeque<(u128, Instant)>,
}

#[derive(Default)]
struct State {
    traces: HashMap<u128, Trace>,
    /// Trace ids, oldest first.
    order: VecDeque<u128>,
    bytes: usize,
    kept: HashMap<String, Kept>,
}

/// The store of recent traces.
pub(crate) struct TraceStore {
    service: String,
    limits: StoreLimits,
    pending: Mutex<Vec<Arc<SpanRecord>>>,
    dropped: AtomicU64,
    state: Mutex<State>,
    /// Where the spans still open are found (the collector thread).
    open: OnceLock<Weak<dyn OpenSpans>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SpanSink for TraceStore {
    fn span_closed(&self, span: Arc<SpanRecord>) {
        let mut pending = lock(&self.pending);
        if pending.len() >= MAX_PENDING {
            drop(pending);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        pending.push(span);
    }
}

impl TraceStore {
    pub(crate) fn new(service: String, limits: StoreLimits) -> TraceStore {
        TraceStore {
            service,
            limits,
            pending: Mutex::new(Vec::new()),
            dropped: AtomicU64::new(0),
            state: Mutex::new(State::default()),
            open: OnceLock::new(),
        }
    }

    /// Moves the pending spans into their traces, then applies the bounds.
    pub(crate) fn ingest(&self) {
        let pending = std::mem::take(&mut *lock(&self.pending));
        if pending.is_empty() {
            return;
        }
        let mut state = lock(&self.state);
        let now = Instant::now();
        for record in pending {
            let bytes = std::mem::size_of::<SpanRecord>() + record.heap_bytes();
            let id = record.ids.trace_id.0;
            let State {
                traces,
                order,
                bytes: total,
                kept,
            } = &mut *state;
            let trace = traces.entry(id).or_insert_with(|| {
                order.push_back(id);
                Trace {
                    id,
                    records: Vec::new(),
                    bytes: 0,
                }
            });
            let is_root = record.ids.parent.is_none() || record.ids.parent_is_remote;
            trace.records.push(record);
            trace.bytes += bytes;
            *total += bytes;
            // A root (a span whose parent is not local) ends its trace: keep it aside if it is
            // among its operation's slowest or failed (no summary built: no allocation here).
            if is_root {
                let (_, duration) = window(&trace.records);
                let failed = failed(&trace.records);
                let root = trace.records.last().expect("just pushed");
                let operation = root.text(&root.name);
                let kept = match kept.get_mut(operation) {
                    Some(kept) => kept,
                    None => kept.entry(operation.to_owned()).or_default(),
                };
                keep_aside(kept, duration, failed, id, now, &self.limits);
            }
        }
        self.evict(&mut state, now);
    }

    fn evict(&self, state: &mut State, now: Instant) {
        let limits = self.limits;
        for kept in state.kept.values_mut() {
            kept.slowest
                .retain(|(_, _, at)| now.duration_since(*at) < limits.keep_for);
            kept.failed
                .retain(|(_, at)| now.duration_since(*at) < limits.keep_for);
        }
        let pinned: Vec<u128> = state
            .kept
            .values()
            .flat_map(|kept| {
                kept.slowest
                    .iter()
                    .map(|(_, id, _)| *id)
                    .chain(kept.failed.iter().map(|(id, _)| *id))
            })
            .collect();
        let mut index = 0;
        while (state.traces.len() > limits.traces || state.bytes > limits.bytes)
            && index < state.order.len()
        {
            let id = state.order[index];
            if pinned.contains(&id) {
                index += 1;
                continue;
            }
            state.order.remove(index);
            if let Some(trace) = state.traces.remove(&id) {
                state.bytes -= trace.bytes;
            }
        }
    }

    /// Shows the spans `open` holds, as they run, with the finished ones.
    pub(crate) fn show_open(&self, open: &Weak<dyn OpenSpans>) {
        let _ = self.open.set(open.clone());
    }

    /// The traces `filter` selects: those still running for [`UNFINISHED_AFTER`] or more
    /// first, oldest first, then the finished ones, newest first; at most `limit`.
    pub(crate) fn list(&self, filter: &TraceFilter, limit: usize) -> Vec<TraceSummary> {
        // Open spans first: asking for them collects, and what ended by then is ingested.
        let open = super::open::by_trace(self.open.get());
        self.ingest();
        let state = lock(&self.state);
        let now = nanos(SystemTime::now());
        let unfinished = open.iter().filter_map(|(id, running)| {
            let started = running.iter().map(|record| nanos(record.start)).min()?;
            if now.saturating_sub(started) < UNFINISHED_AFTER.as_nanos() as u64 {
                return None;
            }
            let finished = state.traces.get(id).map_or(&[][..], |trace| &trace.records);
            let records: Vec<&SpanRecord> = finished
                .iter()
                .map(|record| &**record)
                .chain(running.iter())
                .collect();
            if !has_span(&records, filter) {
                return None;
            }
            let ids: Vec<SpanId> = running.iter().map(|record| record.ids.span_id).collect();
            Some(summary(*id, &records, &ids, &self.service))
        });
        let finished = state
            .traces
            .values()
            .filter(|trace| !open.contains_key(&trace.id) && has_span(&trace.records, filter))
            .map(|trace| summary(trace.id, &trace.records, &[], &self.service));
        // With a span named, failure and duration are that span's.
        let whole = filter.span.is_none();
        let mut summaries: Vec<TraceSummary> = unfinished
            .chain(finished)
            .filter(|summary| {
                filter
                    .operation
                    .as_ref()
                    .is_none_or(|operation| &summary.operation == operation)
                    && (!whole || !filter.failed_only || summary.failed)
                    && (!whole
                        || filter
                            .min_duration
                            .is_none_or(|min| summary.duration_ns >= min.as_nanos() as u64))
                    && filter
                        .trace_id
                        .as_ref()
                        .is_none_or(|id| summary.trace_id.starts_with(&id.to_ascii_lowercase()))
            })
            .collect();
        summaries.sort_by_key(|summary| {
            if summary.in_progress {
                (false, summary.start_unix_nano)
            } else {
                (true, u64::MAX - summary.start_unix_nano)
            }
        });
        summaries.truncate(limit);
        summaries
    }

    /// One trace, by its 32 hex digits, with its spans still open.
    pub(crate) fn trace(&self, trace_id: &str) -> Option<ViewTrace> {
        let id = u128::from_str_radix(trace_id, 16).ok()?;
        let running = super::open::by_trace(self.open.get())
            .remove(&id)
            .unwrap_or_default();
        self.ingest();
        let state = lock(&self.state);
        let finished = state
            .traces
            .get(&id)
            .map_or(&[][..], |trace| &trace.records);
        if finished.is_empty() && running.is_empty() {
            return None;
        }
        let spans = finished
            .iter()
            .map(|record| self.view(record, false))
            .chain(running.iter().map(|record| self.view(record, true)))
            .collect();
        Some(ViewTrace {
            trace_id: format!("{id:032x}"),
            in_progress: !running.is_empty(),
            spans,
        })
    }

    /// The operations that have traces, sorted.
    pub(crate) fn operations(&self) -> Vec<String> {
        self.ingest();
        let state = lock(&self.state);
        let mut names: Vec<String> = state
            .traces
            .values()
            .map(|trace| summary(trace.id, &trace.records, &[], &self.service).operation)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The durations, in seconds, of the spans held that ended at `since` or later, by whether
    /// they are server spans (a route's) and by name: what the operations page takes exact
    /// percentiles from.
    pub(crate) fn recent_durations(&self, since: SystemTime) -> HashMap<(bool, String), Vec<f64>> {
        self.ingest();
        let state = lock(&self.state);
        let mut durations: HashMap<(bool, String), Vec<f64>> = HashMap::new();
        for record in state.traces.values().flat_map(|trace| &trace.records) {
            if record.end < since {
                continue;
            }
            let seconds = record
                .end
                .duration_since(record.start)
                .unwrap_or_default()
                .as_secs_f64();
            let key = (
                matches!(record.kind, SpanKind::Server),
                record.text(&record.name).to_owned(),
            );
            durations.entry(key).or_default().push(seconds);
        }
        durations
    }

    /// Spans dropped because the pending list was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The viewer's form of a captured span, `running` or not.
    fn view(&self, record: &SpanRecord, running: bool) -> ViewSpan {
        let value = |value: &AttrValue| match value {
            AttrValue::I64(value) => value.to_string(),
            AttrValue::F64(value) => value.to_string(),
            AttrValue::Bool(value) => value.to_string(),
            AttrValue::Text(text) => record.text(text).to_owned(),
        };
        let attributes_of = |owner: u32| -> Vec<(String, String)> {
            record
                .attributes
                .iter()
                .filter(|attribute| attribute.owner == owner)
                .map(|attribute| (attribute.key.to_owned(), value(&attribute.value)))
                .collect()
        };
        let (status, status_message) = match &record.status {
            StatusRecord::Unset => ("unset", None),
            StatusRecord::Ok => ("ok", None),
            StatusRecord::Error(message) => (
                "error",
                message
                    .as_ref()
                    .map(|text: &Text| record.text(text).to_owned()),
            ),
        };
        let start = nanos(record.start);
        ViewSpan {
            span_id: format!("{:016x}", record.ids.span_id.0),
            parent_span_id: record.ids.parent.map(|parent| format!("{:016x}", parent.0)),
            name: record.text(&record.name).to_owned(),
            service: self.service.clone(),
            kind: match record.kind {
                SpanKind::Internal => "internal",
                SpanKind::Server => "server",
                SpanKind::Client => "client",
                SpanKind::Producer => "producer",
                SpanKind::Consumer => "consumer",
            },
            start_unix_nano: start,
            duration_ns: nanos(record.end).saturating_sub(start),
            status,
            status_message,
            attributes: attributes_of(SPAN),
            events: record
                .events
                .iter()
                .enumerate()
                .map(|(index, event)| ViewEvent {
                    time_unix_nano: nanos(event.time),
                    name: record.text(&event.name).to_owned(),
                    attributes: attributes_of(index as u32),
                })
                .collect(),
            running,
        }
    }
}

/// Keeps trace `id` aside for its operation when it is among the slowest or failed.
fn keep_aside(
    kept: &mut Kept,
    duration_ns: u64,
    failed: bool,
    id: u128,
    now: Instant,
    limits: &StoreLimits,
) {
    if failed {
        kept.failed.push_back((id, now));
        while kept.failed.len() > limits.kept_per_operation {
            kept.failed.pop_front();
        }
    }
    let full = kept.slowest.len() >= limits.kept_per_operation;
    if full
        && kept
            .slowest
            .last()
            .is_some_and(|(slowest, _, _)| duration_ns <= *slowest)
    {
        return;
    }
    kept.slowest.retain(|(_, trace, _)| *trace != id);
    kept.slowest.push((duration_ns, id, now));
    kept.slowest
        .sort_by_key(|(duration, _, _)| std::cmp::Reverse(*duration));
    kept.slowest.truncate(limits.kept_per_operation);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FieldValue, FieldWriter as _, SpanLimits};
    use crate::trace::{SpanId, SpanIds, TraceId};

    fn span(
        trace: u128,
        id: u64,
        parent: Option<u64>,
        name: &'static str,
        failed: bool,
    ) -> Arc<SpanRecord> {
        let ids = SpanIds {
            trace_id: TraceId(trace),
            span_id: SpanId(id),
            parent: parent.map(SpanId),
            parent_is_remote: false,
            sampled: true,
        };
        let mut record = SpanRecord::new(ids, name, 0, SpanLimits::default());
        if failed {
            record.field("otel.status_description", FieldValue::Str("boom"));
        }
        record.end();
        Arc::new(record)
    }

    #[test]
    fn spans_become_traces_listed_newest_first_and_filtered() {
        const A: u128 = 0xa0 << 120 | 1;
        const B: u128 = 0xb0 << 120 | 2;
        let store = TraceStore::new("svc".into(), StoreLimits::default());
        store.span_closed(span(A, 11, Some(10), "db.query", false));
        store.span_closed(span(A, 10, None, "GET /a", false));
        store.span_closed(span(B, 20, None, "GET /b", true));
        let all = store.list(&TraceFilter::default(), 10);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].operation, "GET /b", "newest first");
        assert_eq!(all[1].span_count, 2);
        let failed = store.list(
            &TraceFilter {
                failed_only: true,
                ..TraceFilter::default()
            },
            10,
        );
        assert_eq!(failed.len(), 1);
        assert!(failed[0].failed);
        let by_id = store.list(
            &TraceFilter {
                trace_id: Some("a0".to_owned()),
                ..TraceFilter::default()
            },
            10,
        );
        assert_eq!(by_id[0].operation, "GET /a");
        assert_eq!(store.trace(&format!("{A:032x}")).unwrap().spans.len(), 2);
        assert_eq!(store.operations(), ["GET /a", "GET /b"]);
    }

    #[test]
    fn recent_durations_are_the_held_spans_that_ended_in_the_window_by_kind_and_name() {
        let store = TraceStore::new("svc".into(), StoreLimits::default());
        let timed = |trace: u128, name: &'static str, micros: u64| {
            let mut record = Arc::into_inner(span(trace, trace as u64, None, name, false)).unwrap();
            record.start = record.end - Duration::from_micros(micros);
            Arc::new(record)
        };
        let since = SystemTime::now();
        for (trace, micros) in [(1, 40), (2, 50), (3, 45)] {
            store.span_closed(timed(trace, "ml.inference", micros));
        }
        let mut server = Arc::into_inner(timed(4, "POST /api/predict", 900)).unwrap();
        server.kind = SpanKind::Server;
        store.span_closed(Arc::new(server));
        let durations = store.recent_durations(since);
        let mut inference = durations[&(false, "ml.inference".to_owned())].clone();
        inference.sort_by(f64::total_cmp);
        assert_eq!(inference, [40e-6, 45e-6, 50e-6]);
        assert_eq!(durations[&(true, "POST /api/predict".to_owned())], [900e-6]);
        assert!(
            store
                .recent_durations(SystemTime::now() + Duration::from_secs(1))
                .is_empty(),
            "none ended after the window's start"
        );
    }

    #[test]
    fn the_store_is_bounded_but_keeps_a_rare_failure_after_a_burst_of_successes() {
        let limits = StoreLimits {
            traces: 50,
            ..StoreLimits::default()
        };
        let store = TraceStore::new("svc".into(), limits);
        store.span_closed(span(1, 1, None, "GET /a", true));
        for trace in 2..1_000u128 {
            store.span_closed(span(trace, trace as u64, None, "GET /a", false));
            if trace % 100 == 0 {
                store.ingest();
            }
        }
        let all = store.list(&TraceFilter::default(), 10_000);
        assert!(
            all.len() <= 50 + 2 * limits.kept_per_operation,
            "{}",
            all.len()
        );
        assert!(
            all.iter().any(|summary| summary.failed),
            "the one failure is kept aside"
        );
    }
}
