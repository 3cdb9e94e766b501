//! Label values are string literals, so metric cardinality stays bounded.

#[tripod::observe(labels(user_id = user_id))]
fn create(user_id: u64) -> u64 {
    user_id
}

fn main() {}
