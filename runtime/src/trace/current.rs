//! The trace context of a span, from whichever subscriber holds it. tripod's own subscriber and
//! the composable path's trace context layer each [`register`] how to look a span up in
//! them, so this module, the bottom layer, needs to know neither.

use std::sync::OnceLock;

use tracing::Dispatch;
use tracing::span::Id;

use super::SpanContext;

/// How one kind of subscriber finds a span's context: `None` when `dispatch` is not of its kind
/// or does not know the span.
pub(crate) type Lookup = fn(&Dispatch, &Id) -> Option<SpanContext>;

/// The lookups registered so far: one per kind of subscriber a process builds (tripod's own,
/// and a registry stack per subscriber type), so a handful at most.
static LOOKUPS: [OnceLock<Lookup>; 8] = [const { OnceLock::new() }; 8];

/// Makes [`context_of`] ask `lookup` too (once per lookup; a ninth kind is ignored).
pub(crate) fn register(lookup: Lookup) {
    for slot in &LOOKUPS {
        match slot.get() {
            Some(existing) if std::ptr::fn_addr_eq(*existing, lookup) => return,
            Some(_) => continue,
            None => {
                if slot.set(lookup).is_ok() {
                    return;
                }
                // Set by another thread meanwhile: check it, then go on.
                if slot
                    .get()
                    .is_some_and(|set| std::ptr::fn_addr_eq(*set, lookup))
                {
                    return;
                }
            }
        }
    }
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
        LOOKUPS
            .iter()
            .map_while(OnceLock::get)
            .find_map(|lookup| lookup(dispatch, id))
    })
    .flatten()
}
