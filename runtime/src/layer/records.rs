//! The layer that records: each span start, field update, link, event and span end appended to
//! the thread's records, exactly as tripod's subscriber appends them, for the same collector thread
//! to turn into lines, log records, span records, database spans and metrics. It gives every span
//! its ids and tells [`crate::trace::context_of`] how to find them again.

use std::marker::PhantomData;
use std::sync::Arc;

use tracing::span::{Attributes, Id, Record};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::{SpanState, marks};
use crate::call_path::{self, CallEnd, CallPath};
use crate::database::DatabaseEvent;
use crate::local::ThreadBuffers;
use crate::trace::{Lookup, Sampler, SpanContext, SpanIds};

/// Records what it is shown into `buffers`, over the subscriber `S`. It stands behind a filter
/// that lets through what either the log or the trace directives let through (and sqlx's events,
/// when database spans are on), after the [`MarkLayer`](super::MarkLayer)s that say which did.
pub(crate) struct RecordLayer<S> {
    sampler: Sampler,
    buffers: Arc<ThreadBuffers>,
    /// Whether finished spans go anywhere (export, the viewer), the unsampled ones too (for the
    /// tail rules).
    capturing: crate::trace::Capturing,
    /// Whether sqlx's events are recorded for database spans and their metric.
    database: bool,
    _subscriber: PhantomData<fn(S)>,
}

impl<S> RecordLayer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    pub(crate) fn new(
        sampler: Sampler,
        buffers: Arc<ThreadBuffers>,
        capturing: crate::trace::Capturing,
        database: bool,
    ) -> Self {
        crate::trace::register_lookup(Lookup {
            context_of: context_in::<S>,
            current_ids: current_in::<S>,
        });
        call_path::register(record_end_in::<S>);
        RecordLayer {
            sampler,
            buffers,
            capturing,
            database,
            _subscriber: PhantomData,
        }
    }
}

/// The context of the span `id` in `dispatch`, when that is an `S` holding it.
fn context_in<S>(dispatch: &Dispatch, id: &Id) -> Option<SpanContext>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let subscriber = dispatch.downcast_ref::<S>()?;
    let span = subscriber.span(id)?;
    let extensions = span.extensions();
    extensions.get::<SpanState>().map(SpanState::context)
}

/// Records an observed call's end without dispatch (its failure or cancellation event with the
/// verdict this stack's filters gave it, or that it ended while its span stays open), when
/// `dispatch` is an `S` with a [`RecordLayer`] holding `id`.
fn record_end_in<S>(dispatch: &Dispatch, id: &Id, end: CallEnd<'_>) -> bool
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let (Some(layer), Some(subscriber)) = (
        dispatch.downcast_ref::<RecordLayer<S>>(),
        dispatch.downcast_ref::<S>(),
    ) else {
        return false;
    };
    let Some(span) = subscriber.span(id) else {
        return false;
    };
    let extensions = span.extensions();
    let Some(span) = extensions.get::<SpanState>().map(|state| state.ids.span_id) else {
        return false;
    };
    // A verdict comes with the event: its filters gave it as the event went by.
    layer.buffers.call_end(span, end, |_| None);
    true
}

/// The ids of the span current on this thread in `dispatch`, when that is an `S`.
fn current_in<S>(dispatch: &Dispatch) -> Option<SpanIds>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let subscriber = dispatch.downcast_ref::<S>()?;
    let id = subscriber.current_span().id()?.clone();
    let span = subscriber.span(&id)?;
    let extensions = span.extensions();
    extensions.get::<SpanState>().map(|state| state.ids)
}

impl<S> Layer<S> for RecordLayer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        let (logged, traced) = marks::take(metadata);
        let Some(span) = ctx.span(id) else { return };
        let (ids, trace_state) = match span.parent() {
            Some(parent) => {
                let extensions = parent.extensions();
                SpanState::start(self.sampler, extensions.get::<SpanState>())
            }
            None => SpanState::start(self.sampler, None),
        };
        let captured = self.capturing.captures(ids.sampled) && traced;
        // An observed call's span: the collector thread derives the call's start line from it.
        self.buffers.start(
            (metadata, ids, &trace_state),
            captured,
            CallPath::Layer,
            || logged,
            |visitor| attrs.record(visitor),
        );
        span.extensions_mut().insert(SpanState {
            ids,
            trace_state,
            captured,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span_id) = span_ids(&ctx, id).map(|(ids, _)| ids.span_id) else {
            return;
        };
        self.buffers
            .record(|records| records.record(span_id, |visitor| values.record(visitor)));
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        let Some((span, _)) = span_ids(&ctx, id) else {
            return;
        };
        let Some((to, trace_state)) = ctx.span(follows).and_then(|to| {
            let extensions = to.extensions();
            let state = extensions.get::<SpanState>()?;
            Some((state.ids, state.trace_state.clone()))
        }) else {
            return;
        };
        self.buffers
            .record(|records| records.link(span.span_id, to, trace_state));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let (logged, traced) = marks::take(metadata);
        let (span, captured) = ctx
            .event_span(event)
            .and_then(|span| span_ids(&ctx, &span.id()))
            .map_or((None, false), |(ids, captured)| {
                (Some(ids.span_id), captured)
            });
        // sqlx's statement and pool events are recorded whether or not their span is captured:
        // they give a metric as well as a span.
        let database = self.database
            && *metadata.level() <= tracing::Level::DEBUG
            && DatabaseEvent::of(metadata.target()).is_some();
        if call_path::is_derived() {
            // An observed call's event, dispatched for the other layers: the collector thread
            // derives it from the span, or the call records it with this verdict.
            call_path::note_verdict(logged, traced && captured);
            return;
        }
        let traced = database || (traced && captured);
        if logged || traced {
            self.buffers
                .record(|records| records.event(event, span, logged, traced));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some((ids, _)) = span_ids(&ctx, &id) {
            // An observed call's, told how the call ended as it drops its span.
            self.buffers.end(ids.span_id, call_path::take_ending());
        }
    }
}

/// The ids of the span `id`, and whether it is captured.
fn span_ids<S>(ctx: &Context<'_, S>, id: &Id) -> Option<(SpanIds, bool)>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let span = ctx.span(id)?;
    let extensions = span.extensions();
    extensions
        .get::<SpanState>()
        .map(|state| (state.ids, state.captured))
}
