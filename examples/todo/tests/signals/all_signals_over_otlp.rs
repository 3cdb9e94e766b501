//! The example service pointed at a collector with the standard variables sends its logs,
//! metrics and traces there, linked by trace id, with nothing else running beside it: a scripted
//! session's every JSON line also arrives as a log record with the same event, level and trace
//! id (the id of spans that arrived), the `ml.inference` histogram counts every prediction and
//! the request counter every request. Checked with the in-process receiver (decoding with
//! `opentelemetry-proto`) and with `oteltap`, a receiver of all three signals that is not ours.

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{App, TempDb, request};
use opentelemetry_proto::tonic::metrics::v1::{Metric, metric::Data, number_data_point};
use serde_json::Value;
use tripod_tests::backends::{Oteltap, eventually};
use tripod_tests::otlp_receiver::{OtlpReceiver, string_attribute};

/// The scripted session; how many requests and predictions it made.
fn session(app: &App) -> (usize, usize) {
    let at = app.address;
    common::create_todo(at);
    assert_eq!(request(at, "GET", "/api/todos", None, &[]).status, 200);
    assert_eq!(request(at, "GET", "/api/todos/999", None, &[]).status, 404);
    let texts = ["friendly staff", "cold food", "lovely place"];
    for text in texts {
        let body = format!(r#"{{"text":"{text}"}}"#);
        assert_eq!(
            request(at, "POST", "/api/predict", Some(&body), &[]).status,
            200
        );
    }
    (3 + texts.len(), texts.len())
}

/// The last export's metric `name`.
fn last<'a>(exports: &'a [Vec<Metric>], name: &str) -> &'a Metric {
    exports
        .iter()
        .rev()
        .find_map(|export| export.iter().find(|metric| metric.name == name))
        .unwrap_or_else(|| {
            panic!(
                "no {name} exported: {:?}",
                exports
                    .iter()
                    .map(|e| e.iter().map(|m| m.name.clone()).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn logs_metrics_and_traces_all_reach_the_collector_linked_by_trace_id() {
    let receiver = OtlpReceiver::start();
    let database = TempDb::new();
    let app = App::start_with(
        &database,
        Some(receiver.endpoint()),
        &[("OTEL_METRIC_EXPORT_INTERVAL", "500")],
    );
    let (requests, predictions) = session(&app);
    let lines = app.stop();

    // Every line arrived as a record: the same event, level and trace id.
    let key = |event: &Value, level: &Value, trace: &Value| {
        (
            event.as_str().unwrap_or_default().to_owned(),
            level.as_str().unwrap_or_default().to_owned(),
            trace.as_str().unwrap_or_default().to_owned(),
        )
    };
    let mut from_lines: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for line in &lines {
        *from_lines
            .entry(key(&line["event"], &line["level"], &line["trace_id"]))
            .or_default() += 1;
    }
    let records = receiver.log_records();
    let mut from_records: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for record in &records {
        *from_records
            .entry((
                record.event_name.clone(),
                record.severity_text.clone(),
                record.trace_id.clone(),
            ))
            .or_default() += 1;
    }
    assert_eq!(from_records, from_lines, "one record per line");
    assert!(
        records
            .iter()
            .all(|record| record.service_name == "todo-app")
    );

    // The records' traces are traces the collector got.
    let spans = receiver.spans();
    for record in records.iter().filter(|record| !record.trace_id.is_empty()) {
        assert!(
            spans.iter().any(|span| span.trace_id == record.trace_id),
            "{record:?}"
        );
    }

    // The metrics count every prediction and every request (cumulative: the last export has all).
    let exports = receiver.metric_exports();
    let duration = last(&exports, "operation_duration_seconds");
    let Some(Data::Histogram(histogram)) = &duration.data else {
        panic!("{duration:?}")
    };
    let inferences: u64 = histogram
        .data_points
        .iter()
        .filter(|point| string_attribute(&point.attributes, "name") == Some("ml.inference"))
        .map(|point| point.count)
        .sum();
    assert_eq!(inferences, predictions as u64);
    let counted = last(&exports, "http_requests_total");
    let Some(Data::Sum(sum)) = &counted.data else {
        panic!()
    };
    let served: i64 = sum
        .data_points
        .iter()
        .map(|point| match point.value {
            Some(number_data_point::Value::AsInt(value)) => value,
            _ => 0,
        })
        .sum();
    assert_eq!(served, requests as i64);
}

#[test]
fn oteltap_receives_all_three_signals() {
    let receiver = Oteltap::start();
    let database = TempDb::new();
    let app = App::start_with(
        &database,
        Some(receiver.endpoint()),
        &[("OTEL_METRIC_EXPORT_INTERVAL", "500")],
    );
    session(&app);
    app.stop();
    let records = eventually(Duration::from_secs(10), || {
        let records = receiver.records();
        let has = |kind: &str| {
            records
                .iter()
                .any(|record| receiver.kind_of(record) == kind)
        };
        (has("span") && has("log") && has("metric")).then_some(records)
    });
    assert!(
        records.is_some(),
        "oteltap got no traces, logs and metrics: {:#?}",
        receiver.records()
    );
}
