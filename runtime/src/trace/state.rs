//! What tripod keeps for each span, in one extension of the registry's span data: the ids every
//! layer needs, the trace state, the log line layer's formatted fields and the captured record.
//! One extension rather than one per layer saves each span the allocation, hash insertion and
//! removal of two more.

use super::ids::{SpanId, TraceId};
use super::{Sampler, SpanIds, TraceState};

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
    pub(crate) fn new(ids: SpanIds, trace_state: TraceState) -> SpanState {
        SpanState {
            ids,
            trace_state,
            #[cfg(feature = "json")]
            fields: crate::logs::SpanFields::default(),
            #[cfg(feature = "_capture")]
            record: None,
        }
    }

    /// The state of a new span, as [`start_ids`] says.
    pub(crate) fn start(sampler: Sampler, parent: Option<&SpanState>) -> SpanState {
        let (ids, trace_state) = start_ids(
            sampler,
            parent.map(|parent| (&parent.ids, &parent.trace_state)),
        );
        SpanState::new(ids, trace_state)
    }

    /// The span's context, as `traceparent`/`tracestate` carry it.
    pub(crate) fn context(&self) -> super::SpanContext {
        self.ids
            .context()
            .with_trace_state(self.trace_state.clone())
    }
}

/// The ids and trace state of a new span: a span created inside
/// [`with_remote_parent`](super::with_remote_parent) continues the remote trace; a child inherits
/// its `parent`'s trace id and trace state and, under a parent-based sampler, its sampling
/// decision; any other root span starts a trace.
pub(crate) fn start_ids(
    sampler: Sampler,
    parent: Option<(&SpanIds, &TraceState)>,
) -> (SpanIds, TraceState) {
    if let Some(remote) = super::remote::take_next_parent() {
        return (
            SpanIds {
                trace_id: remote.trace_id,
                span_id: SpanId::random(),
                parent: Some(remote.span_id),
                parent_is_remote: true,
                sampled: sampler.sample_child(remote.trace_id, remote.sampled),
            },
            remote.trace_state,
        );
    }
    match parent {
        Some((parent, trace_state)) => (
            SpanIds {
                trace_id: parent.trace_id,
                span_id: SpanId::random(),
                parent: Some(parent.span_id),
                parent_is_remote: false,
                sampled: sampler.sample_child(parent.trace_id, parent.sampled),
            },
            trace_state.clone(),
        ),
        None => {
            let trace_id = TraceId::random();
            (
                SpanIds {
                    trace_id,
                    span_id: SpanId::random(),
                    parent: None,
                    parent_is_remote: false,
                    sampled: sampler.sample_root(trace_id),
                },
                TraceState::default(),
            )
        }
    }
}
