//! A crate denying all warnings and clippy lints compiles: the expansion adds no warning.
#![deny(warnings, clippy::all, unused, missing_docs)]

//! Docs for the crate.

/// A documented, observed, public function.
#[tripod::observe(name = "strict.public", fields(input = x), labels(kind = "strict"), ret)]
pub fn public(x: u32) -> Result<u32, std::fmt::Error> {
    Ok(x)
}

#[tripod::observe]
async fn private_async() -> Option<u8> {
    Some(1)
}

#[tripod::observe]
fn unit() {}

fn main() {
    unit();
    assert_eq!(public(1), Ok(1));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(private_async()), Some(1));
}
