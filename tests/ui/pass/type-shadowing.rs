//! tracing-attributes' `ui/pass/type_shadowing.rs` (tokio-rs/tracing#3306): a body whose glob
//! import shadows a name of the return type still compiles, because the user's statements keep
//! a scope of their own.
#![allow(unused_imports)]

type Foo = ();
enum Bar {
    Foo,
}

#[tripod::observe]
fn this_is_fine() -> Foo {
    // glob import imports Bar::Foo, shadowing Foo
    use Bar::*;
}

#[tripod::observe]
async fn this_is_fine_too() -> Foo {
    use Bar::*;
}

fn main() {
    this_is_fine();
    let _ = this_is_fine_too();
    let _ = Bar::Foo;
}
