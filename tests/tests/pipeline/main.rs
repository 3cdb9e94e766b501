//! What the collector thread makes of the records: lines and their layout, repeated lines, tail
//! rules, unfinished calls, span limits, bursts, exemplars and `/metrics`, and the variables that
//! configure it.
//!
//! Each file a module of one binary (docs/contributing.md says why).

#[path = "../support/mod.rs"]
mod support;

mod burst;
mod exemplars;
mod init_env;
mod layer_composition;
mod log_pipeline;
mod openmetrics_endpoint;
mod pretty_logs;
mod repeated_lines;
mod span_limits;
mod still_running;
mod tail_sampling;
