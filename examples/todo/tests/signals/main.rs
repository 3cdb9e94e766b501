//! What the example sends over OTLP: all three signals, database spans, the traces kept while
//! sampling, a trace across two services, and what a fleet of instances sends.
//!
//! Each file a module of one binary (docs/contributing.md says why).

#[path = "../common/mod.rs"]
mod common;

mod all_signals_over_otlp;
mod database_spans;
mod fleet;
mod keep_what_matters;
mod two_services;
