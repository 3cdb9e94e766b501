//! The server middleware: a server span per request that continues the caller's trace, the
//! seed's HTTP metrics, one access line, and the trace context in the response.

use std::sync::{Arc, OnceLock};

use axum::extract::MatchedPath;
use tracing::Instrument as _;
use tracing::field::Empty;

use super::request::RequestGuard;
use crate::metric_names::UNMATCHED_ENDPOINT;

/// Observes every request `app` answers: [`observe_http`]'s server span, HTTP metrics, access line
/// and trace context, for the routes, the fallback, unknown paths (`endpoint="unmatched"`, a 404
/// whether or not the app set a fallback) and wrong methods (405) alike. Call it on the finished
/// router (after `with_state`, after the routes, the fallback and your own layers):
///
/// ```
/// use axum::{Router, routing::get};
///
/// let app: Router = tripod::axum::observe(
///     Router::new().route("/api/todos/{id}", get(|| async { "a todo" })),
/// );
/// ```
///
/// The span opens before routing, named by the method alone (`GET`, as OpenTelemetry's HTTP
/// conventions name a span without a route); once a route matched, its name becomes
/// `GET /api/todos/{id}` and `http.route` its template. [`observe_http`], placed with
/// `Router::layer`, sees only the routes (and a fallback) it wraps.
pub fn observe(app: axum::Router) -> axum::Router {
    // Inside: a matched route notes its template for the span and metrics outside. Outside:
    // every request, since the whole app is the outer router's fallback.
    let app = app.route_layer(axum::middleware::from_fn(note_route));
    axum::Router::new()
        .fallback_service(app)
        .layer(axum::middleware::from_fn(observe_every_request))
}

/// Where the inner router tells the outer middleware which route matched, and the server span
/// to name after it.
#[derive(Clone)]
struct RouteSlot {
    route: Arc<OnceLock<MatchedPath>>,
    span: tracing::Span,
    method: &'static str,
}

/// Notes the matched route's template in the request's [`RouteSlot`] and names the server span
/// after it, before the handler runs (so the handler's lines carry `http.route`).
async fn note_route(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let (Some(slot), Some(route)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) && slot.route.set(route.clone()).is_ok()
    {
        slot.span.record(
            "otel.name",
            tracing::field::display(SpanName {
                method: slot.method,
                route: Some(route.as_str()),
            }),
        );
        slot.span.record("http.route", route.as_str());
    }
    next.run(request).await
}

/// The middleware [`observe`] puts around the whole app.
async fn observe_every_request(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = crate::http_method::method_label(request.method());
    let (span, baggage) = server_span(&request, method, None);
    let route = Arc::new(OnceLock::new());
    request.extensions_mut().insert(RouteSlot {
        route: route.clone(),
        span: span.clone(),
        method,
    });
    let guard = RequestGuard::start(span.clone(), method, None).routed_by(route);
    let response = baggage
        .scope(next.run(request).instrument(span.clone()))
        .await;
    respond(&span, guard, response)
}

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
/// starts a new trace. An incoming W3C `baggage` travels with the request: the handler's
/// outgoing requests through [`inject`](crate::trace::inject) or the client layer send it on,
/// and the entries `TRIPOD_BAGGAGE_FIELDS` names are recorded on the span, and so on every line
/// of the request (nothing else from baggage is ever recorded). 5xx answers, cancelled and panicked requests end the span with an Error
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
    let (span, baggage) = server_span(&request, method, Some(endpoint));
    let guard = RequestGuard::start(span.clone(), method, route);
    let response = baggage
        .scope(next.run(request).instrument(span.clone()))
        .await;
    respond(&span, guard, response)
}

/// A request's server span, continuing the caller's trace: named `GET /route` (with
/// `http.route`) when the route is known, `GET` until then (the route is recorded once one
/// matched); and the request's baggage, whose entries `TRIPOD_BAGGAGE_FIELDS` names the span
/// records.
fn server_span(
    request: &axum::extract::Request,
    method: &'static str,
    route: Option<&str>,
) -> (tracing::Span, crate::trace::Baggage) {
    let caller = crate::trace::extract(request.headers());
    let baggage = crate::trace::extract_baggage(request.headers());
    let span = crate::trace::with_remote_parent(caller, || {
        tracing::info_span!(
            target: "tripod::http",
            "http.request",
            otel.name = %SpanName { method, route },
            otel.kind = "server",
            http.request.method = method,
            http.route = route,
            url.path = %request.uri().path(),
            http.response.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
            baggage = Empty,
        )
    });
    crate::trace::record_baggage(&span, &baggage);
    (span, baggage)
}

/// A server span's name: `GET /api/todos/{id}`, or the method alone without a route.
struct SpanName<'a> {
    method: &'static str,
    route: Option<&'a str>,
}

impl std::fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.route {
            Some(route) => write!(f, "{} {route}", self.method),
            None => f.write_str(self.method),
        }
    }
}

/// Records the request's end and puts its trace context in the response.
fn respond(
    span: &tracing::Span,
    guard: RequestGuard,
    mut response: axum::response::Response,
) -> axum::response::Response {
    guard.responded(response.status().as_u16());
    if let Some(context) = crate::trace::context_of(span) {
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
