//! What the collector thread tells of spans that have not ended, from the spans it holds anyway: a
//! WARN line when an observed call or a served request has run past its threshold (then at
//! twice, four times … that), the age of each operation's and route's oldest in the
//! `*_oldest_in_flight_seconds` gauges, and the bound on the memory open spans hold. Each
//! collection [`scans`](Unfinished::scan) the open spans once; the calling thread records
//! nothing for it.

use std::sync::Arc;
use std::time::Duration;

use metrics::{Gauge, Key, Label, Recorder};
use tracing::Level;
use tracing_subscriber::filter::Targets;

use super::live::{Live, Spans};
use super::watched::{Watch, Watched};
use crate::call_path::StillRunning;
use crate::metric_names::{
    HTTP_REQUESTS_OLDEST_IN_FLIGHT, OPEN_SPANS_FORGOTTEN, OPEN_SPANS_TRIMMED,
    OPERATION_OLDEST_IN_FLIGHT, UNMATCHED_ENDPOINT,
};
use crate::tick::Tick;
use crate::trace::SpanId;

/// The target and name of the server span tripod's HTTP layer opens (`axum/server.rs`): the
/// spans reported as served requests.
const SERVER_SPAN: (&str, &str) = ("tripod::http", "http.request");
/// The target of a served request's lines (the access line's).
const REQUEST_TARGET: &str = "tripod::access";
/// The event of a served request still running.
const REQUEST_STILL_RUNNING: &str = "http.server.request.still_running";
/// The event of the warning that open spans were trimmed.
const TRIMMED: &str = "tripod.open_spans.trimmed";

/// The metadata the gauges and counters are registered with.
static METADATA: metrics::Metadata<'static> =
    metrics::Metadata::new("tripod", metrics::Level::INFO, Some(module_path!()));

/// When calls and requests still running are reported, and how many bytes open spans may hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnfinishedSettings {
    /// The threshold of calls without their own and of served requests; `None`: never.
    pub(crate) still_running_after: Option<Duration>,
    /// Past this, the oldest open spans are trimmed, then forgotten.
    pub(crate) max_bytes: usize,
}

impl Default for UnfinishedSettings {
    fn default() -> Self {
        UnfinishedSettings {
            still_running_after: Some(Duration::from_secs(10)),
            max_bytes: 64 << 20,
        }
    }
}

/// A line to write: a call or request still running, or open spans trimmed.
pub(super) struct Report {
    /// The span it is written in (its fields and ids go with it), if any.
    pub(super) span: Option<SpanId>,
    pub(super) level: &'static Level,
    pub(super) target: &'static str,
    pub(super) message: String,
    /// Its own fields.
    pub(super) fields: Vec<(&'static str, ReportValue)>,
    /// Whether the log directives let it through.
    pub(super) logged: bool,
}

/// A report's field value.
pub(super) enum ReportValue {
    U64(u64),
    Str(&'static str),
    Text(String),
}

/// A route's method and template, as its gauge's labels.
type Route = (Box<str>, Box<str>);

/// The collector thread's part about open spans.
pub(crate) struct Unfinished {
    settings: UnfinishedSettings,
    /// `RUST_LOG`'s directives for lines, when they are static (others let every line through).
    log_filter: Option<Targets>,
    /// tripod's recorder, when there is one: the gauges and counters go there.
    recorder: Option<Arc<dyn Recorder + Send + Sync>>,
    /// The gauges of the operations and routes seen running, each set at every scan.
    operations: Vec<(&'static str, Gauge)>,
    routes: Vec<(Route, Gauge)>,
}

impl Unfinished {
    /// Reports as `settings` say, lines filtered by `log_filter`, metrics into `recorder`.
    pub(crate) fn new(
        settings: UnfinishedSettings,
        log_filter: Option<Targets>,
        recorder: Option<Arc<dyn Recorder + Send + Sync>>,
    ) -> Unfinished {
        Unfinished {
            settings,
            log_filter,
            recorder,
            operations: Vec::new(),
            routes: Vec::new(),
        }
    }

    /// What is reported of an observed call of operation `name` (lines at `target`) that
    /// `still_running` configured.
    pub(super) fn call(
        &self,
        name: &'static str,
        target: &'static str,
        still_running: StillRunning,
    ) -> Watched {
        Watched {
            what: Watch::Call { name, target },
            next_report: match still_running {
                StillRunning::Default => self.settings.still_running_after,
                StillRunning::AfterMillis(millis) => Some(Duration::from_millis(millis)),
                StillRunning::Off => None,
            },
        }
    }

    /// What is reported of a served request, when `metadata` is tripod's server span.
    pub(super) fn request(&self, metadata: &tracing::Metadata<'_>) -> Option<Watched> {
        ((metadata.target(), metadata.name()) == SERVER_SPAN).then_some(Watched {
            what: Watch::Request {
                method: None,
                route: None,
            },
            next_report: self.settings.still_running_after,
        })
    }

    /// Looks at every open span at `now`: the gauges set, the spans held within their bound,
    /// and the lines due returned.
    pub(super) fn scan(&mut self, spans: &mut Spans, now: Tick) -> Vec<Report> {
        let mut oldest = Oldest::default();
        let mut due: Vec<(SpanId, Duration)> = Vec::new();
        let mut bytes = 0;
        for (id, live) in spans.iter_mut() {
            bytes += live.bytes();
            if !live.running() {
                continue;
            }
            let Some(watched) = &mut live.watched else {
                continue;
            };
            let running = now.since(live.started);
            oldest.note(&watched.what, running);
            if let Some(at) = watched.next_report
                && running >= at
            {
                due.push((*id, running));
                let mut next = at;
                while next <= running {
                    next = next.saturating_mul(2);
                }
                watched.next_report = Some(next);
            }
        }
        self.set_gauges(&oldest);
        let mut reports = self.still_running(spans, &due);
        if bytes > self.settings.max_bytes {
            reports.extend(self.bound(spans, bytes));
        }
        reports
    }

    /// Sets every gauge: each operation's and route's oldest, 0 for those none runs of.
    fn set_gauges(&mut self, oldest: &Oldest<'_>) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        for &(name, _) in &oldest.operations {
            if !self.operations.iter().any(|(known, _)| *known == name) {
                let key = Key::from_parts(
                    OPERATION_OLDEST_IN_FLIGHT,
                    vec![Label::from_static_parts("name", name)],
                );
                let gauge = recorder.register_gauge(&key, &METADATA);
                self.operations.push((name, gauge));
            }
        }
        for &((method, route), _) in &oldest.routes {
            if !self
                .routes
                .iter()
                .any(|((m, r), _)| (&**m, &**r) == (method, route))
            {
                let key = Key::from_parts(
                    HTTP_REQUESTS_OLDEST_IN_FLIGHT,
                    vec![
                        Label::new("method", method.to_owned()),
                        Label::new("endpoint", route.to_owned()),
                    ],
                );
                let gauge = recorder.register_gauge(&key, &METADATA);
                self.routes.push(((method.into(), route.into()), gauge));
            }
        }
        for (name, gauge) in &self.operations {
            gauge.set(oldest.operation(name).as_secs_f64());
        }
        for ((method, route), gauge) in &self.routes {
            gauge.set(oldest.route(method, route).as_secs_f64());
        }
    }

    /// The lines of the spans `due`: one per local trace and threshold, of its outermost span
    /// due (a span inside another due now is not reported apart), naming the innermost span
    /// open under it: where the call is now.
    fn still_running(&self, spans: &Spans, due: &[(SpanId, Duration)]) -> Vec<Report> {
        let is_due = |id: SpanId| due.iter().any(|(due, _)| *due == id);
        let outermost = due.iter().filter(|(id, _)| {
            let mut at = spans.get(id).and_then(Live::local_parent);
            while let Some(parent) = at {
                if is_due(parent) {
                    return false;
                }
                at = spans.get(&parent).and_then(Live::local_parent);
            }
            true
        });
        let mut reports = Vec::new();
        for &(id, running) in outermost {
            let Some(live) = spans.get(&id) else {
                continue;
            };
            let Some(watched) = &live.watched else {
                continue;
            };
            let (target, message) = match &watched.what {
                Watch::Call { name, target } => (*target, format!("{name}.still_running")),
                Watch::Request { .. } => (REQUEST_TARGET, REQUEST_STILL_RUNNING.to_owned()),
            };
            reports.push(Report {
                span: Some(id),
                level: &Level::WARN,
                target,
                message,
                fields: vec![
                    ("running_ms", ReportValue::U64(running.as_millis() as u64)),
                    ("innermost_span", ReportValue::Str(innermost(spans, id))),
                ],
                logged: self.logged(target),
            });
        }
        reports
    }

    /// Brings the open spans' bytes under their bound, with room: the oldest trimmed first,
    /// then, when the spans alone still hold too much, the oldest forgotten; a warning line.
    fn bound(&mut self, spans: &mut Spans, mut bytes: usize) -> Option<Report> {
        let goal = self.settings.max_bytes - self.settings.max_bytes / 10;
        let mut oldest_first: Vec<(Tick, SpanId)> =
            spans.iter().map(|(id, live)| (live.started, *id)).collect();
        oldest_first.sort_unstable_by_key(|(started, _)| *started);
        let (mut trimmed, mut forgotten) = (0_u64, 0_u64);
        for (_, id) in &oldest_first {
            if bytes <= goal {
                break;
            }
            if let Some(live) = spans.get_mut(id) {
                let freed = live.trim();
                if freed > 0 {
                    bytes -= freed;
                    trimmed += 1;
                }
            }
        }
        for (_, id) in &oldest_first {
            if bytes <= goal {
                break;
            }
            if let Some(live) = spans.remove(id) {
                bytes -= live.bytes();
                forgotten += 1;
            }
        }
        // Registered when first counted, as the export's losses are: no series before the
        // first.
        for (name, count) in [
            (OPEN_SPANS_TRIMMED, trimmed),
            (OPEN_SPANS_FORGOTTEN, forgotten),
        ] {
            if let Some(recorder) = self.recorder.as_ref().filter(|_| count > 0) {
                recorder
                    .register_counter(&Key::from_static_name(name), &METADATA)
                    .increment(count);
            }
        }
        Some(Report {
            span: None,
            level: &Level::WARN,
            target: "tripod",
            message: TRIMMED.to_owned(),
            fields: vec![
                ("trimmed", ReportValue::U64(trimmed)),
                ("forgotten", ReportValue::U64(forgotten)),
                (
                    "max_bytes",
                    ReportValue::U64(self.settings.max_bytes as u64),
                ),
            ],
            logged: self.logged("tripod"),
        })
    }

    /// Whether the log directives let a WARN line at `target` through.
    pub(super) fn logged(&self, target: &str) -> bool {
        self.log_filter
            .as_ref()
            .is_none_or(|filter| filter.would_enable(target, &Level::WARN))
    }
}

/// The name of the innermost span open under `id` (the deepest; of two as deep, the later
/// started), or its own.
fn innermost(spans: &Spans, id: SpanId) -> &'static str {
    let mut best: Option<(usize, Tick, &'static str)> = None;
    for live in spans.values().filter(|live| live.running()) {
        let mut depth = 0;
        let mut at = Some(live.ids.span_id);
        while let Some(span) = at {
            if span == id {
                if best
                    .is_none_or(|(deepest, started, _)| (depth, live.started) > (deepest, started))
                {
                    best = Some((depth, live.started, live.name));
                }
                break;
            }
            depth += 1;
            at = spans.get(&span).and_then(Live::local_parent);
        }
    }
    best.map_or("", |(_, _, name)| name)
}

/// The oldest running call of each operation and request of each route, found in one scan.
#[derive(Default)]
struct Oldest<'a> {
    operations: Vec<(&'static str, Duration)>,
    routes: Vec<((&'a str, &'a str), Duration)>,
}

impl<'a> Oldest<'a> {
    fn note(&mut self, what: &'a Watch, running: Duration) {
        match what {
            Watch::Call { name, .. } => keep_oldest(&mut self.operations, *name, running),
            Watch::Request { method, route } => {
                let key = (
                    method.as_deref().unwrap_or("_OTHER"),
                    route.as_deref().unwrap_or(UNMATCHED_ENDPOINT),
                );
                keep_oldest(&mut self.routes, key, running);
            }
        }
    }

    fn operation(&self, name: &str) -> Duration {
        self.operations
            .iter()
            .find(|(known, _)| *known == name)
            .map_or(Duration::ZERO, |(_, running)| *running)
    }

    fn route(&self, method: &str, route: &str) -> Duration {
        self.routes
            .iter()
            .find(|((m, r), _)| (*m, *r) == (method, route))
            .map_or(Duration::ZERO, |(_, running)| *running)
    }
}

fn keep_oldest<K: PartialEq>(oldest: &mut Vec<(K, Duration)>, key: K, running: Duration) {
    match oldest.iter_mut().find(|(known, _)| *known == key) {
        Some((_, longest)) => *longest = (*longest).max(running),
        None => oldest.push((key, running)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    use super::super::testing::{
        Written, call_fields, call_metadata, call_start, collector_with, ids,
    };
    use super::*;
    use crate::call_path::Ending;
    use crate::local::Records;
    use crate::trace::TraceState;

    /// Records the start of call span `span` under `parent`, reported after `after_ms`.
    fn start_call(records: &mut Records, span: u64, parent: Option<u64>, after_ms: u64) {
        let metadata = call_metadata();
        let mut ids = ids(span);
        ids.parent = parent.map(SpanId);
        records.start(
            metadata,
            ids,
            TraceState::default(),
            true,
            Some(call_start(StillRunning::AfterMillis(after_ms))),
            call_fields(metadata),
        );
    }

    /// Records the start of a plain span `span` named `db.query` under `parent`.
    fn start_plain(records: &mut Records, span: u64, parent: u64) {
        let metadata = tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            tracing::info_span!("db.query").metadata().unwrap()
        });
        let mut ids = ids(span);
        ids.parent = Some(SpanId(parent));
        records.start(metadata, ids, TraceState::default(), true, None, |_| {});
    }

    /// The `event` and own fields of each line written, as JSON values.
    fn events(written: &Written) -> Vec<(String, String)> {
        String::from_utf8(written.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|line| {
                let event = line.split("\"event\":\"").nth(1).unwrap();
                let (event, rest) = event.split_once('"').unwrap();
                (event.to_owned(), rest.to_owned())
            })
            .collect()
    }

    fn still_running(written: &Written) -> Vec<String> {
        events(written)
            .into_iter()
            .filter(|(event, _)| event.ends_with(".still_running"))
            .map(|(_, rest)| rest)
            .collect()
    }

    /// Sleeps until `since` is `millis` old.
    fn until(since: Instant, millis: u64) {
        let at = since + Duration::from_millis(millis);
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
    }

    #[test]
    fn a_call_still_running_past_its_threshold_is_reported_then_again_at_twice_that() {
        let unfinished = Unfinished::new(UnfinishedSettings::default(), None, None);
        let (mut collector, written, _) = collector_with(unfinished);
        let started = Instant::now();
        let mut records = Records::default();
        start_call(&mut records, 1, None, 40);
        start_plain(&mut records, 2, 1);
        collector.collect(&[records]);
        assert!(still_running(&written).is_empty(), "not before 40 ms");
        until(started, 45);
        collector.collect(&[]);
        collector.collect(&[]);
        let lines = still_running(&written);
        assert_eq!(lines.len(), 1, "once: {lines:?}");
        assert!(
            lines[0].contains("\"innermost_span\":\"db.query\""),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains("\"user.id\":42"),
            "the call's fields: {}",
            lines[0]
        );
        let running: u64 = lines[0]
            .split("\"running_ms\":")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(running >= 40, "{running}");
        until(started, 85);
        collector.collect(&[]);
        assert_eq!(still_running(&written).len(), 2, "again at 80 ms");
        let mut ending = Records::default();
        ending.end(SpanId(2), None);
        ending.end(SpanId(1), Some(Ending::Success));
        collector.collect(&[ending]);
        let last = events(&written).pop().unwrap().0;
        assert_eq!(last, "todo.create.success", "then it ends as any call");
    }

    #[test]
    fn of_calls_inside_one_another_only_the_outermost_due_is_reported() {
        let unfinished = Unfinished::new(UnfinishedSettings::default(), None, None);
        let (mut collector, written, _) = collector_with(unfinished);
        let started = Instant::now();
        let mut records = Records::default();
        start_call(&mut records, 1, None, 20);
        start_call(&mut records, 2, Some(1), 20);
        collector.collect(&[records]);
        until(started, 25);
        collector.collect(&[]);
        let lines = still_running(&written);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].ends_with("\"span_id\":\"0000000000000001\"}"),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn a_call_marked_off_is_never_reported_but_counts_in_the_oldest_gauge() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let unfinished = Unfinished::new(
            UnfinishedSettings::default(),
            None,
            Some(Arc::new(recorder)),
        );
        let (mut collector, written, _) = collector_with(unfinished);
        let metadata = call_metadata();
        let mut records = Records::default();
        records.start(
            metadata,
            ids(1),
            TraceState::default(),
            true,
            Some(call_start(StillRunning::Off)),
            call_fields(metadata),
        );
        collector.collect(&[records]);
        std::thread::sleep(Duration::from_millis(30));
        collector.collect(&[]);
        assert!(still_running(&written).is_empty());
        let oldest = || {
            snapshotter
                .snapshot()
                .into_vec()
                .into_iter()
                .find(|(key, ..)| key.key().name() == OPERATION_OLDEST_IN_FLIGHT)
                .map(|(key, _, _, value)| (key.key().labels().cloned().collect::<Vec<_>>(), value))
                .unwrap()
        };
        let (labels, value) = oldest();
        assert_eq!(labels, [Label::new("name", "todo.create")]);
        let DebugValue::Gauge(seconds) = value else {
            panic!("{value:?}")
        };
        assert!(seconds.0 >= 0.03 && seconds.0 < 5.0, "{seconds:?}");
        let mut ending = Records::default();
        ending.end(SpanId(1), Some(Ending::Success));
        collector.collect(&[ending]);
        assert_eq!(
            oldest().1,
            DebugValue::Gauge(0.0.into()),
            "0 when none runs"
        );
    }

    #[test]
    fn past_their_bound_the_oldest_open_spans_are_trimmed_counted_and_still_end() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let settings = UnfinishedSettings {
            max_bytes: 16 << 10,
            ..UnfinishedSettings::default()
        };
        let (mut collector, written, ended) =
            collector_with(Unfinished::new(settings, None, Some(Arc::new(recorder))));
        let metadata = call_metadata();
        let big = "x".repeat(5 << 9);
        let mut records = Records::default();
        for span in [1, 2] {
            start_call(&mut records, span, None, 60_000);
            records.record(SpanId(span), |visitor| {
                visitor.record_str(&metadata.fields().field("return").unwrap(), &big)
            });
        }
        collector.collect(&[records]);
        let trimmed: Vec<_> = events(&written)
            .into_iter()
            .filter(|(event, _)| event == TRIMMED)
            .collect();
        assert_eq!(trimmed.len(), 1, "one warning");
        assert!(
            trimmed[0].1.contains("\"trimmed\":1,\"forgotten\":0"),
            "{}",
            trimmed[0].1
        );
        let counted = snapshotter
            .snapshot()
            .into_vec()
            .into_iter()
            .find(|(key, ..)| key.key().name() == OPEN_SPANS_TRIMMED)
            .map(|(.., value)| value);
        assert_eq!(counted, Some(DebugValue::Counter(1)));
        let mut ending = Records::default();
        ending.end(SpanId(1), Some(Ending::Success));
        ending.end(SpanId(2), Some(Ending::Success));
        collector.collect(&[ending]);
        let successes = events(&written)
            .iter()
            .filter(|(event, _)| event == "todo.create.success")
            .count();
        assert_eq!(successes, 2, "both calls still end");
        let exported: Vec<u64> = ended
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.ids.span_id.0)
            .collect();
        assert_eq!(exported, [2], "the trimmed one is not exported");
    }
}
