//! W3C trace context for every span: trace and span ids, sampling, continuing a remote trace, and
//! the W3C baggage a request carries; `OTEL_PROPAGATORS` says which of the two travel.
//! The bottom layer: it imports nothing of tripod's but the clock; the subscribers that give spans
//! their ids register how to look them up ([`current`]).

mod baggage;
mod carrier;
mod current;
mod ids;
mod keep;
mod propagators;
mod remote;
mod sampler;
mod span_ids;
mod traceparent;
mod tracestate;

pub use baggage::{Baggage, BaggageError, WithBaggage, current_baggage, with_baggage};
pub use carrier::{Carrier, extract, extract_baggage, inject, inject_context};
pub use current::{context_of, current};
pub use ids::{SpanId, TraceId};
pub(crate) use keep::Capturing;
pub use keep::{TracesKeep, TracesKeepParseError};
pub use remote::with_remote_parent;
pub use sampler::{Sampler, SamplerParseError};
pub use traceparent::{SpanContext, TraceparentError};
pub use tracestate::{TraceState, TraceStateError};

#[cfg(any(feature = "axum", feature = "grpc"))]
pub(crate) use baggage::record_baggage;
pub(crate) use baggage::{RECORDED_FIELD, record_fields, recorded_fields};
pub(crate) use carrier::inject_baggage;
#[cfg(feature = "http")]
pub(crate) use carrier::inject_span;
#[cfg(feature = "_recorder")]
pub(crate) use current::current_ids;
pub(crate) use current::{Lookup, register as register_lookup, standing_in};
pub(crate) use propagators::Propagators;
pub(crate) use span_ids::{SpanIds, start_ids};
