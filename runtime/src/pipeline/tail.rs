//! The tail rules ([`TracesKeep`]): the spans of a local trace the head sampler did not sample
//! wait here until its local root ends; the trace is then exported whole, its root marked
//! `tripod.sampling.kept = "error"` or `"slow"`, when a rule keeps it, and dropped otherwise.
//! At most `per_second` traces a second per operation (the root's name) are kept; past that, and
//! past the bound on the bytes waiting (the oldest traces decided early), they are dropped and
//! counted in `tripod_sampling_dropped_traces_total{reason}`. Spans that end after their root
//! follow its decision.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::capture::{SpanRecord, StatusRecord};
use crate::metric_names::{SAMPLING_DROPPED_TRACES, SAMPLING_KEPT_TRACES};
use crate::trace::TracesKeep;

/// The attribute a kept trace's local root carries: why it was kept.
pub(crate) const KEPT: &str = "tripod.sampling.kept";

/// The bytes the waiting spans may hold, unless set otherwise.
pub(crate) const DEFAULT_MAX_BYTES: usize = 32 << 20;

/// How many decided traces are remembered, for their spans that end after their root.
const DECIDED: usize = 4096;

/// One local trace's spans, waiting for its root.
#[derive(Default)]
struct Waiting {
    records: Vec<Arc<SpanRecord>>,
    bytes: usize,
    failed: bool,
}

/// The spans waiting, and the decisions made.
pub(crate) struct Tail {
    keep: TracesKeep,
    max_bytes: usize,
    waiting: HashMap<u128, Waiting>,
    /// Trace ids in the order their first span ended, for deciding the oldest early.
    arrived: VecDeque<u128>,
    bytes: usize,
    /// The latest decisions: whether the trace was kept.
    decided: HashMap<u128, bool>,
    decided_order: VecDeque<u128>,
    /// Per operation and reason (`error`, `slow`), the second and how many traces a rule kept
    /// in it.
    kept_per_operation: HashMap<String, [(u64, u32); 2]>,
    recorder: Option<Arc<dyn metrics::Recorder + Send + Sync>>,
}

impl Tail {
    /// Keeps what `keep` says, holding at most `max_bytes` of spans, counting in `recorder`.
    pub(crate) fn new(
        keep: TracesKeep,
        max_bytes: usize,
        recorder: Option<Arc<dyn metrics::Recorder + Send + Sync>>,
    ) -> Tail {
        Tail {
            keep,
            max_bytes,
            waiting: HashMap::new(),
            arrived: VecDeque::new(),
            bytes: 0,
            decided: HashMap::new(),
            decided_order: VecDeque::new(),
            kept_per_operation: HashMap::new(),
            recorder,
        }
    }

    /// `record`, of a trace the head sampler did not sample, ended; `root` when it is its local
    /// root. What is to be exported goes into `out`.
    pub(crate) fn ended(
        &mut self,
        record: Arc<SpanRecord>,
        root: bool,
        second: u64,
        out: &mut Vec<Arc<SpanRecord>>,
    ) {
        let trace = record.ids.trace_id.0;
        if let Some(&kept) = self.decided.get(&trace) {
            if kept {
                out.push(record);
            }
            return;
        }
        if !root {
            let bytes = record.heap_bytes() + std::mem::size_of::<SpanRecord>();
            let waiting = self.waiting.entry(trace).or_insert_with(|| {
                self.arrived.push_back(trace);
                Waiting::default()
            });
            waiting.failed |= failed(&record);
            waiting.bytes += bytes;
            waiting.records.push(record);
            self.bytes += bytes;
            self.bound();
            return;
        }
        let mut root = record;
        let waiting = self.take(trace).unwrap_or_default();
        let reason = if self.keep.errors && (waiting.failed || failed(&root)) {
            Some("error")
        } else if self.keep.slower_than.is_some_and(|threshold| {
            root.end
                .duration_since(root.start)
                .is_ok_and(|lasted| lasted > threshold)
        }) {
            Some("slow")
        } else {
            None
        };
        let kept = match reason {
            Some(reason) if self.admit(root.text(&root.name), reason, second) => {
                self.count(SAMPLING_KEPT_TRACES, reason);
                if let Some(root) = Arc::get_mut(&mut root) {
                    root.set_static(KEPT, reason);
                }
                out.extend(waiting.records);
                out.push(root);
                true
            }
            Some(_) => {
                self.count(SAMPLING_DROPPED_TRACES, "rate");
                false
            }
            None => false,
        };
        self.remember(trace, kept);
    }

    /// Whether operation `name` may keep one more trace for `reason` in `second`: each reason
    /// has its own `per_second`.
    fn admit(&mut self, name: &str, reason: &'static str, second: u64) -> bool {
        let per_second = self.keep.per_second;
        let counts = match self.kept_per_operation.get_mut(name) {
            Some(counts) => counts,
            None => self
                .kept_per_operation
                .entry(name.to_owned())
                .or_insert([(second, 0); 2]),
        };
        let counts = &mut counts[usize::from(reason == "slow")];
        if counts.0 != second {
            *counts = (second, 0);
        }
        if counts.1 >= per_second {
            return false;
        }
        counts.1 += 1;
        true
    }

    fn take(&mut self, trace: u128) -> Option<Waiting> {
        let waiting = self.waiting.remove(&trace)?;
        self.bytes -= waiting.bytes;
        Some(waiting)
    }

    /// Past the bound, the oldest waiting traces are decided now: dropped, and counted.
    fn bound(&mut self) {
        while self.bytes > self.max_bytes {
            let Some(oldest) = self.arrived.pop_front() else {
                break;
            };
            if self.take(oldest).is_some() {
                self.count(SAMPLING_DROPPED_TRACES, "memory");
                self.remember(oldest, false);
            }
        }
        // Ids of traces decided already are dropped from the front as they come, and, behind a
        // trace that waits long (a request running for minutes), all at once when they
        // outnumber the waiting traces.
        while self
            .arrived
            .front()
            .is_some_and(|front| !self.waiting.contains_key(front))
        {
            self.arrived.pop_front();
        }
        if self.arrived.len() > 2 * self.waiting.len() + 1024 {
            let waiting = &self.waiting;
            self.arrived.retain(|trace| waiting.contains_key(trace));
        }
    }

    fn remember(&mut self, trace: u128, kept: bool) {
        if self.decided.insert(trace, kept).is_none() {
            self.decided_order.push_back(trace);
        }
        while self.decided_order.len() > DECIDED {
            if let Some(oldest) = self.decided_order.pop_front() {
                self.decided.remove(&oldest);
            }
        }
    }

    fn count(&self, metric: &'static str, reason: &'static str) {
        if let Some(recorder) = &self.recorder {
            static METADATA: metrics::Metadata<'static> =
                metrics::Metadata::new("tripod", metrics::Level::INFO, Some(module_path!()));
            let key = metrics::Key::from_parts(
                metric,
                vec![metrics::Label::from_static_parts("reason", reason)],
            );
            recorder.register_counter(&key, &METADATA).increment(1);
        }
    }
}

fn failed(record: &SpanRecord) -> bool {
    matches!(record.status, StatusRecord::Error(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::SpanLimits;
    use crate::trace::{SpanId, SpanIds, TraceId};

    /// An unsampled span `span` of trace `trace`, a child of span 1 unless it is span 1.
    fn record(trace: u128, span: u64, failed: bool) -> Arc<SpanRecord> {
        let ids = SpanIds {
            trace_id: TraceId(trace),
            span_id: SpanId(span),
            parent: (span != 1).then_some(SpanId(1)),
            parent_is_remote: false,
            sampled: false,
        };
        let mut record = SpanRecord::new(ids, "work", 0, SpanLimits::default());
        if failed {
            record.status = StatusRecord::Error(None);
        }
        Arc::new(record)
    }

    fn names(out: &[Arc<SpanRecord>]) -> Vec<(u128, u64)> {
        out.iter()
            .map(|record| (record.ids.trace_id.0, record.ids.span_id.0))
            .collect()
    }

    #[test]
    fn a_failed_trace_is_exported_whole_when_its_root_ends_and_a_healthy_one_not_at_all() {
        let mut tail = Tail::new(TracesKeep::errors(), DEFAULT_MAX_BYTES, None);
        let mut out = Vec::new();
        tail.ended(record(1, 2, true), false, 10, &mut out);
        tail.ended(record(2, 2, false), false, 10, &mut out);
        assert!(out.is_empty(), "children wait for their root");
        tail.ended(record(1, 1, false), true, 10, &mut out);
        tail.ended(record(2, 1, false), true, 10, &mut out);
        assert_eq!(names(&out), [(1, 2), (1, 1)]);
        let root = &out[1];
        assert!(
            root.attributes
                .iter()
                .any(|attribute| attribute.key == KEPT),
            "the root says why"
        );
        // A span that ends after its root follows the decision.
        tail.ended(record(1, 3, false), false, 10, &mut out);
        tail.ended(record(2, 3, false), false, 10, &mut out);
        assert_eq!(names(&out), [(1, 2), (1, 1), (1, 3)]);
        assert!(tail.waiting.is_empty() && tail.bytes == 0);
    }

    #[test]
    fn behind_a_trace_that_waits_long_the_ids_of_decided_ones_do_not_pile_up() {
        let mut tail = Tail::new(TracesKeep::errors(), DEFAULT_MAX_BYTES, None);
        let mut out = Vec::new();
        // Trace 1 runs long; 10,000 others start and end behind it.
        tail.ended(record(1, 2, false), false, 10, &mut out);
        for trace in 2..10_002 {
            tail.ended(record(trace, 2, false), false, 10, &mut out);
            tail.ended(record(trace, 1, false), true, 10, &mut out);
        }
        assert_eq!(tail.waiting.len(), 1);
        assert!(tail.arrived.len() <= 1024 + 2, "{}", tail.arrived.len());
    }

    #[test]
    fn past_the_bound_the_oldest_waiting_traces_are_decided_early() {
        let one = record(1, 2, true).heap_bytes() + std::mem::size_of::<SpanRecord>();
        let mut tail = Tail::new(TracesKeep::errors(), 2 * one, None);
        let mut out = Vec::new();
        for trace in 1..=3 {
            tail.ended(record(trace, 2, true), false, 10, &mut out);
        }
        assert_eq!(tail.waiting.len(), 2, "the oldest was dropped");
        assert!(!tail.waiting.contains_key(&1));
        tail.ended(record(1, 1, true), true, 10, &mut out);
        assert!(out.is_empty(), "its root follows the early decision");
        tail.ended(record(3, 1, false), true, 10, &mut out);
        assert_eq!(names(&out), [(3, 2), (3, 1)]);
    }
}
