//! `fn f() -> impl Future<Output = T>` returning an `async move` block: the future is observed.

use std::future::Future;

#[tripod::observe(name = "load.later")]
fn load_later(id: u32) -> impl Future<Output = Result<u32, std::io::Error>> + Send {
    let doubled = id * 2;
    async move {
        tokio::task::yield_now().await;
        Ok(doubled)
    }
}

#[tripod::observe]
fn plain_future() -> impl Future<Output = ()> {
    async move {}
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(load_later(21)).unwrap(), 42);
    runtime.block_on(plain_future());
}
