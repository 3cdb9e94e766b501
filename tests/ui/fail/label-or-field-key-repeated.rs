//! A key repeated inside `labels(...)` or `fields(...)` is an error at the repetition, not a
//! silent last-one-wins.

#[tripod::observe(fields(user.id = 1, user.id = 2), labels(tier = "a", tier = "b"))]
fn create() {}

fn main() {}
