//! W3C trace context for every span: trace and span ids, sampling, and continuing a remote trace.
//!
//! `tripod::init()` installs the trace context layer first, so every span gets its ids whether or not
//! traces are exported: log lines carry `trace_id`/`span_id`, and the same ids are the ones the
//! OTLP exporter sends.

#[cfg(feature = "http")]
mod headers;
mod ids;
mod layer;
mod remote;
mod sampler;
mod state;
mod traceparent;
mod tracestate;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use headers::{extract, inject, inject_context};
pub use ids::{SpanId, TraceId};
pub use remote::with_remote_parent;
pub use sampler::{Sampler, SamplerParseError};
pub use traceparent::{SpanContext, TraceparentError};
pub use tracestate::{TraceState, TraceStateError};

pub(crate) use ids::SpanIds;
pub(crate) use layer::TraceContextLayer;
pub(crate) use state::SpanState;
#[cfg(feature = "json")]
pub(crate) use state::start_ids;

use tracing_subscriber::Registry;
use tracing_subscriber::registry::LookupSpan;

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
        #[cfg(feature = "json")]
        if let Some(subscriber) = dispatch.downcast_ref::<crate::subscriber::TripodSubscriber>() {
            return subscriber.context(id);
        }
        let registry = dispatch.downcast_ref::<Registry>()?;
        let span = registry.span(id)?;
        let extensions = span.extensions();
        extensions.get::<SpanState>().map(SpanState::context)
    })
    .flatten()
}
