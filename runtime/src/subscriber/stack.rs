//! What each thread knows of spans without asking the store: the spans it has entered,
//! innermost last (the current span is the last one not entered twice, the registry's rule),
//! and the span it created last. Each comes with what events, exemplars and `current_span` ask
//! of a span ([`Known`]), so the common case (a span created, entered, given events and closed
//! on one thread) looks nothing up in the shared store.
//!
//! Why what is known stays true: an entered span cannot close while it is entered (`tracing`'s
//! guards hold its handle), and a span's id is only ever given to another span by a later
//! insertion on the thread that created it (the store's shards are per thread), which replaces
//! what that thread knows as the last span created.

use tracing::Metadata;
use tracing::span::Id;

use crate::trace::SpanIds;

/// What a thread knows of a span.
#[derive(Clone, Copy)]
pub(crate) struct Known {
    pub(crate) metadata: &'static Metadata<'static>,
    pub(crate) ids: SpanIds,
    /// Whether it is captured for the sinks.
    pub(crate) captured: bool,
}

struct Entered {
    id: Id,
    /// Entered again while already on the stack.
    again: bool,
    /// `None` for an id the store no longer knew when it was entered.
    known: Option<Known>,
}

#[derive(Default)]
pub(crate) struct SpanStack {
    entered: Vec<Entered>,
    /// The span this thread created last.
    created: Option<(Id, Known)>,
}

impl SpanStack {
    /// The span `id` as this thread knows it: the one it created last, or one it has entered.
    pub(crate) fn known(&self, id: &Id) -> Option<Known> {
        match &self.created {
            Some((created, known)) if created == id => Some(*known),
            _ => self
                .entered
                .iter()
                .rev()
                .find(|entered| &entered.id == id)
                .and_then(|entered| entered.known),
        }
    }

    /// Remembers the span this thread just created.
    pub(crate) fn created(&mut self, id: &Id, known: Known) {
        self.created = Some((id.clone(), known));
    }

    /// Forgets the span created last when it is `id` (it closed).
    pub(crate) fn closed(&mut self, id: &Id) {
        if self
            .created
            .as_ref()
            .is_some_and(|(created, _)| created == id)
        {
            self.created = None;
        }
    }

    /// Enters `id`, known as `known` (see [`known`](SpanStack::known)).
    pub(crate) fn push(&mut self, id: &Id, known: Option<Known>) {
        let again = self.entered.iter().any(|entered| &entered.id == id);
        self.entered.push(Entered {
            id: id.clone(),
            again,
            known,
        });
    }

    /// Exits `id`: its last entry goes.
    pub(crate) fn pop(&mut self, id: &Id) {
        if let Some(at) = self.entered.iter().rposition(|entered| &entered.id == id) {
            self.entered.remove(at);
        }
    }

    fn current_entry(&self) -> Option<&Entered> {
        self.entered.iter().rev().find(|entered| !entered.again)
    }

    pub(crate) fn current(&self) -> Option<&Id> {
        self.current_entry().map(|entered| &entered.id)
    }

    /// The current span and what is known of it.
    pub(crate) fn current_known(&self) -> Option<(&Id, Option<Known>)> {
        self.current_entry()
            .map(|entered| (&entered.id, entered.known))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{SpanId, TraceId};

    fn known(span: u64) -> Known {
        let registry = tracing_subscriber::registry();
        let metadata = tracing::subscriber::with_default(registry, || {
            tracing::info_span!("job")
                .metadata()
                .expect("an enabled span")
        });
        Known {
            metadata,
            ids: SpanIds {
                trace_id: TraceId(1),
                span_id: SpanId(span),
                parent: None,
                parent_is_remote: false,
                sampled: true,
            },
            captured: true,
        }
    }

    #[test]
    fn a_span_entered_twice_stays_current_until_both_exits_and_spans_may_exit_out_of_order() {
        let (a, b) = (Id::from_u64(1), Id::from_u64(2));
        let mut stack = SpanStack::default();
        stack.push(&a, None);
        stack.push(&b, None);
        stack.push(&a, None);
        assert_eq!(
            stack.current(),
            Some(&b),
            "entered again: not current again"
        );
        stack.pop(&a);
        assert_eq!(stack.current(), Some(&b));
        stack.pop(&b);
        assert_eq!(stack.current(), Some(&a));
        stack.pop(&a);
        assert_eq!(stack.current(), None);
    }

    #[test]
    fn the_span_created_last_and_entered_spans_are_known_and_a_closed_one_no_longer() {
        let (a, b, c) = (Id::from_u64(1), Id::from_u64(2), Id::from_u64(3));
        let mut stack = SpanStack::default();
        stack.created(&a, known(10));
        assert_eq!(stack.known(&a).map(|k| k.ids.span_id), Some(SpanId(10)));
        stack.push(&a, stack.known(&a));
        stack.created(&b, known(20));
        assert_eq!(stack.known(&b).map(|k| k.ids.span_id), Some(SpanId(20)));
        // `a` is still known while entered, though no longer the span created last.
        assert_eq!(stack.known(&a).map(|k| k.ids.span_id), Some(SpanId(10)));
        assert_eq!(
            stack
                .current_known()
                .map(|(id, k)| (id.clone(), k.map(|k| k.ids.span_id))),
            Some((a.clone(), Some(SpanId(10))))
        );
        assert!(stack.known(&c).is_none(), "never seen here");
        stack.closed(&b);
        assert!(stack.known(&b).is_none());
        stack.pop(&a);
        assert!(
            stack.known(&a).is_none(),
            "exited and not the span created last"
        );
    }
}
