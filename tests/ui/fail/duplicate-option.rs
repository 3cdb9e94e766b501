//! An option given twice is reported at its second occurrence.

#[tripod::observe(name = "a", level = "info", name = "b")]
fn create() {}

fn main() {}
