//! What `#[observe]` expansions call. Not a public API: it changes without notice.
//!
//! The hot path lives here and imports no exporter setup: [`Site`] (a call site's statics and
//! cached metric handles), [`Call`] (the guard that times one call and records its outcome
//! exactly once), [`classify!`] (outcome and error description by autoref specialization at the
//! call site) and the `site!`/`span!` macros that build a call site's callsites.
#![allow(missing_docs, unreachable_pub)]

mod call;
mod events;
mod lazy_callsite;
mod macros;
pub(crate) mod metric_handles;
pub(crate) mod names;
mod outcome;
pub mod probe;
pub(crate) mod recorder;
mod site;

pub use call::{Call, Observed, Opened};
pub use lazy_callsite::LazyEvents;
pub use names::fn_path;
pub use outcome::{ErrorView, Outcome, Outcomes};
pub use site::{DebugLabel, EndEvents, LabelValues, Site, label_values};

pub use tracing;
pub use tracing::field::Value;
pub use tracing::{Level, Span};
pub use tracing_core::callsite::{DefaultCallsite, Identifier};
pub use tracing_core::field::FieldSet;
pub use tracing_core::metadata::{Kind, Metadata};

pub use crate::call_path::StillRunning;
pub use crate::objectives::Objective;
pub use crate::{
    __tripod_classify as classify, __tripod_fallible as fallible, __tripod_site as site,
    __tripod_span as span,
};

/// Returns `body` unchanged, typed as a `FnOnce`: a closure bound to a `let` would otherwise
/// have its kind inferred from its body alone (`FnMut` for one returning `&mut self`, which then
/// cannot escape), where passing it on as a `FnOnce` is what the expansion does with it.
#[inline(always)]
pub fn once<R, F: FnOnce() -> R>(body: F) -> F {
    body
}

/// Calibrates the clock calls are timed with (about a millisecond, once per process), so the
/// first observed call does not pay for it. `tripod::init()` calls it.
pub fn warm_up_clock() {
    crate::tick::warm_up();
}

/// Whether anything listens at `level`: the global maximum level, checked before a call site
/// evaluates its fields or builds its span.
#[inline]
pub fn level_enabled(level: &Level) -> bool {
    *level <= tracing::level_filters::STATIC_MAX_LEVEL
        && *level <= tracing::level_filters::LevelFilter::current()
}
