//! Functions of an `extern` block have no body to observe.

#[tripod::observe]
unsafe extern "C" {
    fn abs(input: i32) -> i32;
}

fn main() {}
