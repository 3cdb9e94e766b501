//! tracing-attributes' `tests/instrument.rs` and `tests/destructuring.rs`, ported: every annotated
//! function, same signature and body. `target`, `skip(..)` and `skip_all` are dropped (tripod
//! records no argument unless named); `level = Level::DEBUG` works as it does there; names must be
//! string literals, so `name = MY_NAME` becomes the constant's value.
#![deny(warnings)]
// tracing records every argument, so there they are used; tripod records none unless named,
// and reads `Level::X` by its name.
#![allow(dead_code, unused_variables, unused_imports)]

use tracing::Level;
use tripod::observe;

#[observe]
fn repro_2294() {
    #![allow(unused_variables)]
    let i = 42;
}

mod override_everything {
    use super::*;

    #[observe(level = "debug")]
    pub fn my_fn() {}

    #[observe(level = Level::DEBUG)]
    pub fn my_other_fn() {}
}

mod fields {
    use super::*;

    #[observe(level = "debug")]
    pub fn my_fn(arg1: usize, arg2: bool, arg3: String) {}
}

mod skip {
    use super::*;

    pub struct UnDebug();

    #[observe(level = "debug")]
    pub fn my_fn(arg1: usize, _arg2: UnDebug, _arg3: UnDebug) {}

    #[observe(level = "debug")]
    pub fn my_fn2(_arg1: usize, _arg2: UnDebug, _arg3: UnDebug) {}
}

mod generics {
    use super::*;

    #[observe]
    pub fn my_fn<S, T: std::fmt::Debug>(arg1: S, arg2: T)
    where
        S: std::fmt::Debug,
    {
    }
}

mod methods {
    use super::*;

    #[derive(Debug)]
    pub struct Foo;

    impl Foo {
        #[observe]
        pub fn my_fn(&self, arg1: usize) {}
    }
}

mod impl_trait_return_type {
    use super::*;

    #[observe]
    pub fn returns_impl_trait(x: usize) -> impl Iterator<Item = usize> {
        0..x
    }
}

mod name_target {
    use super::*;

    #[observe(name = "my_name")]
    pub fn name() {}

    #[observe]
    pub fn target() {}

    #[observe(name = "my_name")]
    pub fn name_target() {}
}

mod empty_field {
    use super::*;

    #[observe(fields(f))]
    #[allow(dead_code)]
    pub fn my_fn() {
        tracing::Span::current().record("f", 7);
    }
}

mod destructuring {
    use super::*;

    #[observe]
    pub fn tuples((arg1, arg2): (usize, usize)) {}

    #[observe]
    pub fn nested_tuples(((arg1, arg2), (arg3, arg4)): ((usize, usize), (usize, usize))) {}

    #[observe]
    pub fn refs(&arg1: &usize) {}

    pub struct Foo(pub usize, pub usize);

    #[observe]
    pub fn tuple_structs(Foo(arg1, arg2): Foo) {}

    pub struct Bar {
        pub bar: usize,
        pub baz: usize,
    }

    #[observe]
    pub fn structs(
        Bar {
            bar: arg1,
            baz: arg2,
        }: Bar,
    ) {
    }

    pub struct Outer {
        pub bar: Inner,
        pub baz: (usize, usize),
        pub qux: usize,
    }

    pub struct Inner(pub (usize, usize));

    #[observe]
    pub fn everything(
        &Outer {
            bar: Inner((arg1, arg2)),
            baz: (arg3, arg4),
            ..
        }: &Outer,
    ) {
    }
}

fn main() {
    let _telemetry = tripod::init().log_writer(std::io::sink()).install().unwrap();
    repro_2294();
    override_everything::my_fn();
    override_everything::my_other_fn();
    fields::my_fn(1, true, "three".into());
    skip::my_fn(1, skip::UnDebug(), skip::UnDebug());
    skip::my_fn2(1, skip::UnDebug(), skip::UnDebug());
    generics::my_fn("s", 2);
    methods::Foo.my_fn(1);
    assert_eq!(impl_trait_return_type::returns_impl_trait(3).count(), 3);
    name_target::name();
    name_target::target();
    name_target::name_target();
    empty_field::my_fn();
    destructuring::tuples((1, 2));
    destructuring::nested_tuples(((1, 2), (3, 4)));
    destructuring::refs(&1);
    destructuring::tuple_structs(destructuring::Foo(1, 2));
    destructuring::structs(destructuring::Bar { bar: 1, baz: 2 });
    destructuring::everything(&destructuring::Outer {
        bar: destructuring::Inner((1, 2)),
        baz: (3, 4),
        qux: 5,
    });
}
