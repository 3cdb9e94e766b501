//! Exponential histograms over OTLP, decoded by a real OTLP receiver: with
//! `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=base2_exponential_bucket_histogram`,
//! an observed operation's durations arrive as a base-2 exponential histogram whose count and
//! sum are the calls' (their `duration_ms`, added up), whose buckets hold every call at the scale
//! the specification's SDKs would choose (the finest at which they fit 160 buckets), and whose
//! exemplars name the calls' spans; `/metrics` keeps the explicit buckets meanwhile. A value the
//! variable does not know is a warning, and explicit buckets.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry_proto::tonic::metrics::v1::{Metric, metric::Data};
use tripod_tests::backends::MemoryLog;
use tripod_tests::otlp_receiver::OtlpReceiver;

#[tripod::observe(name = "ml.inference")]
fn predict(text: &str) -> usize {
    text.len()
}

fn telemetry(receiver: &OtlpReceiver, aggregation: &str, log: &MemoryLog) -> tripod::Telemetry {
    let vars = HashMap::from([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "600000".to_owned()),
        (
            "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
            aggregation.to_owned(),
        ),
        ("OTEL_TRACES_SAMPLER", "always_on".to_owned()),
    ]);
    tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(log.clone())
        // Every success line: the test compares their durations with the histogram's.
        .log_rate_limit(None)
        .build()
        .expect("builds")
}

/// Runs `calls` observed calls under the telemetry's subscriber and recorder, then flushes.
fn run(telemetry: &tripod::Telemetry, calls: usize) {
    let recorder = telemetry.recorder().expect("metrics go over OTLP");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        metrics::with_local_recorder(recorder, || {
            for i in 0..calls {
                assert_eq!(predict(&"x".repeat(i % 7)), i % 7);
            }
        })
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
}

fn duration_metric(receiver: &OtlpReceiver) -> Metric {
    receiver
        .metric_exports()
        .concat()
        .into_iter()
        .find(|metric| metric.name == "operation_duration_seconds")
        .expect("the duration histogram arrived")
}

#[test]
fn an_operations_durations_arrive_as_an_exponential_histogram_of_every_call() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = telemetry(&receiver, "base2_exponential_bucket_histogram", &log);
    const CALLS: usize = 200;
    run(&telemetry, CALLS);

    let metric = duration_metric(&receiver);
    let Some(Data::ExponentialHistogram(histogram)) = &metric.data else {
        panic!("not exponential: {metric:#?}")
    };
    assert_eq!(histogram.aggregation_temporality, 2, "cumulative");
    let point = &histogram.data_points[0];
    assert_eq!(point.count, CALLS as u64);
    let durations: Vec<f64> = log
        .events("ml.inference.success")
        .iter()
        .map(|line| line["duration_ms"].as_f64().unwrap() / 1e3)
        .collect();
    assert_eq!(durations.len(), CALLS);
    let logged: f64 = durations.iter().sum();
    let sum = point.sum.unwrap();
    assert!(
        (sum - logged).abs() <= 1e-6 * CALLS as f64,
        "the sum is the calls' durations: {sum} s, the lines {logged} s"
    );
    let positive = point.positive.clone().expect("positive buckets");
    assert!(positive.bucket_counts.len() <= 160);
    assert_eq!(
        positive.bucket_counts.iter().sum::<u64>() + point.zero_count,
        CALLS as u64
    );
    // The finest scale at which the calls' range fits 160 buckets, and no finer than 5.
    let (min, max) = (point.min.unwrap(), point.max.unwrap());
    let fits = |scale: i32| {
        let index = |value: f64| (value.log2() * 2f64.powi(scale)).ceil() as i64 - 1;
        index(max) - index(min) < 160
    };
    assert!(fits(point.scale), "scale {} fits", point.scale);
    assert!(
        point.scale == 5 || !fits(point.scale + 1),
        "scale {} is the finest that fits ({min} … {max})",
        point.scale
    );
    // Each call's duration lies in a counted bucket.
    let base = 2f64.powf(2f64.powi(-point.scale));
    for duration in &durations {
        let index = (duration.log2() * 2f64.powi(point.scale)).ceil() as i32 - 1;
        let k = usize::try_from(index - positive.offset).expect("at or above the offset");
        assert!(
            positive
                .bucket_counts
                .get(k)
                .is_some_and(|count| *count > 0),
            "{duration} s in bucket {index} ({} … {})",
            base.powi(index),
            base.powi(index + 1)
        );
    }
    assert!(
        !point.exemplars.is_empty(),
        "exemplars name the calls' spans"
    );

    // `/metrics` keeps the explicit buckets.
    let exposition = telemetry.render_metrics().unwrap();
    assert!(
        exposition.contains(&format!(
            "operation_duration_seconds_count{{name=\"ml.inference\",outcome=\"success\"}} {CALLS}"
        )),
        "{exposition}"
    );
    assert!(exposition.contains("operation_duration_seconds_bucket{name=\"ml.inference\",outcome=\"success\",le=\"0.00001\"}"));
}

#[test]
fn an_unknown_aggregation_is_a_warning_and_explicit_buckets() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = telemetry(&receiver, "exponential", &log);
    run(&telemetry, 3);
    let metric = duration_metric(&receiver);
    assert!(
        matches!(metric.data, Some(Data::Histogram(_))),
        "{metric:#?}"
    );
    assert!(
        log.text()
            .contains("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"),
        "{}",
        log.text()
    );
}
