//! Free functions, sync and async, with and without a return value, compile and behave as written.

#[tripod::observe]
fn unit() {}

#[tripod::observe(name = "math.add")]
fn add(a: i32, b: i32) -> i32 {
    a + b
}

#[tripod::observe]
async fn async_unit() {}

#[tripod::observe(name = "math.add_async", level = "debug")]
async fn add_async(a: i32, b: i32) -> i32 {
    a + b
}

#[tripod::observe]
pub(crate) extern "C" fn with_abi(x: u8) -> u8 {
    x
}

fn main() {
    unit();
    assert_eq!(add(1, 2), 3);
    assert_eq!(with_abi(4), 4);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async_unit());
    assert_eq!(runtime.block_on(add_async(2, 3)), 5);
}
