//! The server middleware: a server span per request that continues the caller's trace, the
//! seed's HTTP metrics, one access line, and the trace context in the response.

use axum::extract::MatchedPath;
use tracing::Instrument as _;
use tracing::field::Empty;

use super::request::RequestGuard;
use crate::metric_names::UNMATCHED_ENDPOINT;

/// Observes every request of an axum app: the seed's HTTP metrics, a server span, one access
/// line, and W3C trace context in and out. Add it to the router with `Router::layer`, after the
/// routes (and the fallback), so it sees which route matched and observes unknown paths too:
///
/// ```
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/api/todos/{id}", get(|| async { "a todo" }))
///     .layer(axum::middleware::from_fn(tripod::axum::observe_http));
/// ```
///
/// **Metrics.** Per request, `http_requests_total{method, endpoint, status_code}`,
/// `http_request_duration_seconds{method, endpoint}` and `http_requests_in_flight`, where
/// `method` is one of HTTP's nine methods or `_OTHER`, and `endpoint` is the route template
/// (`/api/todos/{id}`) or `unmatched` for requests no route matched, so the number of series
/// stays bounded whatever clients send. Every request is counted exactly once and the in-flight
/// gauge is held by a guard: a request whose future is dropped before it answers (the client
/// disconnected, an outer timeout fired) is counted with `status_code="499"`
/// ([`CANCELLED_STATUS`](crate::axum::CANCELLED_STATUS)); one whose handler panicked (behind tower-http's `CatchPanicLayer`,
/// which answers 500) with `"500"`.
///
/// **Trace.** The span (`otel.kind = server`, named `GET /api/todos/{id}`) carries
/// `http.request.method`, `http.route`, `url.path` and `http.response.status_code`. A valid
/// incoming `traceparent` makes it continue the caller's trace: its trace id and parent are the
/// caller's, `tracestate` is carried along, and the configured sampler decides with the caller's
/// sampled flag (see [`with_remote_parent`](crate::trace::with_remote_parent)); a malformed one
/// starts a new trace. 5xx answers, cancelled and panicked requests end the span with an Error
/// status and `error.type` (the status code, `cancelled` or `panic`); 4xx leave it unset, as
/// OpenTelemetry's HTTP server conventions say. The response carries the trace id in
/// `x-trace-id` and the server span in `traceparent`.
///
/// **Access line.** At the end of each request, one event `http.server.request` (target
/// `tripod::access`) inside the server span, so it carries the span's fields (method, route,
/// path, status), `duration_ms`, and the `trace_id` a response's `x-trace-id` shows: INFO below
/// 500, ERROR for 5xx, WARN for a cancelled request. `tripod::init().access_log(false)` (or
/// `RUST_LOG=...,tripod::access=off`) turns it off.
pub async fn observe_http(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = crate::http_method::method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().cloned();
    let endpoint = route
        .as_ref()
        .map_or(UNMATCHED_ENDPOINT, MatchedPath::as_str);
    let caller = crate::trace::extract(request.headers());
    let span = crate::trace::with_remote_parent(caller, || {
        tracing::info_span!(
            target: "tripod::http",
            "http.request",
            otel.name = %format_args!("{method} {endpoint}"),
            otel.kind = "server",
            http.request.method = method,
            http.route = endpoint,
            url.path = %request.uri().path(),
            http.response.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
        )
    });
    let guard = RequestGuard::start(span.clone(), method, route);

    let mut response = next.run(request).instrument(span.clone()).await;
    guard.responded(response.status().as_u16());

    if let Some(context) = crate::trace::context_of(&span) {
        let headers = response.headers_mut();
        let mut trace_id = Vec::with_capacity(32);
        context.trace_id.write_hex(&mut trace_id);
        if let Ok(value) = axum::http::HeaderValue::from_bytes(&trace_id) {
            headers.insert("x-trace-id", value);
        }
        crate::trace::inject_context(&context, headers);
    }
    response
}
