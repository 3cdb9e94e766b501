//! Log output: how a line is laid out (JSON, or one human-readable line for a terminal) from an
//! event's values and its spans' formatted fields, and where lines go.

mod format;
mod json;
mod output;
mod span_fields;
mod style;
mod timestamp;

pub(crate) use format::{LineEvent, LineValue, Scratch, write_line};
pub(crate) use output::{LineOutput, SharedOutput};
pub(crate) use span_fields::SpanFields;
pub(crate) use style::Style;
