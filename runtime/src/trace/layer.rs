//! The layer that gives every span its ids.

use tracing::Subscriber;
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::SpanState;
use super::sampler::Sampler;

/// Assigns W3C ids to each new span, as [`SpanState::start`] says.
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
