//! The functions both per-call benchmarks compare: the same trivial work, bare, observed, and
//! instrumented by hand the usual way.

#![allow(dead_code, unreachable_pub)]

pub mod capture_only;
pub mod cpu;
pub mod hand_stack;

use std::hint::black_box;
use std::time::Instant;

/// The error the work can return (never does in the benchmarks).
#[derive(Debug)]
pub struct BenchError;

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bench error")
    }
}

impl std::error::Error for BenchError {}

/// Trivial work, so only the instrumentation is measured.
#[inline(always)]
fn work(x: u64) -> Result<u64, BenchError> {
    if x == u64::MAX {
        Err(BenchError)
    } else {
        Ok(x.wrapping_mul(31).wrapping_add(7))
    }
}

/// The work, unannotated.
#[inline(never)]
pub fn bare(x: u64) -> Result<u64, BenchError> {
    work(x)
}

/// The work under `#[observe]`.
#[inline(never)]
#[tripod::observe(name = "bench.observed")]
pub fn observed(x: u64) -> Result<u64, BenchError> {
    work(x)
}

/// What the floor subscriber (`capture_only`) is measured on, as NOTES.md measured it: a span
/// with two fields, entered, two events (a message; a message and an `f64`), exited and closed,
/// written with `tracing`'s macros: the six callbacks an observed call makes.
#[inline(never)]
pub fn six_callbacks(x: u64) -> Result<u64, BenchError> {
    let span = tracing::info_span!(
        "bench.six_callbacks",
        code.function.name = "six_callbacks",
        x = x
    );
    let entered = span.enter();
    tracing::info!("bench.six_callbacks.start");
    let started = Instant::now();
    let result = work(black_box(x));
    tracing::info!(
        duration_ms = started.elapsed().as_secs_f64() * 1e3,
        "bench.six_callbacks.success"
    );
    drop(entered);
    result
}

/// The hand-written equivalent: `#[tracing::instrument(err)]`, two `info!` events, and the
/// `metrics` macros looked up per call.
#[inline(never)]
#[tracing::instrument(name = "bench.hand_written", skip_all, err)]
pub fn hand_written(x: u64) -> Result<u64, BenchError> {
    let started = Instant::now();
    tracing::info!("bench.hand_written.start");
    let result = work(black_box(x));
    let elapsed = started.elapsed();
    match &result {
        Ok(_) => {
            metrics::histogram!("operation_duration_seconds", "name" => "bench.hand_written", "outcome" => "success")
                .record(elapsed.as_secs_f64());
            tracing::info!(
                duration_ms = elapsed.as_secs_f64() * 1e3,
                "bench.hand_written.success"
            );
        }
        Err(_) => {
            metrics::counter!("operation_errors_total", "name" => "bench.hand_written", "error_type" => "BenchError")
                .increment(1);
        }
    }
    result
}
