//! Log output: how a line is laid out (JSON, or one human-readable line for a terminal) from an
//! event's values and its spans' formatted fields, and where lines go.

#[cfg(feature = "json")]
mod format;
#[cfg(feature = "json")]
mod json;
mod output;
#[cfg(feature = "json")]
mod span_fields;
#[cfg(feature = "json")]
mod style;
#[cfg(feature = "json")]
mod timestamp;

#[cfg(feature = "json")]
pub(crate) use format::{LineEvent, LineValue, Scratch, write_line};
#[cfg(feature = "json")]
pub(crate) use json::{Escaper, escape_into, write_debug, write_f64, write_int, write_string};
pub(crate) use output::{LineOutput, SharedOutput, flusher};
#[cfg(feature = "json")]
pub(crate) use span_fields::SpanFields;
#[cfg(feature = "json")]
pub(crate) use style::Style;
