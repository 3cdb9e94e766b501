//! A label key must be a valid Prometheus label name (ASCII letters, digits, `_`): a non-ASCII
//! identifier is an error, not silently rewritten.

#[tripod::observe(labels(größe = "xl"))]
fn create() {}

fn main() {}
