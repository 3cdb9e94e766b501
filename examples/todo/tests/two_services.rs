//! Two processes, one trace: the example calling a second instance of itself for predictions
//! (`TODO_MODEL_URL`), both exporting to one real OTLP/HTTP receiver. One request yields one
//! trace across both services: every parent link resolves to an exported span, both
//! `service.name`s are there, a caller's `traceparent` and `tracestate` go all the way through,
//! and a refusal by the model service reaches the client as the same 422.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{App, TempDb, request};
use serde_json::Value;
use tripod_tests::otlp_receiver::{OtlpReceiver, ReceivedSpan};

const CALLER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";

fn find<'a>(spans: &'a [ReceivedSpan], service: &str, name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|span| span.service_name == service && span.name == name)
        .unwrap_or_else(|| panic!("no {name} from {service} in {spans:#?}"))
}

#[test]
fn a_prediction_served_by_a_second_service_is_one_trace_across_both() {
    let receiver = OtlpReceiver::start();
    let (model_db, front_db) = (TempDb::new(), TempDb::new());
    let model = App::start_with(
        &model_db,
        Some(receiver.endpoint()),
        &[("OTEL_SERVICE_NAME", "todo-model")],
    );
    let model_url = format!("http://{}", model.address);
    let front = App::start_with(
        &front_db,
        Some(receiver.endpoint()),
        &[
            ("OTEL_SERVICE_NAME", "todo-app"),
            ("TODO_MODEL_URL", &model_url),
        ],
    );

    let body = Some(r#"{"text":"friendly staff, lovely food"}"#);
    let answered = request(front.address, "POST", "/api/predict", body, &[]);
    assert_eq!(answered.status, 200, "{}", answered.body);
    let prediction: Value = serde_json::from_str(&answered.body).unwrap();
    assert_eq!(prediction["label"], "positive");
    let trace_id = answered.header("x-trace-id").unwrap().to_owned();

    let continued = request(
        front.address,
        "POST",
        "/api/predict",
        body,
        &[
            (
                "traceparent",
                &format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"),
            ),
            ("tracestate", "congo=t61rcWkgMzE"),
        ],
    );
    assert_eq!(continued.header("x-trace-id"), Some(CALLER_TRACE));

    let refused = request(
        front.address,
        "POST",
        "/api/predict",
        Some(r#"{"text":"!!!"}"#),
        &[],
    );
    assert_eq!(
        refused.status, 422,
        "the model service's refusal passes through"
    );
    let refusal: Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(refusal["error"], "the text must contain at least one word");

    // SIGTERM flushes both exporters.
    let front_logs = front.stop();
    let model_logs = model.stop();

    let spans = receiver.wait_for_trace(&trace_id, 7, Duration::from_secs(15));
    assert_eq!(spans.len(), 7, "{spans:#?}");
    let services: HashSet<&str> = spans
        .iter()
        .map(|span| span.service_name.as_str())
        .collect();
    assert_eq!(services, HashSet::from(["todo-app", "todo-model"]));

    let front_server = find(&spans, "todo-app", "POST /api/predict");
    let handler = find(&spans, "todo-app", "api.predict");
    let remote = find(&spans, "todo-app", "ml.remote_inference");
    let client = find(&spans, "todo-app", "POST");
    let model_server = find(&spans, "todo-model", "POST /api/predict");
    let model_handler = find(&spans, "todo-model", "api.predict");
    let inference = find(&spans, "todo-model", "ml.inference");
    assert_eq!(
        front_server.parent_span_id, "",
        "the front's server span is the root"
    );
    assert_eq!(handler.parent_span_id, front_server.span_id);
    assert_eq!(remote.parent_span_id, handler.span_id);
    assert_eq!(client.parent_span_id, remote.span_id);
    assert_eq!(client.kind, "client");
    assert_eq!(
        model_server.parent_span_id, client.span_id,
        "the hop between processes"
    );
    assert_eq!(model_server.kind, "server");
    assert_eq!(model_handler.parent_span_id, model_server.span_id);
    assert_eq!(inference.parent_span_id, model_handler.span_id);
    let ids: HashSet<&str> = spans.iter().map(|span| span.span_id.as_str()).collect();
    for span in &spans {
        assert!(
            span.parent_span_id.is_empty() || ids.contains(span.parent_span_id.as_str()),
            "{} has a parent that was not exported",
            span.name
        );
    }

    // The caller's trace and trace state reached the second service.
    let continued = receiver.wait_for_trace(CALLER_TRACE, 7, Duration::from_secs(5));
    let model_server = find(&continued, "todo-model", "POST /api/predict");
    assert_eq!(model_server.trace_state, "congo=t61rcWkgMzE");
    assert_eq!(
        find(&continued, "todo-app", "POST /api/predict").parent_span_id,
        CALLER_SPAN
    );

    // Both services' access lines carry the trace id the client saw.
    for logs in [&front_logs, &model_logs] {
        let access: Vec<_> = logs
            .iter()
            .filter(|line| {
                line["event"] == "http.server.request" && line["trace_id"] == trace_id.as_str()
            })
            .collect();
        assert_eq!(access.len(), 1, "{logs:#?}");
        assert_eq!(access[0]["http.route"], "/api/predict");
    }
}
