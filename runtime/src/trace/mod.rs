//! W3C trace context for every span: trace and span ids, sampling, and continuing a remote trace.
//! The bottom layer: it imports nothing of tripod's but the clock; the subscribers that give spans
//! their ids register how to look them up ([`current`]).

mod carrier;
mod current;
mod ids;
mod remote;
mod sampler;
mod span_ids;
mod traceparent;
mod tracestate;

pub use carrier::{Carrier, extract, inject, inject_context};
pub use current::{context_of, current};
pub use ids::{SpanId, TraceId};
pub use remote::with_remote_parent;
pub use sampler::{Sampler, SamplerParseError};
pub use traceparent::{SpanContext, TraceparentError};
pub use tracestate::{TraceState, TraceStateError};

#[cfg(feature = "_recorder")]
pub(crate) use current::current_ids;
pub(crate) use current::{Lookup, register as register_lookup, standing_in};
pub(crate) use span_ids::{SpanIds, start_ids};
