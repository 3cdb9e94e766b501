//! `/metrics` answers OpenMetrics, with exemplars and `# EOF`, to a scraper whose `Accept` asks
//! for it (as Prometheus does), and the classic text otherwise: through the axum route and the
//! standalone listener alike. A served request's exemplars point at its server span.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use tower::ServiceExt as _;
use tripod_tests::backends::{MemoryLog, openmetrics_parse};

/// What Prometheus 2.42 sends.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// A `GET /metrics` over a fresh connection, with `accept`; the content type and the body.
fn scrape(address: SocketAddr, accept: Option<&str>) -> (String, String) {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let accept = accept.map_or_else(String::new, |accept| format!("Accept: {accept}\r\n"));
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {address}\r\n{accept}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let content_type = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (content_type, body.to_owned())
}

async fn get_metrics(app: &Router, accept: Option<&str>) -> (String, String) {
    let mut request = Request::get("/metrics");
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    (content_type, String::from_utf8(body.to_vec()).unwrap())
}

#[test]
fn prometheus_gets_openmetrics_with_the_requests_exemplars_and_other_scrapers_the_classic_text() {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .metrics_listener(([127, 0, 0, 1], 0))
        .build()
        .unwrap();
    let handle = telemetry.prometheus_handle().unwrap().clone();
    let app: Router = Router::new()
        .route("/api/todos/{id}", get(|| async { "a todo" }))
        .layer(axum::middleware::from_fn(tripod::axum::observe_http))
        .merge(tripod::axum::metrics_router(handle));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let recorder = telemetry.recorder().unwrap();
    let (openmetrics, classic, plain) =
        tracing::dispatcher::with_default(telemetry.dispatch(), || {
            metrics::with_local_recorder(recorder, || {
                runtime.block_on(async {
                    let response = app
                        .clone()
                        .oneshot(Request::get("/api/todos/7").body(Body::empty()).unwrap())
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                    (
                        get_metrics(&app, Some(PROMETHEUS_ACCEPT)).await,
                        get_metrics(&app, None).await,
                        get_metrics(&app, Some("text/plain;version=0.0.4")).await,
                    )
                })
            })
        });
    assert!(telemetry.flush(Duration::from_secs(5)));
    let access = &log.events("http.server.request")[0];

    assert_eq!(
        openmetrics.0,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(openmetrics.1.ends_with("# EOF\n"), "{}", openmetrics.1);
    let samples = openmetrics_parse(&openmetrics.1)
        .unwrap_or_else(|error| panic!("{error}\n{}", openmetrics.1));
    for name in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
    ] {
        let exemplar = samples
            .iter()
            .filter(|sample| {
                sample["name"] == name && sample["labels"]["endpoint"] == "/api/todos/{id}"
            })
            .find_map(|sample| sample["exemplar"].as_object())
            .unwrap_or_else(|| panic!("{name} has an exemplar: {}", openmetrics.1));
        assert_eq!(exemplar["labels"]["trace_id"], access["trace_id"], "{name}");
        assert_eq!(
            exemplar["labels"]["span_id"], access["span_id"],
            "{name}: the exemplar is the server span"
        );
    }

    for (content_type, body) in [&classic, &plain] {
        assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
        assert!(!body.contains(" # {") && !body.contains("# EOF"), "{body}");
        assert!(body.contains(
            "http_requests_total{method=\"GET\",endpoint=\"/api/todos/{id}\",status_code=\"200\"} 1"
        ));
    }

    // The standalone listener negotiates the same way.
    let listener = telemetry.metrics_address().unwrap();
    let (content_type, body) = scrape(listener, Some(PROMETHEUS_ACCEPT));
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(
        body.ends_with("# EOF\n") && body.contains(" # {trace_id=\""),
        "{body}"
    );
    let (content_type, body) = scrape(listener, None);
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert!(!body.contains(" # {"), "{body}");
}
