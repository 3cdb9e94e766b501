//! What the composable path keeps for each span, in one extension of the registry's span data:
//! the ids every layer needs, the trace state, the log line layer's formatted fields and the
//! captured record. One extension rather than one per layer saves each span the allocation, hash
//! insertion and removal of two more.

use crate::trace::{Sampler, SpanContext, SpanIds, TraceState, start_ids};

/// A span's state. The trace context layer creates it (it sees every span another tripod layer
/// sees); the log line layer and the capture layer fill in their parts.
pub(crate) struct SpanState {
    pub(crate) ids: SpanIds,
    /// The trace's vendor entries, inherited from the parent (usually empty: a reference count
    /// when not).
    pub(crate) trace_state: TraceState,
    /// The span's fields as JSON, when JSON lines are written.
    #[cfg(feature = "json")]
    pub(crate) fields: crate::logs::SpanFields,
    /// The span as captured for the sinks (export, viewer), when it is sampled and one listens.
    #[cfg(feature = "_capture")]
    pub(crate) record: Option<crate::capture::SpanRecord>,
}

impl SpanState {
    /// The state of a new span, as [`start_ids`] says.
    pub(crate) fn start(sampler: Sampler, parent: Option<&SpanState>) -> SpanState {
        let (ids, trace_state) = start_ids(
            sampler,
            parent.map(|parent| (&parent.ids, &parent.trace_state)),
        );
        SpanState {
            ids,
            trace_state,
            #[cfg(feature = "json")]
            fields: crate::logs::SpanFields::default(),
            #[cfg(feature = "_capture")]
            record: None,
        }
    }

    /// The span's context, as `traceparent`/`tracestate` carry it.
    pub(crate) fn context(&self) -> SpanContext {
        self.ids
            .context()
            .with_trace_state(self.trace_state.clone())
    }
}
