//! Per-call overhead of `#[observe]`, side by side with its baselines, in one run:
//!
//! 1. `bare`: the function unannotated;
//! 2. `observe/nothing_installed`: no subscriber, no recorder;
//! 3. `observe/tripod_recorder`: only tripod's metrics recorder installed (global), no subscriber:
//!    the metric work of a call (`recorder` has it beside metrics-exporter-prometheus's);
//! 4. `observe/json_stack` vs `hand_written/json_stack`: tracing-subscriber's JSON formatter
//!    writing to `io::sink()` plus tripod's recorder; the hand-written equivalent is
//!    `#[tracing::instrument(err)]` + two `info!` events + `metrics::histogram!`/`counter!`
//!    looked up per call.
//!
//! The installs are global and happen in this order, so run the whole file:
//! `cargo bench -p tripod-tests --bench overhead`.

use std::hint::black_box;
use std::sync::Once;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

mod common;

use common::{bare, hand_written, observed};

fn install_recorder() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let telemetry = tripod::init()
            // Every line written, as before the limit on repeated lines: figures compare.
            .log_rate_limit(None)
            .environment(|_| None)
            .log_writer(std::io::sink())
            .otlp(false)
            .build()
            .expect("tripod builds");
        let recorder = telemetry.recorder().expect("Prometheus is on").clone();
        metrics::set_global_recorder(recorder).expect("the recorder installs");
        // The subscriber it built is not installed: only the recorder is.
        std::mem::forget(telemetry);
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

    install_recorder();
    group.bench_function("observe/tripod_recorder", |b| {
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
