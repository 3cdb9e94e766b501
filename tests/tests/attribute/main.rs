//! What `#[tripod::observe]` does to a call: its span, lines, metrics and outcome in every shape a
//! function takes.
//!
//! Each file a module of one binary (docs/contributing.md says why).

#[path = "../support/mod.rs"]
mod support;

mod axum_handler;
mod cancellation;
mod computed_labels;
mod failure;
mod failure_levels;
mod fields_and_labels;
mod future_shapes;
mod held_spans;
mod impl_blocks;
mod not_a_result;
mod objectives;
mod panic;
mod ret;
mod success;
