//! The composable path: tripod's telemetry as tracing-subscriber layers over a registry, for
//! applications that build their own subscriber stack (`Builder::into_layer`) and for filter
//! directives that only `EnvFilter` understands. It lays nothing out: like tripod's subscriber
//! it appends each span start, field update, link, event and span end to the thread's records
//! (`local::ThreadBuffers`), and the same collector thread turns them into every output. Each
//! filter's verdict reaches the one layer that records through [`marks`].

mod marks;
mod records;
mod state;

pub(crate) use marks::{Mark, MarkLayer};
pub(crate) use records::RecordLayer;
pub(crate) use state::SpanState;
