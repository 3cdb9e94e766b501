//! Log output: tripod's lines (JSON, or one human-readable line for a terminal), and where
//! lines go.

#[cfg(feature = "json")]
mod format;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "json")]
mod line;
mod output;
#[cfg(feature = "json")]
mod pipeline;
#[cfg(feature = "json")]
mod records;
#[cfg(feature = "json")]
mod span_log;
#[cfg(feature = "json")]
mod style;
#[cfg(feature = "json")]
mod timestamp;

#[cfg(feature = "json")]
pub(crate) use line::{LineLayer, SpanFields};
pub(crate) use output::{LineOutput, SharedOutput, flusher};
#[cfg(feature = "json")]
pub(crate) use pipeline::LogPipeline;
#[cfg(feature = "json")]
pub(crate) use span_log::SpanLog;
#[cfg(feature = "json")]
pub(crate) use style::Style;
