//! A field key is an identifier or a dotted path of identifiers.

#[tripod::observe(fields("user id" = 1))]
fn create() {}

fn main() {}
