//! axum integration: `/metrics` as a route, and the HTTP middleware.

mod handles;

/// A router serving the Prometheus exposition at `GET /metrics`: merge it into your app, or
/// serve it on a port of its own.
///
/// ```no_run
/// let telemetry = tripod::init().install()?;
/// let handle = telemetry.prometheus_handle().expect("Prometheus is on").clone();
/// let app: axum::Router = axum::Router::new().merge(tripod::axum::metrics_router(handle));
/// # Ok::<(), tripod::InitError>(())
/// ```
#[cfg(feature = "prometheus")]
pub fn metrics_router<S: Clone + Send + Sync + 'static>(
    handle: metrics_exporter_prometheus::PrometheusHandle,
) -> axum::Router<S> {
    use axum::http::header;
    use axum::response::IntoResponse;

    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
                    .into_response()
            }
        }),
    )
}

/// Observes every request of an axum app: the seed's HTTP metrics, a server span, and W3C trace
/// context in and out. Add it to the router with `Router::layer`, after the routes, so it sees
/// which route matched:
///
/// ```
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/api/todos/{id}", get(|| async { "a todo" }))
///     .layer(axum::middleware::from_fn(tripod::axum::observe_http));
/// ```
///
/// Per request it records `http_requests_total{method, endpoint, status_code}`,
/// `http_request_duration_seconds{method, endpoint}` and `http_requests_in_flight`, where
/// `method` is one of HTTP's nine methods or `_OTHER`, and `endpoint` is the route template
/// (`/api/todos/{id}`) or `unmatched` for requests no route matched, so the number of series
/// stays bounded whatever clients send. The span
/// (`otel.kind = server`, named `GET /api/todos/{id}`) carries `http.request.method`,
/// `http.route`, `url.path` and `http.response.status_code`; an incoming `traceparent` header
/// makes it continue the caller's trace, and the response carries the trace id in `x-trace-id`
/// and the span in `traceparent`.
pub async fn observe_http(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::metric_names::UNMATCHED_ENDPOINT;
    use axum::extract::MatchedPath;
    use tracing::Instrument as _;

    let method = handles::method_label(request.method());
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let endpoint = matched
        .as_ref()
        .map_or(UNMATCHED_ENDPOINT, MatchedPath::as_str);
    let span = tracing::info_span!(
        target: "tripod::http",
        "http.request",
        otel.name = %format_args!("{method} {endpoint}"),
        otel.kind = "server",
        http.request.method = method,
        http.route = endpoint,
        url.path = %request.uri().path(),
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    if let Some(parent) = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<crate::trace::SpanContext>().ok())
    {
        crate::trace::set_remote_parent(&span, parent);
    }

    let in_flight = handles::in_flight();
    in_flight.increment(1.0);
    let started = quanta::Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let seconds = quanta::Instant::now().duration_since(started).as_secs_f64();
    in_flight.decrement(1.0);

    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
    let route = handles::route_handles(method, endpoint, status.as_u16());
    route.requests.increment(1);
    route.duration.record(seconds);

    if let Some(context) = crate::trace::context_of(&span) {
        let headers = response.headers_mut();
        if let Ok(value) = axum::http::HeaderValue::from_str(&context.trace_id.to_string()) {
            headers.insert("x-trace-id", value);
        }
        if let Ok(value) = axum::http::HeaderValue::from_str(&context.to_string()) {
            headers.insert("traceparent", value);
        }
    }
    response
}
