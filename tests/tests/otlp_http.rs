//! Spans reach a real OTLP/HTTP receiver (`oteltap`): names, attributes, status and parent/child
//! links intact, and the `trace_id` of the call's JSON log lines is the exported span's.

mod support;

use std::time::Duration;

use support::backends::{MemoryLog, Oteltap};

#[derive(Debug, thiserror::Error, tripod::ErrorType)]
enum ModelError {
    #[error("model not loaded")]
    NotLoaded,
}

#[tripod::observe(name = "ml.inference", fields(input.length = text.len()), labels(model_name = "classifier"))]
fn predict(text: &str) -> Result<f64, ModelError> {
    if text.is_empty() {
        return Err(ModelError::NotLoaded);
    }
    score(text)
}

#[tripod::observe(name = "ml.score")]
fn score(text: &str) -> Result<f64, ModelError> {
    Ok(text.len() as f64 / 10.0)
}

fn attribute<'a>(span: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    match &span["attributes"] {
        serde_json::Value::Object(map) => map.get(key),
        serde_json::Value::Array(list) => list
            .iter()
            .find(|kv| kv["key"] == key)
            .map(|kv| &kv["value"]),
        _ => None,
    }
}

#[test]
fn spans_reach_an_otlp_http_receiver_with_the_log_lines_trace_id() {
    let receiver = Oteltap::start();
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .service_name("tripod-tests")
        .log_writer(log.clone())
        .prometheus(false)
        .otlp_endpoint(receiver.endpoint())
        .export_interval(Duration::from_millis(100))
        .install()
        .expect("installs");
    assert_eq!(
        telemetry.otlp_endpoint(),
        Some(format!("{}/v1/traces", receiver.endpoint()).as_str())
    );

    predict("great movie").unwrap();
    predict("").unwrap_err();
    assert!(
        telemetry.flush(Duration::from_secs(10)),
        "the export finished"
    );

    // oteltap prints what it received after answering: wait for the three spans to be read.
    let spans = support::backends::eventually(Duration::from_secs(10), || {
        let spans = receiver.spans();
        (spans.len() >= 3).then_some(spans)
    })
    .unwrap_or_else(|| panic!("three spans reach oteltap; got {:#?}", receiver.spans()));
    let named = |name: &str| -> Vec<serde_json::Value> {
        spans
            .iter()
            .filter(|s| s["name"] == name)
            .cloned()
            .collect()
    };
    let inferences = named("ml.inference");
    assert_eq!(inferences.len(), 2, "{spans:#?}");
    let ok = inferences
        .iter()
        .find(|s| attribute(s, "error.type").is_none())
        .expect("the successful call");
    let failed = inferences
        .iter()
        .find(|s| attribute(s, "error.type").is_some())
        .expect("the failed call");

    let score = &named("ml.score")[0];
    assert_eq!(
        score["traceId"], ok["traceId"],
        "child and parent share the trace"
    );
    assert_eq!(
        score["parentSpanId"], ok["spanId"],
        "ml.score is ml.inference's child"
    );

    let function = attribute(ok, "code.function.name").unwrap().to_string();
    assert!(function.contains("otlp_http::predict"), "{function}");
    assert!(attribute(ok, "code.line.number").is_some());
    assert!(
        attribute(ok, "input.length")
            .unwrap()
            .to_string()
            .contains("11")
    );
    assert_eq!(failed["status"]["code"], 2, "status Error: {failed}");
    assert!(
        failed["status"]["message"]
            .to_string()
            .contains("model not loaded"),
        "{failed}"
    );

    // The log lines of the successful call carry the exported trace id.
    let ok_trace = ok["traceId"].as_str().unwrap().to_lowercase();
    assert_eq!(
        log.events_of_trace(&ok_trace),
        [
            "ml.inference.start",
            "ml.score.start",
            "ml.score.success",
            "ml.inference.success"
        ],
        "{}",
        log.text()
    );
}
