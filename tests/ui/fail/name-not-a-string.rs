//! `name` takes a string literal.

#[tripod::observe(name = todo.create)]
fn create() {}

fn main() {}
