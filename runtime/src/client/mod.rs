//! Outgoing HTTP requests: a CLIENT span per request, and the trace context sent along, so the
//! next service continues the trace.

mod url;

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tracing::field::Empty;

/// A tower layer for HTTP clients (hyper-util's `Client`, or any `tower::Service` taking
/// `http::Request`s): each request gets a CLIENT span, child of the current span, and carries
/// that span's context in `traceparent` (and the trace's `tracestate`), so the service it calls
/// continues the same trace.
///
/// The span, named after the method (`POST`) as OpenTelemetry's HTTP conventions name client
/// spans, records `http.request.method`, `server.address`, `server.port`, `url.full` (without
/// user name, password or signed-URL secrets), `http.response.status_code`, and on failure
/// `error.type` (the status code for a 4xx or 5xx answer, the error's type for a request that got
/// none) with an Error status.
///
/// ```
/// use tower::{Layer, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // Any client service; hyper-util's `Client::builder(TokioExecutor::new()).build_http()` is one.
/// let client = service_fn(|request: http::Request<String>| async move {
///     // The layer added the trace context (when a tripod-observed span is current).
///     let _traceparent = request.headers().get("traceparent");
///     Ok::<_, std::convert::Infallible>(http::Response::new(String::from("{}")))
/// });
/// let client = tripod::client::ObserveLayer::new().layer(client);
/// let response = client
///     .oneshot(http::Request::post("http://127.0.0.1:9000/api/predict").body(String::new()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), 200);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ObserveLayer {
    _private: (),
}

impl ObserveLayer {
    /// The layer.
    pub fn new() -> ObserveLayer {
        ObserveLayer::default()
    }
}

impl<S> tower_layer::Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner }
    }
}

/// A client service whose requests are observed: see [`ObserveLayer`].
#[derive(Clone, Debug)]
pub struct Observe<S> {
    inner: S,
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for Observe<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
    S::Error: Display,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let span = client_span(&request);
        crate::trace::inject_span(&span, request.headers_mut());
        let inner = span.in_scope(|| self.inner.call(request));
        ResponseFuture { inner, span }
    }
}

fn client_span<B>(request: &Request<B>) -> tracing::Span {
    let method = crate::http_method::method_label(request.method());
    let host_header = request
        .headers()
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok());
    let (address, port) = url::server(request.uri(), host_header);
    tracing::info_span!(
        target: "tripod::http",
        "http.client.request",
        otel.name = method,
        otel.kind = "client",
        http.request.method = method,
        server.address = %address,
        server.port = port,
        url.full = %url::full(request.uri()),
        http.response.status_code = Empty,
        error.type = Empty,
        otel.status_code = Empty,
        otel.status_description = Empty,
    )
}

pin_project_lite::pin_project! {
    /// The response of an [`Observe`]d client, recorded on its span when it arrives.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: tracing::Span,
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    E: Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = std::task::ready!(this.inner.poll(cx));
        match &result {
            Ok(response) => {
                let status = response.status();
                this.span
                    .record("http.response.status_code", status.as_u16());
                if status.is_client_error() || status.is_server_error() {
                    this.span.record("error.type", status.as_str());
                    this.span.record("otel.status_code", "error");
                }
            }
            Err(error) => {
                this.span.record("error.type", short_type_name::<E>());
                this.span
                    .record("otel.status_description", error.to_string().as_str());
                this.span.record("otel.status_code", "error");
            }
        }
        Poll::Ready(result)
    }
}

/// The error's type path without generic arguments (`hyper_util::client::legacy::Error`): low
/// cardinality, as `error.type` must be.
fn short_type_name<E>() -> &'static str {
    let name = std::any::type_name::<E>();
    name.split('<').next().unwrap_or(name)
}
