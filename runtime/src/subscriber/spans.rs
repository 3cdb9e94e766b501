//! The spans alive in tripod's subscriber: a sharded slab (lock-free insertion and lookup by
//! index, the structure tracing-subscriber's registry uses), each span counted by the handles,
//! children and entries that hold it.

use std::sync::atomic::{AtomicUsize, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard};

use sharded_slab::Slab;
use tracing::Metadata;
use tracing::span::Id;

use crate::logs::SpanLog;
use crate::trace::SpanState;

/// One span.
pub(crate) struct Span {
    pub(crate) metadata: &'static Metadata<'static>,
    pub(crate) parent: Option<Id>,
    /// Whether the trace filter enabled it (it is captured for export when sampled).
    #[cfg_attr(not(feature = "_capture"), allow(dead_code))]
    pub(crate) traced: bool,
    refs: AtomicUsize,
    data: Mutex<SpanData>,
}

/// What changes while the span lives.
pub(crate) struct SpanData {
    pub(crate) state: SpanState,
    /// The span as its events' lines see it.
    pub(crate) log: Arc<SpanLog>,
}

impl Span {
    pub(crate) fn new(
        metadata: &'static Metadata<'static>,
        parent: Option<Id>,
        traced: bool,
        data: SpanData,
    ) -> Span {
        Span {
            metadata,
            parent,
            traced,
            refs: AtomicUsize::new(1),
            data: Mutex::new(data),
        }
    }

    pub(crate) fn data(&self) -> MutexGuard<'_, SpanData> {
        self.data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
            span.refs.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// One holder fewer; when it was the last, `close` gets the span, then it is removed and
    /// its parent released. `true` when the span closed.
    pub(crate) fn release(&self, id: &Id, close: &impl Fn(&Span)) -> bool {
        let mut next = Some(id.clone());
        let mut closed_first = false;
        let mut first = true;
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
            if first {
                closed_first = true;
            }
            first = false;
        }
        closed_first
    }
}

fn index(id: &Id) -> usize {
    (id.into_u64() - 1) as usize
}
