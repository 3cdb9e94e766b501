//! With no subscriber, recorder or tracer installed, an observed function behaves exactly as it
//! would unannotated: same results, same panics, same borrows.

use std::panic::catch_unwind;

#[tripod::observe]
fn divide(a: i32, b: i32) -> Result<i32, String> {
    if b == 0 {
        return Err("division by zero".into());
    }
    Ok(a / b)
}

#[tripod::observe]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[tripod::observe]
fn explode() -> u8 {
    panic!("boom")
}

#[tripod::observe]
async fn double(x: u64) -> u64 {
    tokio::task::yield_now().await;
    x * 2
}

#[test]
fn results_are_those_of_the_body() {
    assert_eq!(divide(7, 2), Ok(3));
    assert_eq!(divide(7, 0), Err("division by zero".to_string()));
    assert_eq!(longest("ab", "abc"), "abc");
}

#[test]
fn panics_are_those_of_the_body() {
    let payload = catch_unwind(explode).unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
}

#[test]
fn async_results_are_those_of_the_body() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(double(21)), 42);
}

#[test]
fn nothing_is_recorded_anywhere() {
    // No recorder: the metrics facade sees the no-op recorder; no subscriber: nothing is enabled.
    assert!(!tracing::dispatcher::has_been_set());
    assert_eq!(
        tracing::level_filters::LevelFilter::current(),
        tracing::level_filters::LevelFilter::OFF
    );
    assert_eq!(divide(1, 1), Ok(1));
}
