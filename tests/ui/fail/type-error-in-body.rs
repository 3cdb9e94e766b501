//! A wrong value in the body is reported at the user's line, not at the macro.

#[tripod::observe]
fn count() -> u32 {
    "three"
}

fn main() {}
