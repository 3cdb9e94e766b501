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
mod style;
#[cfg(feature = "json")]
mod timestamp;

#[cfg(feature = "json")]
pub(crate) use format::{LineEvent, LineValue, Scratch, write_line};
#[cfg(feature = "json")]
pub(crate) use line::{LineLayer, SpanFields};
pub(crate) use output::{LineOutput, SharedOutput, flusher};
#[cfg(feature = "json")]
pub(crate) use style::Style;
