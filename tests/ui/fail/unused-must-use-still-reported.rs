//! Ignoring the `Result` of an observed function is still reported by `unused_must_use`.
#![deny(unused_must_use)]

#[tripod::observe]
fn fallible() -> Result<(), String> {
    Ok(())
}

fn main() {
    fallible();
}
