//! Log output: tripod's JSON lines, and where lines go.

#[cfg(feature = "json")]
mod json;
mod output;
#[cfg(feature = "json")]
mod timestamp;

#[cfg(feature = "json")]
pub(crate) use json::{JsonLayer, SpanFields};
pub(crate) use output::{LineOutput, SharedOutput, flusher};
