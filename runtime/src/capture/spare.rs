//! Records of finished spans handed back once every sink is done with them, to be filled again by
//! the collector thread: a span's record (its text, attributes and events) is then allocated once
//! and reused, instead of allocated on the collector thread for every span and freed on the
//! export thread (an allocation freed on another thread than the one that made it takes the
//! allocator's slow path on both: `malloc` and `free` made 15–20 % of the collector thread's
//! profile, see BENCHMARKS.md). Process-wide and bounded: at most [`KEPT`] records, none larger
//! than [`LARGEST`].
// Only the OTLP export thread hands records back (the viewer's store keeps them until they are
// dropped): without it, the collector thread finds none and makes each record anew.
#![cfg_attr(not(feature = "otlp"), allow(dead_code))]

use std::sync::{Arc, Mutex};

use super::span::SpanRecord;

/// Records kept for reuse.
const KEPT: usize = 1024;
/// The largest record kept, in heap bytes: one that held an unusually large span is freed.
const LARGEST: usize = 2048;

/// Records handed back.
pub(crate) struct SpareRecords(Mutex<Vec<Arc<SpanRecord>>>);

/// The process's: the OTLP export threads hand records back, collector threads take them.
pub(crate) static SPARE: SpareRecords = SpareRecords(Mutex::new(Vec::new()));

impl SpareRecords {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<SpanRecord>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands back `records` the sinks are done with: those nothing else shares are kept for
    /// reuse, within the bounds; the others are dropped.
    pub(crate) fn give_back(&self, records: impl IntoIterator<Item = Arc<SpanRecord>>) {
        let mut spare = self.lock();
        for mut record in records {
            if spare.len() < KEPT
                && Arc::get_mut(&mut record).is_some_and(|record| record.heap_bytes() <= LARGEST)
            {
                spare.push(record);
            }
        }
    }
}

/// A collector thread's own stock of records to reuse, refilled from what was handed back a
/// batch at a time (one lock for many records).
#[derive(Default)]
pub(crate) struct Spares(Vec<Arc<SpanRecord>>);

impl Spares {
    /// A record to fill again, when one was handed back to `spare`.
    pub(crate) fn take(&mut self, spare: &SpareRecords) -> Option<Arc<SpanRecord>> {
        if self.0.is_empty() {
            std::mem::swap(&mut self.0, &mut *spare.lock());
        }
        self.0.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FieldWriter as _, SpanLimits};
    use crate::trace::{SpanId, SpanIds, TraceId};

    fn ids() -> SpanIds {
        SpanIds {
            trace_id: TraceId(1),
            span_id: SpanId(2),
            parent: None,
            parent_is_remote: false,
            sampled: true,
        }
    }

    fn record() -> SpanRecord {
        SpanRecord::new(ids(), "spare", 2, SpanLimits::default())
    }

    fn spare() -> SpareRecords {
        SpareRecords(Mutex::new(Vec::new()))
    }

    #[test]
    fn a_record_nothing_else_holds_is_reused_and_a_shared_one_is_not() {
        let (spare, mut spares) = (spare(), Spares::default());
        let alone = Arc::new(record());
        let alone_at = Arc::as_ptr(&alone);
        let shared = Arc::new(record());
        let _viewer_holds = shared.clone();
        spare.give_back([alone, shared]);
        let reused = spares.take(&spare).expect("the record nothing else held");
        assert_eq!(Arc::as_ptr(&reused), alone_at);
        assert!(spares.take(&spare).is_none());
    }

    #[test]
    fn a_record_that_grew_past_the_bound_is_freed_not_kept() {
        let (spare, mut spares) = (spare(), Spares::default());
        let mut large = record();
        let long = "x".repeat(LARGEST);
        large.field("long", crate::capture::FieldValue::Str(&long));
        assert!(large.heap_bytes() > LARGEST);
        spare.give_back([Arc::new(large)]);
        assert!(spares.take(&spare).is_none());
    }

    #[test]
    fn at_most_the_bound_is_kept() {
        let spare = spare();
        spare.give_back((0..KEPT + 10).map(|_| Arc::new(record())));
        assert_eq!(spare.lock().len(), KEPT);
    }

    #[test]
    fn a_restarted_record_is_as_new_and_keeps_its_memory() {
        let mut used = record();
        used.set_static("code.file.path", "src/main.rs");
        used.event_at(crate::clock::now(), "something", |_| {});
        used.end();
        let held = used.heap_bytes();
        let now = crate::clock::now();
        used.restart(ids(), "again", 2, SpanLimits::default(), now);
        assert!(used.attributes.is_empty() && used.events.is_empty());
        assert_eq!(used.text(&used.name), "again");
        assert_eq!((used.start, used.end), (now, now));
        assert_eq!(used.heap_bytes(), held);
    }
}
