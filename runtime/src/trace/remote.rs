//! Continuing a caller's trace: the remote parent of the next span, handed to the trace context
//! layer while the span is created, so every layer (log lines, the OTLP record, the sampler) sees
//! the span's final ids from its first moment.

use std::cell::RefCell;

use super::traceparent::SpanContext;

thread_local! {
    static NEXT_PARENT: RefCell<Option<SpanContext>> = const { RefCell::new(None) };
}

/// Runs `make_span` so that the first span it creates on this thread continues `parent`'s trace:
/// it takes `parent`'s trace id and trace state, `parent`'s span becomes its remote parent (in
/// place of any current local span), and the configured sampler decides with `parent`'s sampled
/// flag (the `parentbased_*` samplers follow it, `always_on`, `always_off` and `traceidratio`
/// do not). With `None`, or without tripod's subscriber, `make_span` runs as it would alone.
///
/// ```
/// use tripod::trace::{SpanContext, with_remote_parent};
///
/// let caller: SpanContext = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap();
/// let span = with_remote_parent(Some(caller), || tracing::info_span!("handle.job"));
/// // With tripod's subscriber installed, `tripod::trace::context_of(&span)` now has the
/// // caller's trace id, and the span is exported with the caller's span as its parent.
/// # drop(span);
/// ```
pub fn with_remote_parent<T>(parent: Option<SpanContext>, make_span: impl FnOnce() -> T) -> T {
    let Some(parent) = parent else {
        return make_span();
    };
    /// Clears the slot when `make_span` returns or unwinds without creating a span.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            let _ = NEXT_PARENT.try_with(|slot| slot.borrow_mut().take());
        }
    }
    NEXT_PARENT.with(|slot| *slot.borrow_mut() = Some(parent));
    let _clear = Clear;
    make_span()
}

/// The remote parent `with_remote_parent` set for the span being created, taken so only that
/// span gets it.
pub(crate) fn take_next_parent() -> Option<SpanContext> {
    NEXT_PARENT
        .try_with(|slot| slot.try_borrow_mut().ok()?.take())
        .ok()
        .flatten()
}
