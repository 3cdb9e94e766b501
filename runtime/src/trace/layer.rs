//! The layer that gives every span its ids.

use tracing::Subscriber;
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::SpanState;
use super::ids::{SpanId, SpanIds, TraceId};
use super::sampler::Sampler;

/// Assigns W3C ids to each new span: a child inherits its parent's trace id and trace state and,
/// under a parent-based sampler, its sampling decision; a span created inside
/// [`with_remote_parent`](super::with_remote_parent) continues the remote trace; any other root
/// span starts a trace.
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
        let state = match super::remote::take_next_parent() {
            Some(remote) => SpanState::new(
                SpanIds {
                    trace_id: remote.trace_id,
                    span_id: SpanId::random(),
                    parent: Some(remote.span_id),
                    parent_is_remote: true,
                    sampled: self.sampler.sample_child(remote.trace_id, remote.sampled),
                },
                remote.trace_state,
            ),
            None => match span.parent() {
                Some(parent) => {
                    let extensions = parent.extensions();
                    let Some(parent) = extensions.get::<SpanState>() else {
                        return;
                    };
                    SpanState::new(
                        SpanIds {
                            trace_id: parent.ids.trace_id,
                            span_id: SpanId::random(),
                            parent: Some(parent.ids.span_id),
                            parent_is_remote: false,
                            sampled: self
                                .sampler
                                .sample_child(parent.ids.trace_id, parent.ids.sampled),
                        },
                        parent.trace_state.clone(),
                    )
                }
                None => {
                    let trace_id = TraceId::random();
                    SpanState::new(
                        SpanIds {
                            trace_id,
                            span_id: SpanId::random(),
                            parent: None,
                            parent_is_remote: false,
                            sampled: self.sampler.sample_root(trace_id),
                        },
                        super::TraceState::default(),
                    )
                }
            },
        };
        span.extensions_mut().insert(state);
    }
}
