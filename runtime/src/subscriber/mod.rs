//! tripod's own `tracing` subscriber, what `tripod::init()` installs: span ids and W3C trace
//! context, the current span per thread, `Span::record` and `follows_from`, `RUST_LOG`-style
//! filtering, log lines and span capture, with no registry or layer stack in between.
//!
//! On the application's thread a span or an event costs a slab lookup or insertion and a
//! compact record appended to the thread's own buffer (`local::ThreadBuffers`): field values
//! copied, nothing laid out. tripod's pipeline (`pipeline::Pipeline`) turns the records into log
//! lines and span records, which the export thread encodes. Applications that compose their own
//! tracing-subscriber stack use [`Builder::into_layer`](crate::Builder::into_layer) instead, as do
//! directives that match span fields (`[request{id=7}]=debug`), which only tracing-subscriber's
//! `EnvFilter` understands.

mod filter;
mod spans;
mod stack;

use std::cell::RefCell;
use std::sync::Arc;

use thread_local::ThreadLocal;
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

pub(crate) use filter::Filters;
use spans::{Span, Spans};
use stack::{Known, SpanStack};

use crate::call_path::{self, CallEnd, CallPath};
use crate::local::ThreadBuffers;
use crate::trace::{Sampler, SpanContext, SpanIds};

/// The subscriber.
pub(crate) struct TripodSubscriber {
    spans: Spans,
    stacks: ThreadLocal<RefCell<SpanStack>>,
    filters: Filters,
    sampler: Sampler,
    buffers: Arc<ThreadBuffers>,
    /// Whether finished spans go anywhere (export, the viewer), the unsampled ones too (for the
    /// tail rules).
    capturing: crate::trace::Capturing,
}

impl TripodSubscriber {
    pub(crate) fn new(
        filters: Filters,
        sampler: Sampler,
        buffers: Arc<ThreadBuffers>,
        capturing: crate::trace::Capturing,
    ) -> Self {
        crate::trace::register_lookup(crate::trace::Lookup {
            context_of: context_in,
            current_ids: current_in,
        });
        call_path::register(record_end_in);
        TripodSubscriber {
            spans: Spans::default(),
            stacks: ThreadLocal::new(),
            filters,
            sampler,
            buffers,
            capturing,
        }
    }

    fn current_id(&self) -> Option<Id> {
        self.stacks
            .get()
            .and_then(|stack| stack.try_borrow().ok()?.current().cloned())
    }

    /// What events, exemplars and `current_span` ask of the span `id`: from what this thread
    /// knows ([`SpanStack::known`]), else from the store.
    fn known(&self, id: &Id) -> Option<Known> {
        if let Some(known) = self
            .stacks
            .get()
            .and_then(|stack| stack.try_borrow().ok()?.known(id))
        {
            return Some(known);
        }
        self.spans.get(id).map(|span| span.known())
    }

    /// The current span and what is known of it.
    fn current_known(&self) -> Option<(Id, Known)> {
        let (id, known) = self.stacks.get().and_then(|stack| {
            let stack = stack.try_borrow().ok()?;
            stack.current_known().map(|(id, known)| (id.clone(), known))
        })?;
        match known {
            Some(known) => Some((id, known)),
            None => {
                let known = self.spans.get(&id)?.known();
                Some((id, known))
            }
        }
    }

    /// The trace context of the span `id`.
    pub(crate) fn context(&self, id: &Id) -> Option<SpanContext> {
        let span = self.spans.get(id)?;
        Some(
            span.ids
                .context()
                .with_trace_state(span.trace_state.clone()),
        )
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

/// The context of the span `id` in `dispatch`, when that is tripod's subscriber holding it.
fn context_in(dispatch: &tracing::Dispatch, id: &Id) -> Option<SpanContext> {
    dispatch.downcast_ref::<TripodSubscriber>()?.context(id)
}

/// Records an observed call's end without dispatch (its failure or cancellation event, or that it
/// ended while its span stays open), when `dispatch` is tripod's subscriber holding `id`.
fn record_end_in(dispatch: &tracing::Dispatch, id: &Id, end: CallEnd<'_>) -> bool {
    let Some(subscriber) = dispatch.downcast_ref::<TripodSubscriber>() else {
        return false;
    };
    let Some(known) = subscriber.known(id) else {
        return false;
    };
    subscriber
        .buffers
        .call_end(known.ids.span_id, end, |metadata| {
            let (logged, traced) = subscriber.filters.logs_and_traces(metadata);
            Some((logged, traced && known.captured))
        });
    true
}

/// The ids of the span current on this thread, when `dispatch` is tripod's subscriber.
fn current_in(dispatch: &tracing::Dispatch) -> Option<SpanIds> {
    let subscriber = dispatch.downcast_ref::<TripodSubscriber>()?;
    subscriber.current_known().map(|(_, known)| known.ids)
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
        let parent = self
            .parent_of(attrs.is_contextual(), attrs.parent())
            .and_then(|id| {
                let span = self.spans.get(&id)?;
                // The child holds its parent until it closes.
                span.hold();
                Some((id, (span.ids, span.trace_state.clone())))
            });
        let (ids, trace_state) = crate::trace::start_ids(
            self.sampler,
            parent
                .as_ref()
                .map(|(_, (ids, trace_state))| (ids, trace_state)),
        );
        let captured = self.capturing.captures(ids.sampled) && self.filters.traces(metadata);
        // An observed call's span: the collector thread derives the call's start and success lines.
        self.buffers.start(
            (metadata, ids, &trace_state),
            captured,
            CallPath::Derived,
            || self.filters.logs_and_traces(metadata).0,
            |visitor| attrs.record(visitor),
        );
        let id = self.spans.insert(Span::new(
            metadata,
            parent.map(|(id, _)| id),
            ids,
            trace_state,
            captured,
        ));
        if let Ok(mut stack) = self.stacks.get_or_default().try_borrow_mut() {
            stack.created(
                &id,
                Known {
                    metadata,
                    ids,
                    captured,
                },
            );
        }
        id
    }

    fn record(&self, id: &Id, values: &Record<'_>) {
        let Some(span_id) = self.known(id).map(|known| known.ids.span_id) else {
            return;
        };
        self.buffers
            .record(|records| records.record(span_id, |visitor| values.record(visitor)));
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        let Some(span_id) = self.spans.get(span).map(|span| span.ids.span_id) else {
            return;
        };
        let Some((to, trace_state)) = self
            .spans
            .get(follows)
            .map(|to| (to.ids, to.trace_state.clone()))
        else {
            return;
        };
        self.buffers
            .record(|records| records.link(span_id, to, trace_state));
    }

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let known = if event.is_contextual() {
            self.current_known().map(|(_, known)| known)
        } else {
            event.parent().and_then(|id| self.known(id))
        };
        let (span, captured) = known
            .map(|known| (Some(known.ids.span_id), known.captured))
            .unwrap_or((None, false));
        // sqlx's statement and pool events are recorded whether or not their span is captured:
        // they give a metric as well as a span.
        let (logged, traced) = match self.filters.database_event(metadata) {
            Some(_) => (self.filters.logs(metadata), true),
            None => {
                let (logged, traced) = self.filters.logs_and_traces(metadata);
                (logged, traced && captured)
            }
        };
        if logged || traced {
            self.buffers
                .record(|records| records.event(event, span, logged, traced));
        }
    }

    // Entering does not hold the span (the registry does): `tracing`'s guards borrow or own
    // the span's handle while it is entered, so it cannot close meanwhile; and should it close
    // through the raw `Dispatch` API, its id no longer resolves (the slab's keys carry a
    // generation), so a stale entry on the stack is never mistaken for a newer span. That
    // spares each enter and exit a reference count, and entering the span this thread just
    // created (or has entered already) a lookup: the stack keeps what is known of it.
    fn enter(&self, id: &Id) {
        if let Ok(mut stack) = self.stacks.get_or_default().try_borrow_mut() {
            let known = stack
                .known(id)
                .or_else(|| self.spans.get(id).map(|span| span.known()));
            stack.push(id, known);
        }
    }

    fn exit(&self, id: &Id) {
        if let Some(stack) = self.stacks.get()
            && let Ok(mut stack) = stack.try_borrow_mut()
        {
            stack.pop(id);
        }
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.spans.hold(id);
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        // How the observed call that drops its span ended: told to the span's end, or, when
        // another handle keeps the span open, recorded on its own.
        let ending = std::cell::Cell::new(call_path::take_ending());
        let closed = self.spans.release(&id, |span| {
            self.buffers.end(span.ids.span_id, ending.take())
        });
        if let Some(ending) = ending.take()
            && let Some(known) = self.known(&id)
        {
            self.buffers
                .record(|records| records.call_ended(known.ids.span_id, ending));
        }
        if closed
            && let Some(stack) = self.stacks.get()
            && let Ok(mut stack) = stack.try_borrow_mut()
        {
            stack.closed(&id);
        }
        closed
    }

    fn current_span(&self) -> Current {
        match self.current_known() {
            Some((id, known)) => Current::new(id, known.metadata),
            None => Current::none(),
        }
    }
}
