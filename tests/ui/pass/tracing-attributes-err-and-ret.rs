//! tracing-attributes' `tests/err.rs` and `tests/ret.rs`, ported: every annotated function, same
//! signature and body. `err`, `err(Debug)` and `target` are dropped (tripod records every `Err`,
//! with its `Display`); `err(level = ..)` becomes `failure_level`; `ret(Display)` and
//! `ret(level = ..)` become `ret` (tripod records the return value's `Debug` at the call's level).
#![deny(warnings)]

use std::convert::TryFrom;
use std::num::TryFromIntError;

use tripod::observe;

#[path = "support/poll_n.rs"]
mod poll_n;
use poll_n::PollN;

// err.rs

#[observe]
fn err() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)
}

#[observe]
#[allow(dead_code)]
fn err_suspicious_else() -> Result<u8, TryFromIntError> {
    {}
    u8::try_from(1234)
}

#[observe]
fn err_early_return() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)?;
    Ok(5)
}

#[observe]
async fn err_async(polls: usize) -> Result<u8, TryFromIntError> {
    let future = PollN::new_ok(polls);
    tracing::trace!(awaiting = true);
    future.await.ok();
    u8::try_from(1234)
}

#[observe]
fn err_mut(out: &mut u8) -> Result<(), TryFromIntError> {
    *out = u8::try_from(1234)?;
    Ok(())
}

#[observe]
async fn err_mut_async(polls: usize, out: &mut u8) -> Result<(), TryFromIntError> {
    let future = PollN::new_ok(polls);
    tracing::trace!(awaiting = true);
    future.await.ok();
    *out = u8::try_from(1234)?;
    Ok(())
}

#[observe]
fn returns_impl_trait(x: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..x)
}

#[observe]
fn err_dbg() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)
}

#[observe(failure_level = "info")]
fn err_info() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)
}

#[observe(failure_level = "info")]
fn err_dbg_info() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)
}

#[observe(level = "warn", failure_level = "info")]
fn err_warn_info() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)
}

// ret.rs

#[observe(ret)]
fn ret() -> i32 {
    42
}

#[observe(ret)]
fn ret_with_target() -> i32 {
    42
}

#[observe(level = "warn", ret)]
fn ret_warn() -> i32 {
    42
}

#[observe(ret)]
fn ret_mut(a: &mut i32) -> i32 {
    *a *= 2;
    tracing::info!(?a);
    *a
}

#[observe(ret)]
async fn ret_async() -> i32 {
    42
}

#[observe(ret)]
fn ret_impl_type() -> impl Copy {
    42
}

#[observe(ret)]
fn ret_display() -> i32 {
    42
}

#[observe(ret)]
fn ret_and_err() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)
}

#[observe(ret)]
fn ret_and_ok() -> Result<u8, TryFromIntError> {
    u8::try_from(123)
}

#[observe(level = "warn", ret)]
fn ret_warn_info() -> i32 {
    42
}

#[observe(ret)]
fn ret_dbg_warn() -> i32 {
    42
}

fn main() {
    let _telemetry = tripod::init().log_writer(std::io::sink()).install().unwrap();
    assert!(err().is_err());
    assert!(err_suspicious_else().is_err());
    assert!(err_early_return().is_err());
    let mut out = 0;
    assert!(err_mut(&mut out).is_err());
    assert_eq!(returns_impl_trait(10).unwrap().count(), 10);
    assert!(err_dbg().is_err() && err_info().is_err() && err_dbg_info().is_err());
    assert!(err_warn_info().is_err());
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        assert!(err_async(2).await.is_err());
        assert!(err_mut_async(2, &mut out).await.is_err());
        assert_eq!(ret_async().await, 42);
    });
    let mut a = 1;
    assert_eq!(ret() + ret_with_target() + ret_warn() + ret_mut(&mut a), 128);
    let _ = ret_impl_type();
    assert_eq!(ret_display() + ret_warn_info() + ret_dbg_warn(), 126);
    assert!(ret_and_err().is_err());
    assert_eq!(ret_and_ok(), Ok(123));
}
