//! Log output: how a line is laid out (JSON, or one human-readable line for a terminal) from an
//! event's values and its spans' formatted fields (the collector thread's log sink of lines), where
//! lines go, and the settings they start from ([`Settings`], [`Lines`]).

mod format;
mod json;
mod output;
mod settings;
mod style;
mod timestamp;

#[cfg(test)]
pub(crate) use format::LineSink;
#[cfg(test)]
pub(crate) use output::LineOutput;
pub use settings::LogFormat;
pub(crate) use settings::Settings;
#[cfg(test)]
pub(crate) use style::Style;
