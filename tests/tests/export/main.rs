//! OTLP export to real receivers: what is sent for each signal, over TLS, and what happens when the
//! OTLP endpoint is down, slow or refuses.
//!
//! Each file a module of one binary (docs/contributing.md says why).

#[path = "../support/mod.rs"]
mod support;

mod collector_down;
mod collector_returns;
mod export_failure_reasons;
mod otlp_exponential_histograms;
mod otlp_logs;
mod otlp_metrics;
mod otlp_tls;
