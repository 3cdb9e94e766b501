//! tripod's own `tracing` subscriber, what `tripod::init()` installs: span ids and W3C trace
//! context, the current span per thread, `Span::record` and `follows_from`, `RUST_LOG`-style
//! filtering, log lines and span capture, with no registry or layer stack in between.
//!
//! On the application's thread an event costs a lookup of its span, a copy of its field values
//! into the thread's buffer ([`crate::logs::LogPipeline`]) and, in a sampled span, an entry in
//! the span's record; lines are laid out and written by tripod's log thread, spans encoded by the
//! export thread. Applications that compose their own tracing-subscriber stack use
//! [`Builder::into_layer`](crate::Builder::into_layer) instead, as do directives that match span
//! fields (`[request{id=7}]=debug`), which only tracing-subscriber's `EnvFilter` understands.

mod filter;
mod spans;
mod stack;

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use thread_local::ThreadLocal;
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

pub(crate) use filter::Filters;
use spans::{Span, SpanData, Spans};
use stack::SpanStack;

use crate::logs::{LogPipeline, SpanFields, SpanLog};
use crate::trace::{Sampler, SpanContext, SpanState};

/// The subscriber.
pub(crate) struct TripodSubscriber {
    spans: Spans,
    stacks: ThreadLocal<RefCell<SpanStack>>,
    filters: Filters,
    sampler: Sampler,
    logs: Arc<LogPipeline>,
    #[cfg(feature = "_capture")]
    capture: Option<crate::capture::Capture>,
}

thread_local! {
    /// Set while the subscriber runs code of the application's (a field's `Debug`): an event
    /// that code emits is dropped rather than recursing into a span held for writing.
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Marks the thread busy until dropped; `None` when it already is.
struct Busy;

impl Busy {
    fn enter() -> Option<Busy> {
        BUSY.try_with(|busy| (!busy.replace(true)).then_some(Busy))
            .ok()
            .flatten()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let _ = BUSY.try_with(|busy| busy.set(false));
    }
}

impl TripodSubscriber {
    pub(crate) fn new(
        filters: Filters,
        sampler: Sampler,
        logs: Arc<LogPipeline>,
        #[cfg(feature = "_capture")] capture: Option<crate::capture::Capture>,
    ) -> Self {
        TripodSubscriber {
            spans: Spans::default(),
            stacks: ThreadLocal::new(),
            filters,
            sampler,
            logs,
            #[cfg(feature = "_capture")]
            capture,
        }
    }

    fn current_id(&self) -> Option<Id> {
        self.stacks
            .get()
            .and_then(|stack| stack.try_borrow().ok()?.current().cloned())
    }

    /// The trace context of the span `id`.
    pub(crate) fn context(&self, id: &Id) -> Option<SpanContext> {
        Some(self.spans.get(id)?.data().state.context())
    }

    /// The span an event or a new span belongs in: the explicit parent, none for a root, or the
    /// current span.
    fn parent_of(&self, contextual: bool, parent: Option<&Id>) -> Option<Id> {
        if contextual {
            self.current_id()
        } else {
            parent.cloned()
        }
    }
}

impl Subscriber for TripodSubscriber {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.filters.interest(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filters.enabled(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.filters.max_level())
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let metadata = attrs.metadata();
        // Inside the application's `Debug` called by the subscriber, a span starts a trace of
        // its own rather than wait for its parent, which may be held.
        let parent = Busy::enter().and_then(|busy| {
            let parent = self.parent_of(attrs.is_contextual(), attrs.parent())?;
            let span = self.spans.get(&parent)?;
            let data = span.data();
            let found = (
                parent.clone(),
                SpanState::start(self.sampler, Some(&data.state)),
                data.log.clone(),
            );
            drop(busy);
            Some(found)
        });
        let (parent, state, parent_log) = match parent {
            Some((id, state, log)) => {
                self.spans.hold(&id);
                (Some(id), state, Some(log))
            }
            None => (None, SpanState::start(self.sampler, None), None),
        };
        let traced = self.filters.traces(metadata);
        #[cfg_attr(not(feature = "_capture"), allow(unused_mut))]
        let mut state = state;
        #[cfg(feature = "_capture")]
        if traced && let Some(capture) = &self.capture {
            capture.start(&mut state, attrs);
        }
        let log = Arc::new(SpanLog {
            ids: state.ids,
            fields: SpanFields::new(attrs),
            parent: parent_log,
        });
        self.spans
            .insert(Span::new(metadata, parent, traced, SpanData { state, log }))
    }

    fn record(&self, id: &Id, values: &Record<'_>) {
        let Some(span) = self.spans.get(id) else {
            return;
        };
        let Some(_busy) = Busy::enter() else { return };
        let mut data = span.data();
        #[cfg(feature = "_capture")]
        if span.traced {
            crate::capture::Capture::record(&mut data.state, values);
        }
        Arc::make_mut(&mut data.log).fields.record(values);
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        #[cfg(feature = "_capture")]
        {
            let Some(to) = self.spans.get(follows) else {
                return;
            };
            let (ids, trace_state) = {
                let data = to.data();
                (data.state.ids, data.state.trace_state.clone())
            };
            drop(to);
            if let Some(span) = self.spans.get(span) {
                crate::capture::Capture::link(&mut span.data().state, ids, &trace_state);
            }
        }
        #[cfg(not(feature = "_capture"))]
        let _ = (span, follows);
    }

    fn event(&self, event: &Event<'_>) {
        let Some(_busy) = Busy::enter() else { return };
        let metadata = event.metadata();
        let span = self
            .parent_of(event.is_contextual(), event.parent())
            .and_then(|id| self.spans.get(&id));
        let log = span.map(|span| {
            #[cfg_attr(not(feature = "_capture"), allow(unused_mut))]
            let mut data = span.data();
            #[cfg(feature = "_capture")]
            if span.traced && self.filters.traces(metadata) {
                crate::capture::Capture::event(&mut data.state, event);
            }
            data.log.clone()
        });
        if self.filters.logs(metadata) {
            self.logs.record(event, log);
        }
    }

    fn enter(&self, id: &Id) {
        let stack = self.stacks.get_or_default();
        if let Ok(mut stack) = stack.try_borrow_mut()
            && stack.push(id)
        {
            self.spans.hold(id);
        }
    }

    fn exit(&self, id: &Id) {
        let Some(stack) = self.stacks.get() else {
            return;
        };
        let release = stack.try_borrow_mut().is_ok_and(|mut stack| stack.pop(id));
        if release {
            self.try_close(id.clone());
        }
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.spans.hold(id);
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        self.spans.release(&id, &|span: &Span| {
            #[cfg(feature = "_capture")]
            if let Some(capture) = &self.capture {
                capture.close(&mut span.data().state);
            }
            #[cfg(not(feature = "_capture"))]
            let _ = span;
        })
    }

    fn current_span(&self) -> Current {
        match self
            .current_id()
            .and_then(|id| Some((self.spans.get(&id)?.metadata, id)))
        {
            Some((metadata, id)) => Current::new(id, metadata),
            None => Current::none(),
        }
    }
}
