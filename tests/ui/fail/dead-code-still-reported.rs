//! An observed function nobody calls is still reported by the `dead_code` lint.
#![deny(dead_code)]

#[tripod::observe]
fn never_called() -> u8 {
    1
}

fn main() {}
