//! tracing-attributes' `tests/async_fn.rs`, ported: every annotated function, same signature and
//! body, `#[instrument(..)]` as `#[tripod::observe(..)]` (`skip(..)` and `err` dropped: tripod
//! records no argument unless named, and every `Err`). Each compiles and runs under a subscriber.
#![deny(warnings)]

use std::convert::Infallible;
use std::{future::Future, pin::Pin, sync::Arc};

use tripod::observe;

#[path = "support/poll_n.rs"]
mod poll_n;
use poll_n::PollN;

#[observe]
async fn test_async_fn(polls: usize) -> Result<(), ()> {
    let future = PollN::new_ok(polls);
    tracing::trace!(awaiting = true);
    future.await
}

#[allow(dead_code)]
#[observe]
async fn test_ret_impl_trait(n: i32) -> Result<impl Iterator<Item = i32>, ()> {
    Ok((0..10).filter(move |x| *x < n))
}

#[allow(dead_code)]
#[observe]
async fn test_ret_impl_trait_err(n: i32) -> Result<impl Iterator<Item = i32>, &'static str> {
    Ok((0..10).filter(move |x| *x < n))
}

#[observe]
#[allow(dead_code)]
async fn test_async_fn_empty() {}

#[observe]
#[allow(dead_code)]
async unsafe fn test_async_unsafe_fn_empty() {}

#[deny(unused_variables)]
#[allow(dead_code, clippy::mixed_attributes_style)]
#[observe]
async fn repro_async_2294() {
    #![allow(unused_variables)]
    let i = 42;
}

#[observe]
#[rustfmt::skip]
#[deny(clippy::suspicious_else_formatting)]
#[allow(dead_code)]
async fn repro_1613(var: bool) {
    println!(
        "{}",
        if var { "true" } else { "false" }
    );
}

#[observe]
#[deny(clippy::suspicious_else_formatting)]
#[allow(dead_code)]
async fn repro_1613_2() {
    // hello world
    // else
}

#[allow(dead_code)]
#[observe]
#[deny(unused_braces)]
fn repro_1831() -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async move {})
}

#[allow(dead_code)]
#[observe(ret)]
#[deny(unused_braces)]
#[allow(clippy::manual_async_fn)]
fn repro_1831_2() -> impl Future<Output = Result<(), Infallible>> {
    async { Ok(()) }
}

#[observe]
async fn test_async_fns_nested() {
    test_async_fns_nested_other().await
}

#[observe]
async fn test_async_fns_nested_other() {
    tracing::trace!(nested = true);
}

mod with_async_trait {
    use async_trait::async_trait;
    use tripod::observe;

    #[async_trait]
    pub trait TestA {
        async fn foo(&mut self, v: usize);
    }

    #[async_trait]
    pub trait TestB {
        async fn bar(&self);
    }

    #[async_trait]
    pub trait TestC {
        async fn baz(&self);
    }

    #[derive(Debug)]
    pub struct TestImpl(pub usize);

    #[async_trait]
    impl TestA for TestImpl {
        #[observe]
        async fn foo(&mut self, v: usize) {
            self.baz().await;
            self.0 = v;
            self.bar().await
        }
    }

    #[async_trait]
    impl TestB for TestImpl {
        #[observe]
        async fn bar(&self) {
            tracing::trace!(val = self.0);
        }
    }

    #[async_trait]
    impl TestC for TestImpl {
        #[observe]
        async fn baz(&self) {
            tracing::trace!(val = self.0);
        }
    }
}

mod with_async_trait_and_fields_expressions {
    use async_trait::async_trait;
    use tripod::observe;

    #[async_trait]
    pub trait Test {
        async fn call(&mut self, v: usize);
    }

    #[derive(Clone, Debug)]
    pub struct TestImpl;

    impl TestImpl {
        fn foo(&self) -> usize {
            42
        }
    }

    #[async_trait]
    impl Test for TestImpl {
        #[observe(fields(val=self.foo(), val2=Self::clone(self).foo(), test=%_v+5))]
        async fn call(&mut self, _v: usize) {}
    }
}

mod with_generic_parameter {
    use std::{future::Future, pin::Pin};

    use async_trait::async_trait;
    use tripod::observe;

    #[async_trait]
    pub trait Test {
        async fn call();
        async fn call_with_self(&self);
        async fn call_with_mut_self(&mut self);
    }

    #[derive(Clone, Debug)]
    pub struct TestImpl;

    impl TestImpl {
        #[observe(fields(Self=std::any::type_name::<Self>()))]
        fn sync_fun(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            let val = self.clone();
            Box::pin(async move {
                let _ = val;
            })
        }
    }

    #[async_trait]
    impl Test for TestImpl {
        // tracing cannot instrument this one (tokio-rs/tracing#864); tripod can.
        #[observe(fields(Self=std::any::type_name::<Self>()))]
        async fn call() {}

        #[observe(fields(Self=std::any::type_name::<Self>()))]
        async fn call_with_self(&self) {
            self.sync_fun().await;
        }

        #[observe(fields(Self=std::any::type_name::<Self>()))]
        async fn call_with_mut_self(&mut self) {}
    }
}

struct Thing {
    metrics: Arc<()>,
}

impl Thing {
    #[observe(fields(app_id))]
    fn call(&mut self, _req: ()) -> Pin<Box<dyn Future<Output = Arc<()>> + Send + Sync>> {
        // ...
        let metrics = self.metrics.clone();
        // ...
        Box::pin(async move {
            // ...
            metrics // cannot find value `metrics` in this scope
        })
    }
}

#[allow(clippy::manual_async_fn)]
#[observe]
fn manual_impl_future() -> impl Future<Output = ()> {
    async {
        tracing::trace!(poll = true);
    }
}

#[observe]
fn manual_box_pin() -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async {
        tracing::trace!(poll = true);
    })
}

fn main() {
    use with_async_trait::{TestA as _, TestImpl};
    use with_generic_parameter::Test as _;
    use with_async_trait_and_fields_expressions::Test as _;

    let _telemetry = tripod::init().log_writer(std::io::sink()).install().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        test_async_fn(2).await.unwrap();
        assert_eq!(test_ret_impl_trait(3).await.unwrap().count(), 3);
        assert_eq!(test_ret_impl_trait_err(3).await.unwrap().count(), 3);
        test_async_fn_empty().await;
        unsafe { test_async_unsafe_fn_empty() }.await;
        repro_async_2294().await;
        repro_1613(true).await;
        repro_1613_2().await;
        repro_1831().await;
        repro_1831_2().await.unwrap();
        test_async_fns_nested().await;
        let mut test = TestImpl(2);
        test.foo(5).await;
        assert_eq!(test.0, 5);
        with_async_trait_and_fields_expressions::TestImpl.call(5).await;
        with_generic_parameter::TestImpl::call().await;
        with_generic_parameter::TestImpl.call_with_self().await;
        with_generic_parameter::TestImpl.call_with_mut_self().await;
        let mut my_thing = Thing { metrics: Arc::new(()) };
        my_thing.call(()).await;
        manual_impl_future().await;
        manual_box_pin().await;
    });
}
