//! `ret` takes no value.

#[tripod::observe(ret = true)]
fn create() -> u8 {
    1
}

fn main() {}
