//! Rendering `/metrics` with 10,000 series from tripod's recorder, in both formats (the classic
//! text and OpenMetrics, whose buckets carry exemplars here: every histogram was recorded inside
//! a sampled span), beside metrics-exporter-prometheus rendering the same series (explicit
//! buckets, as tripod configured it before its own recorder). A series is one line of the
//! exposition: a counter is one, a histogram with 14 buckets is 17 (`_bucket` with `le` 0.005 …
//! 10 and +Inf, `_sum`, `_count`). Cases: 10,000 counters; 589 histograms of
//! `operation_duration_seconds` (10,013 series); and, for scale, 10,000 histograms (170,000
//! series).
//!
//! Run: `cargo bench -p tripod-tests --bench prometheus_render`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

/// tripod's recorder holding `series`, recorded inside a sampled span; and
/// metrics-exporter-prometheus's holding the same.
fn recorders_with(
    series: impl Fn(),
) -> (
    tripod::Telemetry,
    metrics_exporter_prometheus::PrometheusHandle,
) {
    let telemetry = tripod::init()
        .environment(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "always_on".to_owned()))
        .log_writer(std::io::sink())
        .otlp(false)
        // 10,000 label sets of one metric: past the default limit of 2,000.
        .metric_series_limit(20_000)
        .build()
        .expect("tripod builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        tracing::info_span!("render.bench").in_scope(|| {
            metrics::with_local_recorder(telemetry.recorder().expect("Prometheus is on"), &series)
        })
    });
    let baseline = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&tripod::DEFAULT_BUCKETS)
        .unwrap()
        .build_recorder();
    let handle = baseline.handle();
    metrics::with_local_recorder(&baseline, series);
    (telemetry, handle)
}

fn render(c: &mut Criterion) {
    let (counters, counters_baseline) = recorders_with(|| {
        for i in 0..10_000 {
            metrics::counter!("operation_errors_total", "name" => format!("op.{}", i % 100), "error_type" => format!("E{}", i / 100))
                .increment(1);
        }
    });
    let (histograms_10k_series, histograms_10k_baseline) = recorders_with(|| {
        for i in 0..589 {
            metrics::histogram!("operation_duration_seconds", "name" => format!("op.{i}"), "outcome" => "success")
                .record(0.01 * f64::from(i % 100));
        }
    });
    let (histograms, histograms_baseline) = recorders_with(|| {
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

    let openmetrics = |telemetry: &tripod::Telemetry| {
        telemetry
            .prometheus_handle()
            .unwrap()
            .render_as(tripod::MetricsFormat::OpenMetrics)
    };
    assert!(
        String::from_utf8(openmetrics(&histograms_10k_series))
            .unwrap()
            .contains(" # {trace_id=")
    );

    let mut group = c.benchmark_group("prometheus_render");
    group.sample_size(20);
    for (case, telemetry, baseline) in [
        ("10k_counter_series", &counters, &counters_baseline),
        (
            "10k_series_as_589_histograms",
            &histograms_10k_series,
            &histograms_10k_baseline,
        ),
        (
            "170k_series_as_10k_histograms",
            &histograms,
            &histograms_baseline,
        ),
    ] {
        group.bench_function(format!("{case}/tripod_text"), |b| {
            b.iter(|| telemetry.render_metrics())
        });
        group.bench_function(format!("{case}/tripod_openmetrics"), |b| {
            b.iter(|| openmetrics(telemetry))
        });
        group.bench_function(format!("{case}/metrics_exporter_prometheus"), |b| {
            b.iter(|| baseline.render())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = render
}
criterion_main!(benches);
