//! Rendering `/metrics` with 10,000 series, as `tripod::init()` configures the Prometheus recorder
//! (explicit buckets, not summaries). A series is one line of the exposition: a counter is one, a
//! histogram with 14 buckets is 17 (`_bucket` with `le` 0.005 … 10 and +Inf, `_sum`, `_count`).
//! Cases: 10,000 counters; 589 histograms of `operation_duration_seconds` (10,013 series); and,
//! for scale, 10,000 histograms (170,000 series).
//!
//! Run: `cargo bench -p tripod-tests --bench prometheus_render`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn telemetry_with(series: impl Fn()) -> tripod::Telemetry {
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(std::io::sink())
        .otlp(false)
        .build()
        .expect("tripod builds");
    metrics::with_local_recorder(telemetry.recorder().expect("Prometheus is on"), series);
    telemetry
}

fn render(c: &mut Criterion) {
    let counters = telemetry_with(|| {
        for i in 0..10_000 {
            metrics::counter!("operation_errors_total", "name" => format!("op.{}", i % 100), "error_type" => format!("E{}", i / 100))
                .increment(1);
        }
    });
    let histograms_10k_series = telemetry_with(|| {
        for i in 0..589 {
            metrics::histogram!("operation_duration_seconds", "name" => format!("op.{i}"), "outcome" => "success")
                .record(0.01 * f64::from(i % 100));
        }
    });
    let histograms = telemetry_with(|| {
        for i in 0..10_000 {
            metrics::histogram!("operation_duration_seconds", "name" => format!("op.{i}"), "outcome" => "success")
                .record(0.01 * f64::from(i % 100));
        }
    });
    let series = |telemetry: &tripod::Telemetry| {
        telemetry
            .render_metrics()
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .count()
    };
    assert_eq!(series(&counters), 10_000);
    assert_eq!(series(&histograms_10k_series), 10_013);
    assert_eq!(series(&histograms), 170_000);

    let mut group = c.benchmark_group("prometheus_render");
    group.sample_size(20);
    group.bench_function("10k_counter_series", |b| {
        b.iter(|| counters.render_metrics())
    });
    group.bench_function("10k_series_as_589_histograms", |b| {
        b.iter(|| histograms_10k_series.render_metrics())
    });
    group.bench_function("170k_series_as_10k_histograms", |b| {
        b.iter(|| histograms.render_metrics())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = render
}
criterion_main!(benches);
