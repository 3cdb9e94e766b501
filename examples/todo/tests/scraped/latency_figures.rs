//! Latency figures a reader can trust for a fast call: the example's `ml.inference` takes tens of
//! microseconds, and a real Prometheus's `histogram_quantile(0.5, …)` over the scraped classic
//! buckets, a second Prometheus's over the native histogram it stores (started with
//! `--enable-feature=native-histograms`, the app with `TODO_NATIVE_HISTOGRAMS=on`), and the
//! viewer's p50 on `/debug/operations` all land within a factor of 2.5 of the median
//! `duration_ms` of its success lines (with OpenTelemetry's advisory buckets, which start at
//! 5 ms, Prometheus read 2.5 ms for it: fifty times too slow).

use crate::common;

use std::time::Duration;

use common::{App, TempDb, predict, request};
use serde_json::Value;
use tripod_tests::backends::{Prometheus, eventually};

const CALLS: usize = 40;

/// The median of `values`.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

/// Whether `figure` is within a factor of 2.5 of `truth`.
fn within_2_5x(figure: f64, truth: f64) -> bool {
    figure >= truth / 2.5 && figure <= truth * 2.5
}

#[test]
fn prometheus_and_the_viewer_put_a_fast_calls_median_within_2_5x_of_its_logged_durations() {
    let database = TempDb::new();
    let app = App::start_with(&database, None, &[("TODO_NATIVE_HISTOGRAMS", "on")]);
    let prometheus = Prometheus::scraping(app.address);
    let native = Prometheus::scraping_with(app.address, &["native-histograms"]);
    for _ in 0..CALLS {
        predict(app.address, "friendly staff, lovely food");
        std::thread::sleep(Duration::from_millis(50));
    }

    // Prometheus, once it has scraped every call.
    let scalar =
        |result: &[Value]| -> Option<f64> { result.first()?["value"][1].as_str()?.parse().ok() };
    eventually(Duration::from_secs(30), || {
        let count = scalar(
            &prometheus.query(r#"sum(operation_duration_seconds_count{name="ml.inference"})"#),
        )?;
        (count >= CALLS as f64).then_some(())
    })
    .expect("Prometheus scraped every call");
    let prometheus_p50 = scalar(&prometheus.query(
        r#"histogram_quantile(0.5, sum by (le) (operation_duration_seconds_bucket{name="ml.inference"}))"#,
    ))
    .expect("a quantile")
        * 1e3;
    // The native histogram: one series, no `_bucket`s.
    eventually(Duration::from_secs(30), || {
        let count = scalar(
            &native
                .query(r#"sum(histogram_count(operation_duration_seconds{name="ml.inference"}))"#),
        )?;
        (count >= CALLS as f64).then_some(())
    })
    .expect("the second Prometheus stored a native histogram of every call");
    let native_p50 =
        scalar(&native.query(
            r#"histogram_quantile(0.5, sum(operation_duration_seconds{name="ml.inference"}))"#,
        ))
        .expect("a quantile of the native histogram")
            * 1e3;

    // The viewer: exact, from the spans it holds.
    let operations = request(
        app.address,
        "GET",
        "/debug/operations",
        None,
        &[("Accept", "application/json")],
    );
    assert_eq!(operations.status, 200, "{}", operations.body);
    let rows: Vec<Value> = serde_json::from_str(&operations.body).unwrap();
    let inference = rows
        .iter()
        .find(|row| row["name"] == "ml.inference")
        .unwrap_or_else(|| panic!("no ml.inference row in {rows:#?}"));
    assert_eq!(inference["percentiles_from"], "spans", "{inference}");
    assert_eq!(inference["percentile_calls"], CALLS, "{inference}");
    let viewer_p50 = inference["p50_ms"].as_f64().unwrap();

    drop((prometheus, native));
    let logs = app.stop();
    let durations: Vec<f64> = logs
        .iter()
        .filter(|line| line["event"] == "ml.inference.success")
        .map(|line| line["duration_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(durations.len(), CALLS);
    let truth = median(durations);
    eprintln!(
        "ml.inference p50: {truth} ms by its lines, {prometheus_p50} ms by Prometheus's classic \
         buckets, {native_p50} ms by its native histogram, {viewer_p50} ms by the viewer"
    );
    assert!(
        within_2_5x(prometheus_p50, truth),
        "Prometheus says {prometheus_p50} ms, the lines {truth} ms"
    );
    assert!(
        within_2_5x(native_p50, truth),
        "Prometheus's native histogram says {native_p50} ms, the lines {truth} ms"
    );
    assert!(
        within_2_5x(viewer_p50, truth),
        "the viewer says {viewer_p50} ms, the lines {truth} ms"
    );
}
