//! A span's ids as every part of tripod keeps them, and how a new span gets its own: continuing
//! a remote parent, inheriting a local parent's trace, or starting a trace.

use super::ids::{SpanId, TraceId};
use super::remote::take_next_parent;
use super::{Sampler, SpanContext, TraceState};

/// A span's place in its trace, and whether the trace is sampled.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpanIds {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    /// The parent, exported with the span (read only with the `otlp` feature).
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    pub(crate) parent: Option<SpanId>,
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    pub(crate) parent_is_remote: bool,
    pub(crate) sampled: bool,
}

impl SpanIds {
    /// The span's context, without a trace state.
    pub(crate) fn context(&self) -> SpanContext {
        SpanContext {
            trace_id: self.trace_id,
            span_id: self.span_id,
            sampled: self.sampled,
            trace_state: TraceState::default(),
        }
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
    if let Some(remote) = take_next_parent() {
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
