//! `name` allows only lower-case ASCII letters, digits, `_` and `.`.

#[tripod::observe(name = "Todo-Create")]
fn create() {}

fn main() {}
