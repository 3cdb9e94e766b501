//! Which filters let a span or an event through, told to the layer that records it.
//!
//! On the composable path the log and trace directives are tracing-subscriber per-layer filters:
//! the only way to learn a filter's verdict (an `EnvFilter` matching span fields keeps state of
//! its own) is to be a layer behind it. A [`MarkLayer`] behind each filter marks, on the calling
//! thread, the callsite it was just shown; the [`RecordLayer`](super::RecordLayer) behind either
//! filter comes after them in the stack and [`takes`](take) the marks for the same callsite.

use std::cell::Cell;
use std::marker::PhantomData;

use tracing::span::{Attributes, Id};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Which filter a [`MarkLayer`] stands behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// The log directives: the event becomes a line and a log record.
    Logged,
    /// The trace directives: the span is captured, the event added to its span's record.
    Traced,
}

/// What this thread's mark layers said of the callsite shown last.
#[derive(Clone, Copy)]
struct Marks {
    /// The callsite, by its metadata's address.
    callsite: usize,
    logged: bool,
    traced: bool,
}

thread_local! {
    static MARKS: Cell<Marks> = const { Cell::new(Marks { callsite: 0, logged: false, traced: false }) };
}

fn address(metadata: &Metadata<'_>) -> usize {
    std::ptr::from_ref(metadata) as usize
}

fn mark(metadata: &Metadata<'_>, mark: Mark) {
    let callsite = address(metadata);
    let _ = MARKS.try_with(|marks| {
        let mut now = marks.get();
        if now.callsite != callsite {
            now = Marks {
                callsite,
                logged: false,
                traced: false,
            };
        }
        match mark {
            Mark::Logged => now.logged = true,
            Mark::Traced => now.traced = true,
        }
        marks.set(now);
    });
}

/// Whether the callsite `metadata` was marked logged and traced since it was last taken; the
/// marks are cleared.
pub(super) fn take(metadata: &Metadata<'_>) -> (bool, bool) {
    let callsite = address(metadata);
    MARKS
        .try_with(|marks| {
            let now = marks.replace(Marks {
                callsite: 0,
                logged: false,
                traced: false,
            });
            if now.callsite == callsite {
                (now.logged, now.traced)
            } else {
                (false, false)
            }
        })
        .unwrap_or((false, false))
}

/// A layer that marks every span and event its filter lets through.
pub(crate) struct MarkLayer<S> {
    mark: Mark,
    _subscriber: PhantomData<fn(S)>,
}

impl<S> MarkLayer<S> {
    pub(crate) fn new(mark: Mark) -> Self {
        MarkLayer {
            mark,
            _subscriber: PhantomData,
        }
    }
}

impl<S: Subscriber> Layer<S> for MarkLayer<S> {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        mark(attrs.metadata(), self.mark);
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        mark(event.metadata(), self.mark);
    }
}
