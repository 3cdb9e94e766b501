//! `name` must not be empty.

#[tripod::observe(name = "")]
fn create() {}

fn main() {}
