//! The layer that gives every span its ids.

use tracing::Subscriber;
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::SpanState;
use super::ids::{SpanId, SpanIds, TraceId};
use super::sampler::Sampler;

/// Assigns W3C ids to each new span: a child inherits its parent's trace id and, under a
/// parent-based sampler, its sampling decision; a root span starts a trace.
pub(crate) struct TraceContextLayer {
    sampler: Sampler,
}

impl TraceContextLayer {
    pub(crate) fn new(sampler: Sampler) -> Self {
        TraceContextLayer { sampler }
    }
}

impl<S> Layer<S> for TraceContextLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span.parent().and_then(|parent| {
            parent
                .extensions()
                .get::<SpanState>()
                .map(|state| state.ids)
        });
        let ids = match parent {
            Some(parent) => SpanIds {
                trace_id: parent.trace_id,
                span_id: SpanId::random(),
                parent: Some(parent.span_id),
                parent_is_remote: false,
                sampled: self.sampler.sample_child(parent.trace_id, parent.sampled),
            },
            None => {
                let trace_id = TraceId::random();
                SpanIds {
                    trace_id,
                    span_id: SpanId::random(),
                    parent: None,
                    parent_is_remote: false,
                    sampled: self.sampler.sample_root(trace_id),
                }
            }
        };
        span.extensions_mut().insert(SpanState::new(ids));
    }
}
