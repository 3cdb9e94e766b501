//! Per-call cost of `#[observe]` under the full stack `tripod::init()` builds (JSON logs to
//! `io::sink()`, the Prometheus recorder, OTLP batch export to an endpoint nobody listens on),
//! side by side with the hand-written equivalent under the usual crates: `#[tracing::instrument(err)]`,
//! two `info!` events and `metrics` macros, under tracing-subscriber's `fmt().json()` to
//! `io::sink()` plus `tracing-opentelemetry` with the SDK's batch span processor (its exporter
//! discards batches: the cheapest collector there is) and the same Prometheus recorder.
//!
//! The viewer's cost is `observe/tripod_built_with_viewer` against `observe/tripod_built`: the same
//! stack, built (not installed) twice, with and without the trace store.
//!
//! Run: `cargo bench -p tripod-tests --bench full_stack`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

mod common;

use common::hand_stack::hand_written_stack;
use common::{hand_written, observed};

fn full_stack(c: &mut Criterion) {
    let nobody = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let telemetry = tripod::init()
        // Every line written, as before the limit on repeated lines: figures compare.
        .log_rate_limit(None)
        .environment(|_| None)
        .log_writer(std::io::sink())
        .otlp_endpoint(format!("http://{nobody}"))
        .install()
        .expect("tripod installs");

    let (hand_written_stack, provider) = hand_written_stack(std::io::sink);

    // Where tripod's time goes: the same stack without trace export, and without logs.
    let variant = |logs: &'static str, otlp: bool| {
        tripod::init()
            // Every line written, as before the limit on repeated lines: figures compare.
            .log_rate_limit(None)
            .environment(|_| None)
            .log_writer(std::io::sink())
            .log_filter(logs)
            .trace_filter("info")
            .prometheus(false)
            .otlp(otlp)
            .otlp_endpoint(format!("http://{nobody}"))
            .build()
            .expect("tripod builds")
    };
    let without_otlp = variant("info", false);
    let without_logs = variant("off", true);
    // The viewer's cost: the same stack built twice, with and without the trace store.
    let with_viewer = |enabled: bool| {
        tripod::init()
            // Every line written, as before the limit on repeated lines: figures compare.
            .log_rate_limit(None)
            .environment(|_| None)
            .log_writer(std::io::sink())
            .otlp_endpoint(format!("http://{nobody}"))
            .trace_viewer(enabled)
            .build()
            .expect("tripod builds")
    };
    let built = with_viewer(false);
    let built_with_viewer = with_viewer(true);

    let mut group = c.benchmark_group("full_stack");
    group.bench_function("observe/tripod_init", |b| b.iter(|| observed(black_box(7))));
    tracing::dispatcher::with_default(without_otlp.dispatch(), || {
        group.bench_function("observe/tripod_init_without_otlp", |b| {
            b.iter(|| observed(black_box(7)))
        });
    });
    tracing::dispatcher::with_default(without_logs.dispatch(), || {
        group.bench_function("observe/tripod_init_without_logs", |b| {
            b.iter(|| observed(black_box(7)))
        });
    });
    tracing::dispatcher::with_default(built.dispatch(), || {
        group.bench_function("observe/tripod_built", |b| {
            b.iter(|| observed(black_box(7)))
        });
    });
    tracing::dispatcher::with_default(built_with_viewer.dispatch(), || {
        group.bench_function("observe/tripod_built_with_viewer", |b| {
            b.iter(|| observed(black_box(7)))
        });
    });
    tracing::dispatcher::with_default(&hand_written_stack, || {
        group.bench_function("hand_written/fmt_json_tracing_opentelemetry", |b| {
            b.iter(|| hand_written(black_box(7)))
        });
    });
    group.finish();
    println!(
        "spans dropped by tripod's full export queue: {}; by the viewer's pending list: {:?}",
        telemetry.spans_dropped(),
        built_with_viewer.viewer()
    );
    drop(telemetry);
    let _ = provider.shutdown();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = full_stack
}
criterion_main!(benches);
