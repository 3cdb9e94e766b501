//! Every request is counted once and the in-flight gauge always comes back to 0, however the
//! request ends: a client that disconnects mid-request, an outer `tower::timeout` that gives up,
//! a handler that panics behind tower-http's `CatchPanicLayer`. Each gets one access line, and
//! its exported server span ends with an Error status.

use crate::support;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tokio::io::AsyncWriteExt as _;
use tower::ServiceExt as _;

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

async fn panics() -> &'static str {
    panic!("the handler broke")
}

fn app() -> Router {
    Router::new()
        .route("/slow", get(slow))
        .route("/panics", get(panics))
        .layer(axum::middleware::from_fn(tripod::axum::observe_http))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
}

fn value(exposition: &str, series: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{series} missing:\n{exposition}"))
}

fn assert_counted_once(exposition: &str, endpoint: &str, status: &str) {
    assert_eq!(value(exposition, "http_requests_in_flight "), 0.0);
    assert_eq!(
        value(
            exposition,
            &format!(
                "http_requests_total{{method=\"GET\",endpoint=\"{endpoint}\",status_code=\"{status}\"}} "
            )
        ),
        1.0
    );
    assert_eq!(
        value(
            exposition,
            &format!(
                "http_request_duration_seconds_count{{method=\"GET\",endpoint=\"{endpoint}\"}} "
            )
        ),
        1.0
    );
}

#[test]
fn a_client_that_disconnects_mid_request_is_counted_as_499_and_leaves_nothing_in_flight() {
    let ((), exposition, log, spans) = support::under_tripod(|| async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app()).await });
        let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
        client
            .write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .unwrap();
        // The handler is running; then the client goes away.
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(client);
        // The server notices the closed connection and drops the request's future.
        tokio::time::sleep(Duration::from_millis(300)).await;
    });
    assert_counted_once(&exposition, "/slow", "499");
    let access = log.events("http.server.request");
    assert_eq!(access.len(), 1, "{}", log.text());
    assert_eq!(access[0]["level"], "warning");
    assert_eq!(access[0]["http.response.status_code"], 499);
    assert_eq!(access[0]["error.type"], "cancelled");
    let server = spans
        .iter()
        .find(|span| span.name == "GET /slow")
        .expect("the server span is exported");
    assert_eq!(server.status_code, 2, "Error status: {server:?}");
    assert_eq!(server.attribute("error.type"), "cancelled");
}

#[test]
fn a_request_an_outer_timeout_gives_up_on_is_counted_once() {
    let ((), exposition, log, spans) = support::under_tripod(|| async {
        let service = tower::ServiceBuilder::new()
            .timeout(Duration::from_millis(100))
            .service(app());
        let outcome = service
            .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
            .await;
        assert!(outcome.is_err(), "the timeout fired");
    });
    assert_counted_once(&exposition, "/slow", "499");
    assert_eq!(log.events("http.server.request").len(), 1);
    let server = spans.iter().find(|span| span.name == "GET /slow").unwrap();
    assert_eq!(server.status_code, 2);
}

#[test]
fn a_panicking_handler_behind_catch_panic_is_counted_as_500() {
    let ((), exposition, log, spans) = support::under_tripod(|| async {
        let response = app()
            .oneshot(Request::get("/panics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    });
    assert_counted_once(&exposition, "/panics", "500");
    let access = log.events("http.server.request");
    assert_eq!(access.len(), 1, "{}", log.text());
    assert_eq!(access[0]["level"], "error");
    assert_eq!(access[0]["error.type"], "panic");
    let server = spans
        .iter()
        .find(|span| span.name == "GET /panics")
        .unwrap();
    assert_eq!(server.status_code, 2);
    assert_eq!(server.status_message, "the handler panicked");
}
