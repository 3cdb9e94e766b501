//! Only functions can be observed.

#[tripod::observe]
struct Todo {
    title: String,
}

fn main() {}
