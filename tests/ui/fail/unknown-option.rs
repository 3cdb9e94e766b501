//! An unknown option names itself and lists the valid ones.

#[tripod::observe(nmae = "todo.create")]
fn create() {}

fn main() {}
