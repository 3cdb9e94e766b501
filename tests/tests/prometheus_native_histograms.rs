//! Prometheus native histograms, with a real Prometheus (Debian's 2.42, started with
//! `--enable-feature=native-histograms`) scraping an app whose telemetry offers them
//! (`.prometheus_native_histograms(true)`): Prometheus asks for the protobuf exposition, stores
//! the observed operation's durations as one native histogram (`histogram_count` finds it), and
//! its `histogram_quantile(0.5, …)` is within a factor of 2.5 of the calls' median `duration_ms`;
//! the text expositions still pass promtool and keep their classic buckets.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::backends::{MemoryLog, Prometheus, eventually, http_get, promtool_check_metrics};

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    // Some microseconds of work, varying.
    (0..(i % 5 + 1) * 2_000).fold(i, |sum, k| sum.wrapping_mul(31).wrapping_add(k))
}

fn scalar(result: &[Value]) -> Option<f64> {
    result.first()?["value"][1].as_str()?.parse().ok()
}

// One test: the recorder and subscriber are global.
#[test]
fn prometheus_stores_a_native_histogram_whose_median_is_within_2_5x_of_the_calls() {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        // Every success line: the test compares their durations with the histogram's.
        .log_rate_limit(None)
        .metrics_listener(([127, 0, 0, 1], 0))
        .prometheus_native_histograms(true)
        .install()
        .expect("installs");
    let target = telemetry.metrics_address().expect("the listener runs");
    let prometheus = Prometheus::scraping_with(target, &["native-histograms"]);
    const CALLS: usize = 200;
    for i in 0..CALLS as u64 {
        std::hint::black_box(unit(i));
    }

    let count = eventually(Duration::from_secs(30), || {
        let count = scalar(
            &prometheus.query(r#"histogram_count(operation_duration_seconds{name="work.unit"})"#),
        )?;
        (count >= CALLS as f64).then_some(count)
    });
    assert_eq!(
        count,
        Some(CALLS as f64),
        "Prometheus stored a native histogram of every call"
    );
    let median = scalar(
        &prometheus
            .query(r#"histogram_quantile(0.5, operation_duration_seconds{name="work.unit"})"#),
    )
    .expect("a quantile of the native histogram")
        * 1e3;
    telemetry.flush(Duration::from_secs(5));
    let mut durations: Vec<f64> = log
        .events("work.unit.success")
        .iter()
        .map(|line| line["duration_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(durations.len(), CALLS);
    durations.sort_by(f64::total_cmp);
    let truth = (durations[CALLS / 2 - 1] + durations[CALLS / 2]) / 2.0;
    eprintln!(
        "work.unit p50: {truth} ms by its lines, {median} ms by Prometheus's native histogram"
    );
    assert!(
        median >= truth / 2.5 && median <= truth * 2.5,
        "Prometheus says {median} ms, the lines {truth} ms"
    );

    // The text exposition keeps its classic buckets, and promtool is content.
    let (status, exposition) = http_get(target, "/metrics");
    assert_eq!(status, 200);
    assert!(
        exposition.contains("operation_duration_seconds_bucket{name=\"work.unit\",outcome=\"success\",le=\"0.00001\"}"),
        "{exposition}"
    );
    let (code, problems) = promtool_check_metrics(&exposition);
    assert_eq!(code, 0, "{problems}");
    drop(prometheus);
}
