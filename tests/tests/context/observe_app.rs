//! `tripod::axum::observe(app)` observes every request the app answers: a route (named by its
//! template), an unknown path in a router without a fallback (`endpoint="unmatched"`) and a wrong
//! method (405) each get a server span, an access line and the HTTP metrics.

use crate::support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tower::ServiceExt as _;
use tripod_tests::otlp_receiver::ReceivedSpan;

#[tripod::observe(name = "todo.get")]
async fn todo(axum::extract::Path(id): axum::extract::Path<u32>) -> String {
    format!("todo {id}")
}

/// A router without a fallback, observed whole.
fn app() -> Router {
    tripod::axum::observe(Router::new().route("/api/todos/{id}", get(todo)))
}

fn value(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[test]
fn every_request_gets_a_server_span_an_access_line_and_metrics_whether_or_not_a_route_matched() {
    let (statuses, exposition, log, spans) = support::under_tripod(|| async {
        let mut statuses = Vec::new();
        for (method, path) in [
            ("GET", "/api/todos/7"),
            ("GET", "/nope"),
            ("DELETE", "/api/todos/7"),
        ] {
            let answer = app()
                .oneshot(
                    Request::builder()
                        .method(method)
                        .uri(path)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            statuses.push(answer.status());
        }
        statuses
    });
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::NOT_FOUND,
            StatusCode::METHOD_NOT_ALLOWED
        ]
    );
    // Flushed before it returns: every span of the three requests was exported.
    assert_eq!(
        spans.iter().filter(|span| span.kind == "server").count(),
        3,
        "{spans:#?}"
    );

    // The matched route: its template names the span and the series.
    assert_eq!(
        value(
            &exposition,
            r#"http_requests_total{method="GET",endpoint="/api/todos/{id}",status_code="200"} "#
        ),
        Some(1.0),
        "{exposition}"
    );
    let server: Vec<&ReceivedSpan> = spans.iter().filter(|span| span.kind == "server").collect();
    let routed = server
        .iter()
        .find(|span| {
            span.attributes["url.path"] == "/api/todos/7"
                && span.attributes["http.request.method"] == "GET"
        })
        .expect("the routed request's span");
    assert_eq!(routed.name, "GET /api/todos/{id}");
    assert_eq!(routed.attributes["http.route"], "/api/todos/{id}");
    let handler = spans
        .iter()
        .find(|span| span.name == "todo.get")
        .expect("the handler's span");
    assert_eq!(
        handler.parent_span_id, routed.span_id,
        "the handler runs inside the server span"
    );

    // The unknown path, in a router without a fallback: observed as `unmatched`.
    assert_eq!(
        value(
            &exposition,
            r#"http_requests_total{method="GET",endpoint="unmatched",status_code="404"} "#
        ),
        Some(1.0),
        "{exposition}"
    );
    let unknown = server
        .iter()
        .find(|span| span.attributes["url.path"] == "/nope")
        .expect("the unknown path's span");
    assert_eq!(unknown.name, "GET");
    assert_eq!(unknown.attributes["http.response.status_code"], 404);

    // The wrong method: observed too.
    let wrong = server
        .iter()
        .find(|span| span.attributes["http.request.method"] == "DELETE")
        .expect("the wrong method's span");
    assert_eq!(wrong.attributes["http.response.status_code"], 405);
    let deleted: f64 = exposition
        .lines()
        .filter(|line| {
            line.starts_with(r#"http_requests_total{method="DELETE""#)
                && line.contains(r#"status_code="405""#)
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(deleted, 1.0, "{exposition}");

    // The route is known before the handler runs: its lines carry it.
    let started = log.events("todo.get.start");
    assert_eq!(started.len(), 1, "{started:?}");
    assert_eq!(started[0]["http.route"], "/api/todos/{id}");

    // One access line each.
    let access = log.events("http.server.request");
    let paths: Vec<&str> = access
        .iter()
        .filter_map(|line| line["url.path"].as_str())
        .collect();
    assert_eq!(
        paths,
        ["/api/todos/7", "/nope", "/api/todos/7"],
        "{access:?}"
    );
}
