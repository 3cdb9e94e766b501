//! [`Site`]: the statics of one observed function.

use std::sync::OnceLock;

use tracing::Level;
use tracing_core::callsite::DefaultCallsite;

use super::metric_handles::Handles;

/// One observed function's statics: its operation name and constant labels, the callsites of its
/// end events, the attribute's failure level, and its metric handles for the global recorder,
/// resolved on first use.
pub struct Site {
    pub(crate) name: &'static str,
    pub(crate) labels: &'static [(&'static str, &'static str)],
    pub(crate) events: EndEvents,
    /// `failure_level = "..."`: the level of every failure, whatever the error says.
    pub(crate) failure_level: Option<Level>,
    pub(crate) global: OnceLock<Handles>,
}

impl Site {
    /// Built by `site!` in a `static`.
    pub const fn new(
        name: &'static str,
        labels: &'static [(&'static str, &'static str)],
        events: EndEvents,
        failure_level: Option<Level>,
    ) -> Self {
        Site {
            name,
            labels,
            events,
            failure_level,
            global: OnceLock::new(),
        }
    }
}

/// The callsites of a function's `NAME.success`, `NAME.failure` (one per level: ERROR, WARN,
/// INFO, DEBUG, TRACE) and `NAME.cancelled` events, whose metadata names the user's module as
/// target, and their messages.
pub struct EndEvents {
    pub success: &'static DefaultCallsite,
    pub success_message: &'static str,
    pub failure: [&'static DefaultCallsite; 5],
    pub failure_message: &'static str,
    pub cancelled: &'static DefaultCallsite,
    pub cancelled_message: &'static str,
}

impl EndEvents {
    /// The failure callsite at `level`.
    pub(crate) fn failure_at(&self, level: Level) -> &'static DefaultCallsite {
        self.failure[match level {
            Level::ERROR => 0,
            Level::WARN => 1,
            Level::INFO => 2,
            Level::DEBUG => 3,
            _ => 4,
        }]
    }

    pub const SUCCESS_FIELDS: &'static [&'static str] = &["message", "duration_ms", "return"];
    pub const FAILURE_FIELDS: &'static [&'static str] = &[
        "message",
        "error",
        "error.type",
        "error.sources",
        "duration_ms",
    ];
    pub const CANCELLED_FIELDS: &'static [&'static str] = &["message", "duration_ms"];
}
