//! axum integration: `/metrics` as a route, and the HTTP middleware.

mod handles;
mod request;
mod server;

pub use server::{CANCELLED_STATUS, observe_http};

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
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
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
