//! W3C trace context for every span: trace and span ids, sampling, and continuing a remote trace.
//!
//! `tripod::init()` installs [`layer`]'s layer first, so every span gets its ids whether or not
//! traces are exported: log lines carry `trace_id`/`span_id`, and the same ids are the ones the
//! OTLP exporter sends.

mod ids;
mod layer;
mod sampler;
mod state;
mod traceparent;

pub use ids::{SpanId, TraceId};
pub use sampler::{Sampler, SamplerParseError};
pub use traceparent::{SpanContext, TraceparentError};

pub(crate) use ids::SpanIds;
pub(crate) use layer::TraceContextLayer;
pub(crate) use state::SpanState;

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

/// The trace context of `span`.
pub fn context_of(span: &tracing::Span) -> Option<SpanContext> {
    with_ids(span, |ids| ids.context())
}

/// Makes `span` continue the caller's trace: it takes `parent`'s trace id and sampling decision,
/// and `parent`'s span becomes its (remote) parent. Call it right after creating the span,
/// before any child span or event. Returns `false` when `span` is disabled or tripod's
/// subscriber is not installed.
pub fn set_remote_parent(span: &tracing::Span, parent: SpanContext) -> bool {
    with_ids(span, |ids| ids.continue_remote(parent)).is_some()
}

fn with_ids<R>(span: &tracing::Span, f: impl FnOnce(&mut SpanIds) -> R) -> Option<R> {
    span.with_subscriber(|(id, dispatch)| {
        let registry = dispatch.downcast_ref::<Registry>()?;
        let span = registry.span(id)?;
        let mut extensions = span.extensions_mut();
        extensions
            .get_mut::<SpanState>()
            .map(|state| f(&mut state.ids))
    })
    .flatten()
}
