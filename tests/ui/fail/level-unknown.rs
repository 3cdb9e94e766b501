//! `level` is one of the five tracing levels.

#[tripod::observe(level = "verbose")]
fn create() {}

fn main() {}
