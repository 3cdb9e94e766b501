//! axum integration: `/metrics` as a route, the HTTP middleware, and handler errors as
//! axum users write them (`StatusCode`, `(StatusCode, T)`, axum's rejections) as
//! [`ErrorType`](crate::ErrorType)s labelled by their status code.

mod handler_errors;
mod handles;
mod request;
mod server;

pub use request::CANCELLED_STATUS;
pub use server::{observe, observe_http};

/// The embedded trace and operations viewer's pages: `/debug/traces` (recent traces, newest
/// first, filterable by operation, failure and duration, searchable by trace id),
/// `/debug/traces/{trace_id}` (the waterfall) and `/debug/operations` (rate, error rate, p50 and
/// p99 of each operation and route). Each answers JSON to `Accept: application/json`.
///
/// It shows internal data (span attributes, error messages): mount it on an internal port or
/// behind authentication, never on a public interface.
///
/// ```no_run
/// let telemetry = tripod::init().trace_viewer(true).install()?;
/// let viewer = telemetry.viewer().expect("the viewer was asked for");
/// let app: axum::Router = axum::Router::new().merge(tripod::axum::viewer_router(viewer));
/// # Ok::<(), tripod::InitError>(())
/// ```
#[cfg(feature = "viewer")]
#[cfg_attr(docsrs, doc(cfg(feature = "viewer")))]
pub fn viewer_router<S: Clone + Send + Sync + 'static>(viewer: crate::Viewer) -> axum::Router<S> {
    crate::viewer::router(viewer)
}

/// A router serving the metrics at `GET /metrics`: OpenMetrics text with exemplars to a scraper
/// whose `Accept` asks for `application/openmetrics-text` (Prometheus does), the classic
/// Prometheus text otherwise. Merge it into your app, or serve it on a port of its own.
///
/// ```no_run
/// let telemetry = tripod::init().install()?;
/// let handle = telemetry.prometheus_handle().expect("Prometheus is on").clone();
/// let app: axum::Router = axum::Router::new().merge(tripod::axum::metrics_router(handle));
/// # Ok::<(), tripod::InitError>(())
/// ```
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub fn metrics_router<S: Clone + Send + Sync + 'static>(
    handle: crate::PrometheusHandle,
) -> axum::Router<S> {
    use axum::http::{HeaderMap, header};
    use axum::response::IntoResponse;

    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move |headers: HeaderMap| {
            let handle = handle.clone();
            async move {
                let accept = headers
                    .get(header::ACCEPT)
                    .and_then(|accept| accept.to_str().ok());
                let (content_type, body) = handle.render_for(accept);
                (
                    [
                        (header::CONTENT_TYPE, content_type),
                        (header::VARY, "Accept"),
                    ],
                    body,
                )
                    .into_response()
            }
        }),
    )
}
