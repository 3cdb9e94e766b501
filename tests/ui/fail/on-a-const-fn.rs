//! A `const fn` may run at compile time, where nothing can be recorded.

#[tripod::observe]
const fn answer() -> u8 {
    42
}

fn main() {
    let _ = answer();
}
