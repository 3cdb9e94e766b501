//! Keep what matters at any volume, on the example with oteltap as its collector: at a 1 % head
//! ratio with both fault rates on and `TRIPOD_TRACES_KEEP=errors,slower_than=250ms`, every failed
//! and every slow request's trace arrives whole (server span, `api.predict`, `ml.inference`),
//! close to 1 % of the others do, every exemplar on `/metrics` and in the OTLP metrics names an
//! exported trace, and the histograms count every request. Under a storm of failures the lines
//! written plus the counts suppressed equal the failures.

use crate::common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{App, TempDb, ask, request};
use serde_json::Value;
use tripod_tests::backends::{Oteltap, sample};

const CALLS: usize = 200;
/// What every request asks the model.
const TEXT: &str = "friendly and lovely";

#[test]
fn every_failed_and_slow_request_keeps_its_whole_trace_at_a_1_percent_ratio() {
    let collector = Oteltap::start();
    let database = TempDb::new();
    let app = App::start_with(
        &database,
        Some(collector.endpoint()),
        &[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.01"),
            ("TRIPOD_TRACES_KEEP", "errors,slower_than=250ms"),
            ("TODO_FAULT_ERROR_RATE", "0.1"),
            ("TODO_FAULT_SLOW_RATE", "0.1"),
            ("TODO_FAULT_SLOW_MS", "300"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
        ],
    );
    // One request a caller sampled, so some exemplar exists whatever the 1 % draw gives: its
    // trace is exported whole, and its samples carry it.
    let sampled = "0af7651916cd43dd8448eb211c80319c";
    let answer = ask(
        app.address,
        TEXT,
        &[("traceparent", &format!("00-{sampled}-b7ad6b7169203331-01"))],
    );
    assert_eq!(answer.header("x-trace-id"), Some(sampled));
    let mut calls = Vec::new();
    for _ in 0..CALLS {
        let sent = Instant::now();
        let answer = ask(app.address, TEXT, &[]);
        let took = sent.elapsed();
        let trace_id = answer
            .header("x-trace-id")
            .expect("every answer names its trace")
            .to_owned();
        calls.push((answer.status, took, trace_id));
    }
    let openmetrics = request(
        app.address,
        "GET",
        "/metrics",
        None,
        &[("accept", "application/openmetrics-text")],
    )
    .body;
    let metrics = request(app.address, "GET", "/metrics", None, &[]).body;
    app.stop();
    std::thread::sleep(Duration::from_millis(500));

    let spans = collector.spans();
    let exported: BTreeSet<&str> = spans
        .iter()
        .filter_map(|span| span["traceId"].as_str())
        .collect();
    let names_of = |trace_id: &str| -> BTreeSet<String> {
        spans
            .iter()
            .filter(|span| span["traceId"] == trace_id)
            .filter_map(|span| span["name"].as_str().map(str::to_owned))
            .collect()
    };
    let (mut failed, mut slow, mut healthy, mut healthy_exported) = (0, 0, 0, 0);
    for (status, took, trace_id) in &calls {
        let names = names_of(trace_id);
        let whole = ["POST /api/predict", "api.predict", "ml.inference"]
            .iter()
            .all(|name| names.contains(*name));
        if *status == 500 {
            failed += 1;
            assert!(whole, "failed request {trace_id}: {names:?}");
        } else if *took >= Duration::from_millis(300) {
            slow += 1;
            assert!(whole, "slow request {trace_id}: {names:?}");
        } else {
            assert_eq!(*status, 200);
            healthy += 1;
            if !names.is_empty() {
                healthy_exported += 1;
                assert!(whole, "{names:?}");
            }
        }
    }
    assert!(failed > 0 && slow > 0, "{failed} failed, {slow} slow");
    // About 160 healthy requests at 1 %: 1.6 expected; above 10 has a chance below one in a
    // million.
    assert!(
        healthy_exported <= 10,
        "{healthy_exported} of {healthy} healthy traces exported at 1 %"
    );
    // A kept trace says why, on its local root.
    let reasons: BTreeSet<&str> = spans
        .iter()
        .filter_map(|span| attribute(span, "tripod.sampling.kept"))
        .collect();
    assert_eq!(reasons, BTreeSet::from(["error", "slow"]), "{reasons:?}");

    // The histograms count every request.
    let requests = sample(
        &metrics,
        "http_requests_total{method=\"POST\",endpoint=\"/api/predict\",status_code=\"200\"}",
    )
    .unwrap_or(0.0)
        + sample(
            &metrics,
            "http_requests_total{method=\"POST\",endpoint=\"/api/predict\",status_code=\"500\"}",
        )
        .unwrap_or(0.0);
    assert_eq!(requests, CALLS as f64 + 1.0, "{metrics}");
    assert!(exported.contains(sampled), "the caller's sampled trace");
    // Every exemplar names an exported trace: on /metrics and in the OTLP metrics.
    let scraped: Vec<&str> = openmetrics
        .split("trace_id=\"")
        .skip(1)
        .map(|rest| &rest[..32])
        .collect();
    assert!(!scraped.is_empty(), "{openmetrics}");
    for trace_id in &scraped {
        assert!(exported.contains(trace_id), "/metrics exemplar {trace_id}");
    }
    let pushed: Vec<String> = collector
        .records()
        .iter()
        .filter(|record| collector.kind_of(record) == "metric")
        .flat_map(exemplar_trace_ids)
        .collect();
    assert!(!pushed.is_empty(), "the pushed metrics carry exemplars");
    for trace_id in &pushed {
        assert!(
            exported.contains(trace_id.as_str()),
            "OTLP exemplar {trace_id}"
        );
    }
}

#[test]
fn under_a_storm_the_failure_lines_written_and_suppressed_add_up_to_the_failures() {
    let database = TempDb::new();
    let app = App::start_with(&database, None, &[("TODO_FAULT_ERROR_RATE", "1")]);
    let storm = 600;
    for _ in 0..storm {
        assert_eq!(ask(app.address, TEXT, &[]).status, 500);
    }
    let lines = app.stop();
    let written = lines
        .iter()
        .filter(|line| line["event"] == "ml.inference.failure")
        .count() as u64;
    let suppressed: u64 = lines
        .iter()
        .filter(|line| {
            line["event"] == "tripod.log.suppressed"
                && line["suppressed_event"] == "ml.inference.failure"
        })
        .map(|line| line["suppressed"].as_u64().unwrap())
        .sum();
    assert_eq!(
        written + suppressed,
        storm,
        "{written} written, {suppressed} suppressed"
    );
    assert!(suppressed > 0, "a storm is held back: {written} written");
}

/// A span's string attribute, as oteltap prints it.
fn attribute<'a>(span: &'a Value, key: &str) -> Option<&'a str> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|attribute| attribute["key"] == key)?["value"]["stringValue"]
        .as_str()
}

/// The trace ids of a printed metric's exemplars, whatever its data kind.
fn exemplar_trace_ids(metric: &Value) -> Vec<String> {
    ["sum", "gauge", "histogram", "exponentialHistogram"]
        .iter()
        .filter_map(|kind| metric[*kind]["dataPoints"].as_array())
        .flatten()
        .filter_map(|point| point["exemplars"].as_array())
        .flatten()
        .filter_map(|exemplar| exemplar["traceId"].as_str().map(str::to_owned))
        .collect()
}
