//! The client layer: a CLIENT span per call, its context (and the current baggage) sent in the
//! call's metadata, its status recorded when it is known.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tracing::field::Empty;

use super::body::{Finish, ObservedBody, watched};
use super::path::{self, OTHER};

/// A tower layer for gRPC clients (a tonic `Channel`, wrapped before the generated client takes
/// it): each call gets a CLIENT span named `package.Service/Method` with `rpc.system`,
/// `rpc.service`, `rpc.method` and `rpc.grpc.status_code`, child of the current span, whose
/// context goes out in `traceparent` (with `tracestate` and the current `baggage`), so the
/// server continues the trace. Any status but `OK` sets the span's Error status, with
/// `error.type` the status's name.
///
/// ```no_run
/// # async fn call() -> Result<(), Box<dyn std::error::Error>> {
/// let channel = tonic::transport::Channel::from_static("http://127.0.0.1:50051").connect().await?;
/// let observed = tower::ServiceBuilder::new()
///     .layer(tripod::grpc::ClientLayer::new())
///     .service(channel);
/// // Hand `observed` to the generated client: `TodosClient::new(observed)`.
/// # drop(observed);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientLayer {
    _private: (),
}

impl ClientLayer {
    /// The layer.
    pub fn new() -> ClientLayer {
        ClientLayer::default()
    }
}

impl<S> tower_layer::Layer<S> for ClientLayer {
    type Service = Client<S>;

    fn layer(&self, inner: S) -> Client<S> {
        Client { inner }
    }
}

/// A gRPC client whose calls are observed: see [`ClientLayer`].
#[derive(Clone, Debug)]
pub struct Client<S> {
    inner: S,
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for Client<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
{
    type Response = Response<ObservedBody<ResBody>>;
    type Error = S::Error;
    type Future = ClientFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let (service, method) =
            path::service_and_method(request.uri().path()).unwrap_or((OTHER, OTHER));
        let span = tracing::info_span!(
            target: "tripod::grpc",
            "rpc.client",
            otel.name = %format_args!("{service}/{method}"),
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.service = service,
            rpc.method = method,
            rpc.grpc.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
        );
        crate::trace::inject_span(&span, request.headers_mut());
        let inner = span.in_scope(|| self.inner.call(request));
        ClientFuture {
            inner,
            call: Some(ClientCall { span }),
        }
    }
}

/// One call, until its status is known.
struct ClientCall {
    span: tracing::Span,
}

impl Finish for ClientCall {
    fn finish(self: Box<Self>, code: i32, message: Option<String>) {
        let span = &self.span;
        span.record("rpc.grpc.status_code", i64::from(code));
        if code != 0 {
            span.record("error.type", path::status_name(code));
            if let Some(message) = &message {
                span.record("otel.status_description", message.as_str());
            }
            span.record("otel.status_code", "error");
        }
    }
}

pin_project_lite::pin_project! {
    /// A call's response, observed: see [`ClientLayer`].
    pub struct ClientFuture<F> {
        #[pin]
        inner: F,
        call: Option<ClientCall>,
    }

    impl<F> PinnedDrop for ClientFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(call) = this.project().call.take() {
                Box::new(call).finish(path::CANCELLED, None);
            }
        }
    }
}

impl<F, ResBody, E> Future for ClientFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ObservedBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let span = this.call.as_ref().map(|call| call.span.clone());
        let _entered = span.as_ref().map(tracing::Span::enter);
        let result = std::task::ready!(this.inner.poll(cx));
        let call = this
            .call
            .take()
            .map(|call| Box::new(call) as Box<dyn Finish>);
        Poll::Ready(match result {
            Ok(response) => Ok(watched(response, call)),
            Err(error) => {
                if let Some(call) = call {
                    call.finish(
                        path::UNAVAILABLE,
                        Some("the call failed before a status".to_owned()),
                    );
                }
                Err(error)
            }
        })
    }
}
