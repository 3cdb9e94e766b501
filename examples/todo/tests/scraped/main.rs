//! The example scraped by a real Prometheus: exemplars, latency figures, objectives and their alerts,
//! the operations kit's rules and dashboard queries.
//!
//! Each file a module of one binary (docs/contributing.md says why).

#[path = "../common/mod.rs"]
mod common;

mod exemplars_in_prometheus;
mod latency_figures;
mod objectives;
mod ops_kit;
