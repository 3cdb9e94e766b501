//! The spans alive in tripod's subscriber: a sharded slab (lock-free insertion and lookup by
//! index, the structure tracing-subscriber's registry uses), each span counted by the handles,
//! children and entries that hold it. A slot holds only what the application's threads ask of a
//! live span (its callsite, parent, ids and trace state); its fields and record are the
//! collector thread's.

use std::sync::atomic::{AtomicUsize, Ordering, fence};

use sharded_slab::Slab;
use tracing::Metadata;
use tracing::span::Id;

use crate::trace::{SpanIds, TraceState};

/// One span.
pub(crate) struct Span {
    pub(crate) metadata: &'static Metadata<'static>,
    pub(crate) parent: Option<Id>,
    pub(crate) ids: SpanIds,
    pub(crate) trace_state: TraceState,
    /// Whether it is captured for the sinks (sampled, or held for the tail rules; enabled by the
    /// trace filter): its events are then added to its record.
    pub(crate) captured: bool,
    refs: AtomicUsize,
}

impl Span {
    /// What a thread keeps of it while it is entered.
    pub(crate) fn known(&self) -> super::Known {
        super::Known {
            metadata: self.metadata,
            ids: self.ids,
            captured: self.captured,
        }
    }

    /// One more holder.
    pub(crate) fn hold(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn new(
        metadata: &'static Metadata<'static>,
        parent: Option<Id>,
        ids: SpanIds,
        trace_state: TraceState,
        captured: bool,
    ) -> Span {
        Span {
            metadata,
            parent,
            ids,
            trace_state,
            captured,
            refs: AtomicUsize::new(1),
        }
    }
}

/// The spans, by id.
#[derive(Default)]
pub(crate) struct Spans {
    slab: Slab<Span>,
}

pub(crate) type SpanRef<'a> = sharded_slab::Entry<'a, Span>;

impl Spans {
    /// Stores a new span (held once, by the handle `new_span` returns).
    pub(crate) fn insert(&self, span: Span) -> Id {
        let index = self
            .slab
            .insert(span)
            .expect("tripod's subscriber has no room for another span");
        Id::from_u64(index as u64 + 1)
    }

    pub(crate) fn get(&self, id: &Id) -> Option<SpanRef<'_>> {
        self.slab.get(index(id))
    }

    /// One more holder of `id`.
    pub(crate) fn hold(&self, id: &Id) {
        if let Some(span) = self.get(id) {
            span.hold();
        }
    }

    /// One holder fewer; when it was the last, `close` gets the span, then it is removed and its
    /// parent released (and closed, if that was its last holder). `true` when `id` closed.
    pub(crate) fn release(&self, id: &Id, close: impl Fn(&Span)) -> bool {
        let mut next = Some(id.clone());
        let mut closed = false;
        while let Some(id) = next.take() {
            let Some(span) = self.get(&id) else { break };
            if span.refs.fetch_sub(1, Ordering::Release) != 1 {
                break;
            }
            fence(Ordering::Acquire);
            close(&span);
            next = span.parent.clone();
            drop(span);
            self.slab.remove(index(&id));
            closed = true;
        }
        closed
    }
}

fn index(id: &Id) -> usize {
    (id.into_u64() - 1) as usize
}
