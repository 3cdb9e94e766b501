//! A label value is a string literal, or `%expr`/`?expr` for one computed per call: a bare
//! expression is neither, and would hide that each value is a new series.

#[tripod::observe(labels(user_id = user_id))]
fn create(user_id: u64) -> u64 {
    user_id
}

fn main() {}
