//! The running binary, as a user runs it: scripted requests, then `/metrics` has exactly the
//! expected counts, the JSON log lines of one request share one trace id, which is the id of the
//! spans a real OTLP receiver (`oteltap`, installed by `tests/run`) got; SIGTERM stops it
//! gracefully and the data is there after a restart.

use crate::common;

use std::time::Duration;

use common::{App, request};
use tripod_tests::backends::{Oteltap, eventually};

use serde_json::Value;

fn metric_value(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[test]
fn a_scripted_session_is_counted_logged_and_traced_end_to_end() {
    let receiver = Oteltap::start();
    let database = common::TempDb::new();
    let app = App::start(&database, Some(receiver.endpoint()));
    let at = app.address;

    let created = common::create_todo(at);
    let trace_id = created
        .header("x-trace-id")
        .expect("the trace id is returned")
        .to_owned();
    let id = serde_json::from_str::<Value>(&created.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(request(at, "GET", "/api/todos", None, &[]).status, 200);
    assert_eq!(request(at, "GET", "/api/todos/999", None, &[]).status, 404);
    assert_eq!(
        request(at, "GET", &format!("/api/todos/{id}"), None, &[]).status,
        200
    );
    assert_eq!(
        request(
            at,
            "POST",
            "/api/predict",
            Some(r#"{"text":"lovely and friendly"}"#),
            &[]
        )
        .status,
        200
    );
    assert_eq!(
        request(at, "POST", "/api/predict", Some(r#"{"text":""}"#), &[]).status,
        422
    );
    assert_eq!(request(at, "GET", "/no/such/path/1", None, &[]).status, 404);
    assert_eq!(request(at, "GET", "/no/such/path/2", None, &[]).status, 404);

    // Rejected before any handler runs: the trace id in the body leads to an access line.
    let wrong_method = request(at, "PUT", "/api/todos", None, &[]);
    assert_eq!(wrong_method.status, 405);
    let rejected_trace = serde_json::from_str::<Value>(&wrong_method.body).unwrap()["trace_id"]
        .as_str()
        .expect("a 405 carries a trace id")
        .to_owned();

    // A caller's traceparent is continued.
    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let continued = request(at, "GET", "/api/todos", None, &[("traceparent", caller)]);
    assert_eq!(
        continued.header("x-trace-id"),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );

    let metrics = request(at, "GET", "/metrics", None, &[]).body;
    let count = |series: &str| {
        metric_value(&metrics, series).unwrap_or_else(|| panic!("{series} missing:\n{metrics}"))
    };
    for (method, endpoint, status, expected) in [
        ("POST", "/api/todos", 201, 1.0),
        ("GET", "/api/todos", 200, 2.0),
        ("GET", "/api/todos/{id}", 404, 1.0),
        ("GET", "/api/todos/{id}", 200, 1.0),
        ("POST", "/api/predict", 200, 1.0),
        ("POST", "/api/predict", 422, 1.0),
        ("GET", "unmatched", 404, 2.0),
    ] {
        let series = format!(
            r#"http_requests_total{{method="{method}",endpoint="{endpoint}",status_code="{status}"}}"#
        );
        assert_eq!(count(&series), expected, "{series}");
    }
    assert!(
        !metrics.contains("/no/such/path"),
        "raw paths never become labels"
    );
    assert_eq!(
        count(r#"http_request_duration_seconds_count{method="GET",endpoint="/api/todos"}"#),
        2.0
    );
    assert_eq!(
        count(
            r#"operation_duration_seconds_count{name="ml.inference",outcome="success",model_name="sentiment-nb-v1"}"#
        ),
        1.0
    );
    assert_eq!(
        count(r#"operation_errors_total{name="todo.get",error_type="NotFound"}"#),
        1.0
    );
    assert_eq!(
        count(r#"operation_errors_total{name="api.predict",error_type="Invalid"}"#),
        1.0
    );
    assert_eq!(
        count("http_requests_in_flight"),
        0.0,
        "scrapes of /metrics are not observed requests"
    );

    let logs = app.stop();
    assert!(
        logs.iter().any(|line| line["event"] == "server.stopped"),
        "a graceful stop is logged"
    );
    // A 404 is the client's mistake: its failure line is a warning, not an error.
    let not_found = logs
        .iter()
        .find(|line| line["event"] == "todo.get.failure")
        .expect("the 404 is logged");
    assert_eq!(not_found["level"], "warning", "{not_found}");
    assert_eq!(not_found["error.type"], "NotFound");
    let access: Vec<&Value> = logs
        .iter()
        .filter(|line| line["event"] == "http.server.request")
        .collect();
    assert_eq!(
        access.len(),
        10,
        "one access line per API request (/metrics is not observed)"
    );
    let rejected: Vec<_> = access
        .iter()
        .filter(|line| line["trace_id"] == rejected_trace.as_str())
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["http.response.status_code"], 405);
    assert_eq!(rejected[0]["level"], "info");

    // The log lines of the create request share its trace id and show the whole timeline.
    let logs: Vec<Value> = logs
        .into_iter()
        .filter(|line| line["trace_id"] == trace_id.as_str())
        .collect();
    let events: Vec<&str> = logs
        .iter()
        .map(|line| line["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "todo.create.start",
            "db.todos.insert.start",
            "db.todos.insert.success",
            "todo.create.success",
            "http.server.request"
        ],
        "{logs:#?}"
    );
    // The README's sample line is this request's first line, but for its time and ids.
    let readme = include_str!("../../../../README.md");
    let sample = readme
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("the README's sample log line");
    let mut sample: Value = serde_json::from_str(sample).unwrap();
    let mut real = logs[0].clone();
    for varying in ["timestamp", "trace_id", "span_id"] {
        assert!(real.get(varying).is_some() && sample.get(varying).is_some());
        sample[varying] = Value::Null;
        real[varying] = Value::Null;
    }
    assert_eq!(sample, real, "README.md's sample log line");
    let (access, handler) = logs.split_last().unwrap();
    assert!(
        handler
            .iter()
            .all(|line| line["http.route"] == "/api/todos" && line["user.id"] == 42)
    );
    // The access line closes the request: route, method, status and duration.
    assert_eq!(access["level"], "info");
    assert_eq!(access["http.request.method"], "POST");
    assert_eq!(access["http.route"], "/api/todos");
    assert_eq!(access["http.response.status_code"], 201);
    assert!(access["duration_ms"].as_f64().unwrap() > 0.0, "{access}");

    // The same trace reached the OTLP receiver (exported at shutdown): server span, handler, the
    // repository call, its wait for a connection and its statement.
    eventually(Duration::from_secs(15), || {
        (receiver.spans_of(&trace_id).len() >= 5).then_some(())
    });
    let spans = receiver.spans_of(&trace_id);
    let mut names: Vec<&str> = spans
        .iter()
        .map(|span| span["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "INSERT todos",
            "POST /api/todos",
            "acquire connection",
            "db.todos.insert",
            "todo.create"
        ],
        "{spans:#?}"
    );

    // Graceful shutdown lost no committed write.
    let app = App::start(&database, None);
    assert_eq!(
        request(app.address, "GET", &format!("/api/todos/{id}"), None, &[]).status,
        200
    );
    app.stop();
}
