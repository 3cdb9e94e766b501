//! Rendering `/metrics` with 10,000 series from tripod's recorder, in both formats (the classic
//! text and OpenMetrics, whose buckets carry exemplars here: every histogram was recorded inside
//! a sampled span), beside metrics-exporter-prometheus rendering the same series (explicit
//! buckets, as tripod configured it before its own recorder). A series is one line of the
//! exposition: a counter is one, a histogram with the 19 default buckets is 22 (`_bucket` with
//! `le` 0.00001 … 10 and +Inf, `_sum`, `_count`). Cases: 10,000 counters; 455 histograms of
//! `operation_duration_seconds` (10,010 series); and, for scale, 10,000 histograms (220,000
//! series).
//!
//! Then what the default buckets cost: the same 589 histograms with OpenTelemetry's 14 advisory
//! buckets (5 ms … 10 s, tripod's defaults before) and with today's 19 (10 µs … 10 s), side by
//! side: series, bytes per scrape (printed) and render time.
//!
//! Run: `cargo bench -p tripod-tests --bench prometheus_render`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

/// OpenTelemetry's advisory buckets for durations in seconds: tripod's defaults until they
/// reached down to 10 µs.
const OTEL_ADVISORY_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// tripod's recorder with `buckets`, holding `series` recorded inside a sampled span.
fn tripod_with(buckets: &[f64], series: impl Fn()) -> tripod::Telemetry {
    let telemetry = tripod::init()
        // Every line written, as before the limit on repeated lines: figures compare.
        .log_rate_limit(None)
        .environment(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "always_on".to_owned()))
        .log_writer(std::io::sink())
        .otlp(false)
        .histogram_buckets(buckets)
        // 10,000 label sets of one metric: past the default limit of 2,000.
        .metric_series_limit(20_000)
        // The series measured and nothing else (`target_info` is one line more).
        .process_metrics(false)
        .build()
        .expect("tripod builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        tracing::info_span!("render.bench").in_scope(|| {
            metrics::with_local_recorder(telemetry.recorder().expect("Prometheus is on"), &series)
        })
    });
    telemetry
}

/// `histograms` histograms of `operation_duration_seconds`, one per operation.
fn operation_histograms(histograms: u32) -> impl Fn() {
    move || {
        for i in 0..histograms {
            metrics::histogram!("operation_duration_seconds", "name" => format!("op.{i}"), "outcome" => "success")
                .record(0.01 * f64::from(i % 100));
        }
    }
}

/// tripod's recorder holding `series` (default buckets), recorded inside a sampled span; and
/// metrics-exporter-prometheus's holding the same.
fn recorders_with(
    series: impl Fn(),
) -> (
    tripod::Telemetry,
    metrics_exporter_prometheus::PrometheusHandle,
) {
    let telemetry = tripod_with(&tripod::DEFAULT_BUCKETS, &series);
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
    let (histograms_10k_series, histograms_10k_baseline) =
        recorders_with(operation_histograms(455));
    let (histograms, histograms_baseline) = recorders_with(operation_histograms(10_000));
    let series = |telemetry: &tripod::Telemetry| {
        telemetry
            .render_metrics()
            .unwrap()
            .lines()
            .filter(|line| line.starts_with("operation_"))
            .count()
    };
    assert_eq!(series(&counters), 10_000);
    assert_eq!(series(&histograms_10k_series), 10_010);
    assert_eq!(series(&histograms), 220_000);

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
            "10k_series_as_455_histograms",
            &histograms_10k_series,
            &histograms_10k_baseline,
        ),
        (
            "220k_series_as_10k_histograms",
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

    // What the finer default buckets cost, beside OpenTelemetry's advisory ones.
    let mut group = c.benchmark_group("default_buckets_cost");
    group.sample_size(20);
    for (buckets, bounds) in [
        ("otel_advisory_14", &OTEL_ADVISORY_BUCKETS[..]),
        ("tripod_default_19", &tripod::DEFAULT_BUCKETS[..]),
    ] {
        let telemetry = tripod_with(bounds, operation_histograms(589));
        let text = telemetry.render_metrics().unwrap();
        let openmetrics_bytes = openmetrics(&telemetry).len();
        eprintln!(
            "default_buckets_cost/{buckets}: 589 histograms, {} series, {} bytes classic text, \
             {openmetrics_bytes} bytes OpenMetrics",
            series(&telemetry),
            text.len()
        );
        group.bench_function(format!("589_histograms/{buckets}/text"), |b| {
            b.iter(|| telemetry.render_metrics())
        });
        group.bench_function(format!("589_histograms/{buckets}/openmetrics"), |b| {
            b.iter(|| openmetrics(&telemetry))
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
