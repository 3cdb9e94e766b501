//! Two processes, one trace: the example calling a second instance of itself for predictions
//! (`TODO_MODEL_URL`), both exporting to one real OTLP/HTTP receiver. One request yields one
//! trace across both services: every parent link resolves to an exported span, both
//! `service.name`s are there, a caller's `traceparent` and `tracestate` go all the way through,
//! and a refusal by the model service reaches the client as the same 422.

use crate::common;

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

/// Starts the model service and the front calling it, both with `env`, exporting to `receiver`.
fn two_services(receiver: &OtlpReceiver, env: &[(&str, &str)]) -> (App, App, [TempDb; 2]) {
    let databases = [TempDb::new(), TempDb::new()];
    let mut model_env = vec![("OTEL_SERVICE_NAME", "todo-model")];
    model_env.extend_from_slice(env);
    let model = App::start_with(&databases[0], Some(receiver.endpoint()), &model_env);
    let model_url = format!("http://{}", model.address);
    let mut front_env = vec![
        ("OTEL_SERVICE_NAME", "todo-app"),
        ("TODO_MODEL_URL", &model_url),
    ];
    front_env.extend_from_slice(env);
    let front = App::start_with(&databases[1], Some(receiver.endpoint()), &front_env);
    (model, front, databases)
}

/// Asks `front` for a prediction carrying `baggage`, expecting a 200.
fn predict_with_baggage(front: &App, baggage: &str) -> common::Response {
    let answered = request(
        front.address,
        "POST",
        "/api/predict",
        Some(r#"{"text":"friendly staff"}"#),
        &[("baggage", baggage)],
    );
    assert_eq!(answered.status, 200, "{}", answered.body);
    answered
}

#[test]
fn baggage_travels_to_the_second_service_and_only_the_named_entries_reach_its_lines() {
    let receiver = OtlpReceiver::start();
    let (model, front, _databases) =
        two_services(&receiver, &[("TRIPOD_BAGGAGE_FIELDS", "tenant.id")]);
    let answered = predict_with_baggage(&front, "tenant.id=acme,session=s3cret");
    let trace_id = answered.header("x-trace-id").unwrap().to_owned();
    let front_logs = front.stop();
    let model_logs = model.stop();

    for (service, logs) in [("todo-app", &front_logs), ("todo-model", &model_logs)] {
        let lines: Vec<&Value> = logs
            .iter()
            .filter(|line| line["trace_id"] == trace_id.as_str())
            .collect();
        assert!(lines.len() >= 4, "{service}: {logs:#?}");
        for line in lines {
            assert_eq!(line["tenant.id"], "acme", "{service}: {line}");
        }
        let text = serde_json::to_string(logs).unwrap();
        assert!(
            !text.contains("s3cret"),
            "{service} never records an entry not named"
        );
    }
    let spans = receiver.wait_for_trace(&trace_id, 7, Duration::from_secs(15));
    let model_server = find(&spans, "todo-model", "POST /api/predict");
    assert_eq!(model_server.attribute("tenant.id"), "acme");
    assert!(model_server.attribute("session").is_null());
}

#[test]
fn bad_propagators_and_malformed_baggage_are_warnings_and_the_default() {
    let receiver = OtlpReceiver::start();
    let (model, front, _databases) = two_services(
        &receiver,
        &[
            ("OTEL_PROPAGATORS", "tracecontext,bogus"),
            ("TRIPOD_BAGGAGE_FIELDS", "tenant.id"),
        ],
    );
    for _ in 0..2 {
        predict_with_baggage(&front, "tenant.id=acme");
    }
    let front_logs = front.stop();
    model.stop();
    let warnings = |logs: &[Value], starting: &str| {
        logs.iter()
            .filter(|line| line["level"] == "warning")
            .filter(|line| {
                line["event"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(starting)
            })
            .count()
    };
    assert_eq!(
        warnings(&front_logs, "OTEL_PROPAGATORS"),
        1,
        "{front_logs:#?}"
    );
    // `baggage` is not in the list: nothing is extracted, nothing recorded.
    assert!(front_logs.iter().all(|line| line["tenant.id"].is_null()));
    // The trace still travels.
    let spans = receiver.spans();
    assert!(spans.iter().any(|span| {
        span.service_name == "todo-model"
            && spans
                .iter()
                .any(|caller| caller.span_id == span.parent_span_id)
    }));

    // A malformed header, where baggage is on: one warning, the request served.
    let receiver = OtlpReceiver::start();
    let (model, front, _databases) = two_services(&receiver, &[]);
    for _ in 0..2 {
        let answer = request(
            model.address,
            "GET",
            "/api/todos",
            None,
            &[("baggage", "no equals sign")],
        );
        assert_eq!(answer.status, 200);
    }
    let model_logs = model.stop();
    drop(front);
    assert_eq!(
        warnings(&model_logs, "baggage member"),
        1,
        "one warning, whatever the number of bad headers: {model_logs:#?}"
    );
}
