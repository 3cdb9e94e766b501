//! axum integration: `/metrics` as a route.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// A router serving the Prometheus exposition at `GET /metrics`: merge it into your app, or
/// serve it on a port of its own.
///
/// ```no_run
/// # #[cfg(feature = "prometheus")] {
/// let telemetry = tripod::init().install()?;
/// let handle = telemetry.prometheus_handle().expect("Prometheus is on").clone();
/// let app: axum::Router = axum::Router::new().merge(tripod::axum::metrics_router(handle));
/// # }
/// # Ok::<(), tripod::InitError>(())
/// ```
#[cfg(feature = "prometheus")]
pub fn metrics_router<S: Clone + Send + Sync + 'static>(
    handle: metrics_exporter_prometheus::PrometheusHandle,
) -> Router<S> {
    Router::new().route(
        "/metrics",
        get(move || {
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
