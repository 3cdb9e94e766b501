//! Outgoing requests through `tripod::client::ObserveLayer` (here over hyper-util's client, to a
//! real server) get a CLIENT span with OpenTelemetry's HTTP client attributes, carry its context
//! so the server continues the trace under it, and record failures; `tripod::trace::inject`
//! writes the current context for any other client.

use crate::support;

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use support::backends::MemoryLog;
use tower::{Layer as _, ServiceExt as _};
use tripod::client::ObserveLayer;
use tripod_tests::otlp_receiver::{OtlpReceiver, ReceivedSpan, named};

/// Echoes the trace context it received.
async fn echo(headers: HeaderMap) -> (StatusCode, String) {
    let status = if headers.contains_key("x-fail") {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let traceparent = headers
        .get("traceparent")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, traceparent)
}

#[tripod::observe(name = "app.call_downstream")]
async fn call_downstream(url: String, fail: bool) -> Result<String, StatusCode> {
    let client = ObserveLayer::new().layer(Client::builder(TokioExecutor::new()).build_http());
    let mut request = http::Request::get(url);
    if fail {
        request = request.header("x-fail", "1");
    }
    let response = client
        .oneshot(request.body(Full::new(Bytes::new())).unwrap())
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    let status = response.status();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    if !status.is_success() {
        return Err(status);
    }
    Ok(String::from_utf8(body.to_vec()).unwrap())
}

/// Telemetry (not installed) exporting to `receiver`.
fn exporting_to(receiver: &OtlpReceiver) -> tripod::Telemetry {
    tripod::init()
        .environment(|_| None)
        .log_writer(MemoryLog::default())
        .prometheus(false)
        .otlp_endpoint(receiver.endpoint())
        .build()
        .expect("builds")
}

/// Runs `scenario` against a real server on 127.0.0.1 (its address given) with tripod's
/// subscriber on this thread; every span exported.
fn run<F: std::future::Future<Output = ()>>(
    scenario: impl FnOnce(std::net::SocketAddr) -> F,
) -> Vec<ReceivedSpan> {
    let receiver = OtlpReceiver::start();
    let telemetry = exporting_to(&receiver);
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let address = listener.local_addr().unwrap();
                let app = Router::new()
                    .route("/echo", get(echo))
                    .layer(axum::middleware::from_fn(tripod::axum::observe_http));
                tokio::spawn(async move { axum::serve(listener, app).await });
                scenario(address).await;
            });
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    support::backends::eventually(Duration::from_secs(5), || {
        let spans = receiver.spans();
        (spans.len() >= 3).then_some(spans)
    })
    .unwrap_or_else(|| receiver.spans())
}

#[test]
fn a_request_gets_a_client_span_and_the_server_continues_under_it() {
    let mut echoed = String::new();
    let spans = run(|address| {
        let echoed = &mut echoed;
        async move {
            *echoed = call_downstream(
                format!("http://user:pw@{address}/echo?sig=secret&page=2"),
                false,
            )
            .await
            .unwrap();
        }
    });
    let caller = named(&spans, "app.call_downstream");
    let client = named(&spans, "GET");
    let server = named(&spans, "GET /echo");

    assert_eq!(client.kind, "client");
    assert_eq!(client.parent_span_id, caller.span_id);
    assert_eq!(
        server.parent_span_id, client.span_id,
        "the server is the client span's child"
    );
    assert_eq!(server.trace_id, caller.trace_id);
    assert_eq!(
        echoed,
        format!("00-{}-{}-01", client.trace_id, client.span_id),
        "the request carried the client span's context"
    );

    assert_eq!(client.attribute("http.request.method"), "GET");
    assert_eq!(client.attribute("server.address"), "127.0.0.1");
    let port = echoed_port(&spans);
    assert_eq!(client.attribute("server.port"), port);
    assert_eq!(
        client.attribute("url.full"),
        format!("http://127.0.0.1:{port}/echo?sig=REDACTED&page=2").as_str(),
        "no credentials, no signature"
    );
    assert_eq!(client.attribute("http.response.status_code"), 200);
    assert_eq!(client.status_code, 0, "unset on success");
    assert_eq!(client.attribute("error.type"), serde_json::Value::Null);
}

fn echoed_port(spans: &[ReceivedSpan]) -> i64 {
    named(spans, "GET")
        .attribute("url.full")
        .as_str()
        .and_then(|url| url.split(':').nth(2)?.split('/').next()?.parse().ok())
        .expect("url.full has the port")
}

#[test]
fn an_error_answer_or_no_answer_marks_the_client_span_failed() {
    let spans = run(|address| async move {
        assert_eq!(
            call_downstream(format!("http://{address}/echo"), true).await,
            Err(StatusCode::SERVICE_UNAVAILABLE)
        );
        // Nothing listens on port 9 (discard) here: the connection is refused.
        assert_eq!(
            call_downstream("http://127.0.0.1:9/echo".into(), false).await,
            Err(StatusCode::BAD_GATEWAY)
        );
    });
    let clients: Vec<_> = spans.iter().filter(|span| span.kind == "client").collect();
    assert_eq!(clients.len(), 2, "{spans:#?}");
    let answered = clients
        .iter()
        .find(|span| span.attribute("server.port") != 9)
        .unwrap();
    assert_eq!(answered.attribute("http.response.status_code"), 503);
    assert_eq!(answered.attribute("error.type"), "503");
    assert_eq!(answered.status_code, 2);
    let refused = clients
        .iter()
        .find(|span| span.attribute("server.port") == 9)
        .unwrap();
    assert_eq!(refused.status_code, 2);
    assert_eq!(
        refused.attribute("error.type"),
        "hyper_util::client::legacy::client::Error"
    );
    assert_eq!(
        refused.attribute("http.response.status_code"),
        serde_json::Value::Null
    );
}

#[test]
fn inject_writes_the_current_span_for_any_client() {
    let receiver = OtlpReceiver::start();
    let telemetry = exporting_to(&receiver);
    let (headers, context) = tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let caller: tripod::trace::SpanContext =
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                .parse()
                .unwrap();
        let caller = caller.with_trace_state("congo=t61rcWkgMzE".parse().unwrap());
        let span =
            tripod::trace::with_remote_parent(Some(caller), || tracing::info_span!("job.run"));
        let _entered = span.enter();
        let mut headers = HeaderMap::new();
        assert!(tripod::trace::inject(&mut headers));
        (headers, tripod::trace::current().unwrap())
    });
    assert_eq!(headers["traceparent"], context.to_string());
    assert!(
        headers["traceparent"]
            .to_str()
            .unwrap()
            .starts_with("00-0af7651916cd43dd8448eb211c80319c-")
    );
    assert_eq!(headers["tracestate"], "congo=t61rcWkgMzE");
}
