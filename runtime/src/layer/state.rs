//! What the composable path keeps for each span, in one extension of the registry's span data:
//! its ids, the trace state its children inherit, and whether it is captured for the sinks.

use crate::trace::{Sampler, SpanContext, SpanIds, TraceState, start_ids};

/// A span's state, made by [`RecordLayer`](super::RecordLayer) when the span starts.
pub(crate) struct SpanState {
    pub(crate) ids: SpanIds,
    /// The trace's vendor entries, inherited from the parent (usually empty: a reference count
    /// when not).
    pub(crate) trace_state: TraceState,
    /// Whether the span is captured for the sinks (sampled or held for the tail rules, enabled by
    /// the trace filter, and a sink listens): its events are then added to its record.
    pub(crate) captured: bool,
}

impl SpanState {
    /// The ids and trace state of a new span, as [`start_ids`] says.
    pub(crate) fn start(sampler: Sampler, parent: Option<&SpanState>) -> (SpanIds, TraceState) {
        start_ids(
            sampler,
            parent.map(|parent| (&parent.ids, &parent.trace_state)),
        )
    }

    /// The span's context, as `traceparent`/`tracestate` carry it.
    pub(crate) fn context(&self) -> SpanContext {
        self.ids
            .context()
            .with_trace_state(self.trace_state.clone())
    }
}
