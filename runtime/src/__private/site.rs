//! [`Site`]: the statics of one observed function.

use std::sync::OnceLock;

use tracing_core::callsite::DefaultCallsite;

use super::metric_handles::Handles;

/// One observed function's statics: its operation name and constant labels, the callsites of its
/// end events, and its metric handles for the global recorder, resolved on first use.
pub struct Site {
    pub(crate) name: &'static str,
    pub(crate) labels: &'static [(&'static str, &'static str)],
    pub(crate) events: EndEvents,
    pub(crate) global: OnceLock<Handles>,
}

impl Site {
    /// Built by `site!` in a `static`.
    pub const fn new(
        name: &'static str,
        labels: &'static [(&'static str, &'static str)],
        events: EndEvents,
    ) -> Self {
        Site {
            name,
            labels,
            events,
            global: OnceLock::new(),
        }
    }
}

/// The callsites of a function's `NAME.success`, `NAME.failure` and `NAME.cancelled` events,
/// whose metadata names the user's module as target, and their messages.
pub struct EndEvents {
    pub success: &'static DefaultCallsite,
    pub success_message: &'static str,
    pub failure: &'static DefaultCallsite,
    pub failure_message: &'static str,
    pub cancelled: &'static DefaultCallsite,
    pub cancelled_message: &'static str,
}

impl EndEvents {
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
