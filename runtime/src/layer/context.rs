//! The layer that gives every span its ids, and tells [`crate::trace::context_of`] how to find
//! them again.

use std::marker::PhantomData;

use tracing::span::{Attributes, Id};
use tracing::{Dispatch, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::SpanState;
use crate::trace::{Lookup, Sampler, SpanContext, SpanIds};

/// Assigns W3C ids to each new span, as [`SpanState::start`] says, over the subscriber `S`.
pub(crate) struct TraceContextLayer<S> {
    sampler: Sampler,
    _subscriber: PhantomData<fn(S)>,
}

impl<S> TraceContextLayer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    pub(crate) fn new(sampler: Sampler) -> Self {
        crate::trace::register_lookup(Lookup {
            context_of: context_in::<S>,
            current_ids: current_in::<S>,
        });
        TraceContextLayer {
            sampler,
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

impl<S> Layer<S> for TraceContextLayer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let state = match span.parent() {
            Some(parent) => {
                let extensions = parent.extensions();
                let Some(parent) = extensions.get::<SpanState>() else {
                    return;
                };
                SpanState::start(self.sampler, Some(parent))
            }
            None => SpanState::start(self.sampler, None),
        };
        span.extensions_mut().insert(state);
    }
}
