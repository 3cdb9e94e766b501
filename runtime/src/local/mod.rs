//! What the application's threads write, the hot path of tripod's subscriber and layer: a compact
//! record per span start, field update, link, event and span end ([`records`]), appended to a
//! buffer of the thread's own and taken by the collector thread all at once ([`buffers`]).
//! Nothing here lays anything out.

mod buffers;
mod records;

pub(crate) use buffers::{Pressure, ThreadBuffers};
pub(crate) use records::{CallStart, Entry, Records, Value};
