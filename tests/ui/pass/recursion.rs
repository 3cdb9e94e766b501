//! Recursive functions, sync and async (boxed), each call observed on its own.

#[tripod::observe]
fn factorial(n: u64) -> u64 {
    if n <= 1 { 1 } else { n * factorial(n - 1) }
}

#[tripod::observe]
fn countdown(n: u32) -> std::pin::Pin<Box<dyn std::future::Future<Output = u32> + Send>> {
    Box::pin(async move { if n == 0 { 0 } else { 1 + countdown(n - 1).await } })
}

fn main() {
    assert_eq!(factorial(10), 3_628_800);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(countdown(5)), 5);
}
