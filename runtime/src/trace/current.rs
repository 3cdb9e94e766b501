//! The trace context of a span, from whichever subscriber holds it. tripod's own subscriber and
//! the composable path's trace context layer each [`register`] how to look spans up in them, so
//! this module, the bottom layer, needs to know neither.

use std::cell::Cell;
use std::sync::OnceLock;

use tracing::Dispatch;
use tracing::span::Id;

use super::{SpanContext, SpanIds};

/// How one kind of subscriber finds spans: each function answers `None` when `dispatch` is not
/// of its kind or does not know the span.
#[derive(Clone, Copy)]
pub(crate) struct Lookup {
    /// The context of the span `id`.
    pub(crate) context_of: fn(&Dispatch, &Id) -> Option<SpanContext>,
    /// The ids of the span current on this thread.
    #[cfg_attr(not(feature = "_recorder"), allow(dead_code))]
    pub(crate) current_ids: fn(&Dispatch) -> Option<SpanIds>,
}

/// The lookups registered so far: one per kind of subscriber a process builds (tripod's own,
/// and a registry stack per subscriber type), so a handful at most.
static LOOKUPS: [OnceLock<Lookup>; 8] = [const { OnceLock::new() }; 8];

fn same(a: &Lookup, b: &Lookup) -> bool {
    std::ptr::fn_addr_eq(a.context_of, b.context_of)
}

/// Makes [`context_of`] and [`current_ids`] ask `lookup` too (once per lookup; a ninth kind is
/// ignored).
pub(crate) fn register(lookup: Lookup) {
    for slot in &LOOKUPS {
        if slot.get().is_none() {
            let _ = slot.set(lookup);
        }
        // Set, by this call or by another thread meanwhile.
        if slot.get().is_some_and(|set| same(set, &lookup)) {
            return;
        }
    }
}

fn lookups() -> impl Iterator<Item = &'static Lookup> {
    LOOKUPS.iter().map_while(OnceLock::get)
}

/// The trace context of the current span, if any span is current and `tripod::init()` installed
/// the subscriber.
///
/// ```
/// // Without tripod's subscriber there is no trace context.
/// assert!(tripod::trace::current().is_none());
/// ```
pub fn current() -> Option<SpanContext> {
    context_of(&tracing::Span::current())
}

/// The trace context of `span`: its ids, sampled flag and trace state.
pub fn context_of(span: &tracing::Span) -> Option<SpanContext> {
    span.with_subscriber(|(id, dispatch)| {
        lookups().find_map(|lookup| (lookup.context_of)(dispatch, id))
    })
    .flatten()
}

/// The ids of the span current on this thread in the default subscriber: what an exemplar
/// points at. Cheaper than [`current`]: no trace state is copied, no span handle made. While
/// [`standing_in`] runs, the ids it was given.
#[cfg(feature = "_recorder")]
pub(crate) fn current_ids() -> Option<SpanIds> {
    if let Ok(Some(ids)) = STANDING_IN.try_with(Cell::get) {
        return ids;
    }
    tracing::dispatcher::get_default(|dispatch| {
        lookups().find_map(|lookup| (lookup.current_ids)(dispatch))
    })
}

thread_local! {
    /// The span [`current_ids`] answers with while [`standing_in`] runs.
    static STANDING_IN: Cell<Option<Option<SpanIds>>> = const { Cell::new(None) };
}

/// Runs `f` with `ids` standing in for this thread's current span, for the exemplars of what `f`
/// records: the collector thread records an observed call's metrics for it.
pub(crate) fn standing_in<R>(ids: Option<SpanIds>, f: impl FnOnce() -> R) -> R {
    let before = STANDING_IN
        .try_with(|cell| cell.replace(Some(ids)))
        .ok()
        .flatten();
    let result = f();
    let _ = STANDING_IN.try_with(|cell| cell.set(before));
    result
}
