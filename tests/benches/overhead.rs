//! Per-call overhead of `#[observe]`, side by side with its baselines, in one run:
//!
//! 1. `bare`: the function unannotated;
//! 2. `observe/nothing_installed`: no subscriber, no recorder;
//! 3. `observe/prometheus_recorder`: only the Prometheus recorder installed (global);
//! 4. `observe/json_stack` vs `hand_written/json_stack`: tracing-subscriber's JSON formatter
//!    writing to `io::sink()` plus the Prometheus recorder; the hand-written equivalent is
//!    `#[tracing::instrument(err)]` + two `info!` events + `metrics::histogram!`/`counter!`
//!    looked up per call.
//!
//! The installs are global and happen in this order, so run the whole file:
//! `cargo bench -p tripod-tests --bench overhead`.

use std::hint::black_box;
use std::sync::Once;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

#[derive(Debug)]
struct BenchError;

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bench error")
    }
}

impl std::error::Error for BenchError {}

/// The work every variant does: trivial, so only the instrumentation is measured.
#[inline(always)]
fn work(x: u64) -> Result<u64, BenchError> {
    if x == u64::MAX {
        Err(BenchError)
    } else {
        Ok(x.wrapping_mul(31).wrapping_add(7))
    }
}

#[inline(never)]
fn bare(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[inline(never)]
#[tripod::observe(name = "bench.observed")]
fn observed(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[inline(never)]
#[tracing::instrument(name = "bench.hand_written", skip_all, err)]
fn hand_written(x: u64) -> Result<u64, BenchError> {
    let started = Instant::now();
    tracing::info!("bench.hand_written.start");
    let result = work(x);
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

fn install_prometheus() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .expect("the Prometheus recorder installs");
    });
}

fn install_json_subscriber() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the JSON subscriber installs");
    });
}

fn overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("per_call");
    group.bench_function("bare", |b| b.iter(|| bare(black_box(7))));
    // What any recorder-aware code pays to find the current recorder (a thread-local lookup):
    // the floor of "nothing installed", since a thread-local recorder can appear at any time.
    group.bench_function("floor/metrics_with_recorder", |b| {
        b.iter(|| {
            metrics::with_recorder(|recorder| black_box(std::ptr::from_ref(recorder).cast::<()>()))
        })
    });
    group.bench_function("observe/nothing_installed", |b| {
        b.iter(|| observed(black_box(7)))
    });

    install_prometheus();
    group.bench_function("observe/prometheus_recorder", |b| {
        b.iter(|| observed(black_box(7)))
    });

    install_json_subscriber();
    group.bench_function("observe/json_stack", |b| b.iter(|| observed(black_box(7))));
    group.bench_function("hand_written/json_stack", |b| {
        b.iter(|| hand_written(black_box(7)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = overhead
}
criterion_main!(benches);
