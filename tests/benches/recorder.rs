//! What recording a metric costs, side by side in one run, for the recorder `tripod::init()`
//! installs and the two it could have been built on:
//!
//! - `histogram_record/*`: one histogram sample through a handle resolved once (as a call site
//!   holds it): metrics-exporter-prometheus's recorder (no exemplars), `prometheus-client`'s
//!   `HistogramWithExemplars::observe` with an exemplar the caller passes (the ids are given,
//!   not looked up: its cost is a floor), and tripod's recorder outside any span and inside a
//!   sampled span (the exemplar taken from the current span), and counting in exponential buckets
//!   too (`.otlp_exponential_histograms(true)`, for OTLP's base-2 exponential histograms);
//! - `histogram_record_two_threads/*`: the same while a second thread records into the same
//!   histogram (the same bucket) as fast as it can;
//! - `call_metrics/*`: the metric work of one observed call, as `Call` does it: in-flight gauge up,
//!   a duration sample, in-flight gauge down.
//!
//! Run: `cargo bench -p tripod-tests --bench recorder`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use metrics::{Key, Label, Recorder as _};
use prometheus_client::metrics::exemplar::HistogramWithExemplars;

static METADATA: metrics::Metadata<'static> =
    metrics::Metadata::new("bench", metrics::Level::INFO, None);

const BUCKETS: [f64; tripod::DEFAULT_BUCKETS.len()] = tripod::DEFAULT_BUCKETS;

fn key(name: &'static str) -> Key {
    Key::from_parts(
        name,
        vec![
            Label::new("name", "ml.inference"),
            Label::new("outcome", "success"),
        ],
    )
}

/// tripod's telemetry, built (nothing global), every span sampled.
fn tripod() -> tripod::Telemetry {
    tripod::init()
        // Every line written, as before the limit on repeated lines: figures compare.
        .log_rate_limit(None)
        .environment(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "always_on".to_owned()))
        .log_writer(std::io::sink())
        .otlp(false)
        .build()
        .expect("tripod builds")
}

/// The same, its histograms counting in exponential buckets too (metrics go over OTLP, to an
/// endpoint nothing listens on: the export is never due during the run).
fn tripod_exponential() -> tripod::Telemetry {
    tripod::init()
        // Every line written, as before the limit on repeated lines: figures compare.
        .log_rate_limit(None)
        .environment(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "always_on".to_owned()))
        .log_writer(std::io::sink())
        .otlp_endpoint("http://127.0.0.1:9")
        .otlp_exponential_histograms(true)
        .build()
        .expect("tripod builds")
}

fn exporter_prometheus() -> metrics_exporter_prometheus::PrometheusRecorder {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&BUCKETS)
        .unwrap()
        .build_recorder()
}

type ExemplarLabels = Vec<(String, String)>;

fn prometheus_client() -> (HistogramWithExemplars<ExemplarLabels>, ExemplarLabels) {
    let histogram = HistogramWithExemplars::new(BUCKETS.into_iter());
    let labels = vec![
        (
            "trace_id".to_owned(),
            "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
        ),
        ("span_id".to_owned(), "00f067aa0ba902b7".to_owned()),
    ];
    (histogram, labels)
}

/// Runs `record` `iters` times while another thread runs `other` in a loop; the time taken.
fn contended(iters: u64, record: impl Fn(), other: impl Fn() + Send + 'static) -> Duration {
    let stop = Arc::new(AtomicBool::new(false));
    let competitor = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                other();
            }
        })
    };
    // Let the competitor start before the clock does.
    std::thread::sleep(Duration::from_millis(1));
    let start = Instant::now();
    for _ in 0..iters {
        record();
    }
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    competitor.join().unwrap();
    elapsed
}

fn recorder(c: &mut Criterion) {
    let mep = exporter_prometheus();
    let mep_histogram = mep.register_histogram(&key("operation_duration_seconds"), &METADATA);
    let (pc_histogram, pc_labels) = prometheus_client();
    let telemetry = tripod();
    let ours = telemetry.recorder().unwrap();
    let tripod_histogram = ours.register_histogram(&key("operation_duration_seconds"), &METADATA);

    let mut group = c.benchmark_group("histogram_record");
    group.bench_function("metrics_exporter_prometheus", |b| {
        b.iter(|| mep_histogram.record(black_box(0.004)))
    });
    group.bench_function("prometheus_client_with_exemplar", |b| {
        b.iter(|| {
            pc_histogram.observe(
                black_box(0.004),
                Some(pc_labels.clone()),
                Some(SystemTime::now()),
            )
        })
    });
    group.bench_function("prometheus_client_without_exemplar", |b| {
        b.iter(|| pc_histogram.observe(black_box(0.004), None, None))
    });
    group.bench_function("tripod_outside_any_span", |b| {
        b.iter(|| tripod_histogram.record(black_box(0.004)))
    });
    let exponential = tripod_exponential();
    let exponential_histogram = exponential
        .recorder()
        .unwrap()
        .register_histogram(&key("operation_duration_seconds"), &METADATA);
    group.bench_function("tripod_outside_any_span_with_exponential_buckets", |b| {
        b.iter(|| exponential_histogram.record(black_box(0.004)))
    });
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let span = tracing::info_span!("ml.inference");
        let _entered = span.enter();
        group.bench_function("tripod_in_a_sampled_span", |b| {
            b.iter(|| tripod_histogram.record(black_box(0.004)))
        });
    });
    group.finish();

    let mut group = c.benchmark_group("histogram_record_two_threads");
    group.bench_function("metrics_exporter_prometheus", |b| {
        b.iter_custom(|iters| {
            let other = mep_histogram.clone();
            contended(
                iters,
                || mep_histogram.record(black_box(0.004)),
                move || other.record(0.004),
            )
        })
    });
    group.bench_function("prometheus_client_with_exemplar", |b| {
        b.iter_custom(|iters| {
            let other = pc_histogram.clone();
            let other_labels = pc_labels.clone();
            contended(
                iters,
                || {
                    pc_histogram.observe(
                        black_box(0.004),
                        Some(pc_labels.clone()),
                        Some(SystemTime::now()),
                    )
                },
                move || other.observe(0.004, Some(other_labels.clone()), Some(SystemTime::now())),
            )
        })
    });
    group.bench_function("tripod_in_a_sampled_span", |b| {
        b.iter_custom(|iters| {
            let other = tripod_histogram.clone();
            let dispatch = telemetry.dispatch().clone();
            tracing::dispatcher::with_default(telemetry.dispatch(), || {
                let span = tracing::info_span!("ml.inference");
                let _entered = span.enter();
                contended(
                    iters,
                    || tripod_histogram.record(black_box(0.004)),
                    move || {
                        tracing::dispatcher::with_default(&dispatch, || {
                            let span = tracing::info_span!("other");
                            let _entered = span.enter();
                            for _ in 0..1000 {
                                other.record(0.004);
                            }
                        })
                    },
                )
            })
        })
    });
    group.finish();

    // The metric work of one observed call: what `Call::start` and its end do with a site's
    // cached handles.
    let mut group = c.benchmark_group("call_metrics");
    let mep_gauge = mep.register_gauge(&key("operation_in_flight"), &METADATA);
    group.bench_function("metrics_exporter_prometheus", |b| {
        b.iter(|| {
            mep_gauge.increment(1.0);
            mep_histogram.record(black_box(0.004));
            mep_gauge.decrement(1.0);
        })
    });
    let tripod_gauge = ours.register_gauge(&key("operation_in_flight"), &METADATA);
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let span = tracing::info_span!("ml.inference");
        let _entered = span.enter();
        group.bench_function("tripod_in_a_sampled_span", |b| {
            b.iter(|| {
                tripod_gauge.increment(1.0);
                tripod_histogram.record(black_box(0.004));
                tripod_gauge.decrement(1.0);
            })
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = recorder
}
criterion_main!(benches);
