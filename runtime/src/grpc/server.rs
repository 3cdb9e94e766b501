//! The server layer: a SERVER span per call that continues the caller's trace (and takes its
//! baggage), `rpc_server_call_duration_seconds`, and an access line, each once the call's status
//! is known.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tracing::Level;
use tracing::field::Empty;

use super::body::{Finish, ObservedBody, watched};
use super::path::{self, OTHER};
use crate::metric_names::RPC_SERVER_CALL_DURATION;

/// A tower layer for gRPC servers (tonic's `Server::builder().layer(..)`, or any tower service of
/// `http::Request`s): each call gets a SERVER span named `package.Service/Method`, with
/// OpenTelemetry's RPC attributes (`rpc.system = "grpc"`, `rpc.service`, `rpc.method`,
/// `rpc.grpc.status_code`), continuing the trace of the caller's `traceparent` metadata and
/// carrying its `baggage`; a status that is an error on a server's side (`UNKNOWN`,
/// `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE`, `DATA_LOSS`) sets the span's
/// Error status, with `error.type` the status's name and `grpc-message` its description. Each
/// call is counted once in `rpc_server_call_duration_seconds{rpc_system, rpc_service,
/// rpc_method, rpc_grpc_status_code}` (OpenTelemetry's `rpc.server.call.duration`; calls to a
/// method nobody implements under `_OTHER`) and logged in one line `rpc.server.call` (target
/// `tripod::access`): INFO, ERROR for a server's error, WARN for a call cancelled before its
/// status. A streaming call is timed to its stream's end.
///
/// ```no_run
/// # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
/// # let routes = tonic::service::Routes::default();
/// tonic::transport::Server::builder()
///     .layer(tripod::grpc::ServerLayer::new())
///     .add_routes(routes)
///     .serve("127.0.0.1:50051".parse()?)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerLayer {
    _private: (),
}

impl ServerLayer {
    /// The layer.
    pub fn new() -> ServerLayer {
        ServerLayer::default()
    }
}

impl<S> tower_layer::Layer<S> for ServerLayer {
    type Service = Server<S>;

    fn layer(&self, inner: S) -> Server<S> {
        Server { inner }
    }
}

/// A gRPC server whose calls are observed: see [`ServerLayer`].
#[derive(Clone, Debug)]
pub struct Server<S> {
    inner: S,
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for Server<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
    S::Error: Display,
{
    type Response = Response<ObservedBody<ResBody>>;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (service, method) =
            path::service_and_method(request.uri().path()).unwrap_or((OTHER, OTHER));
        let caller = crate::trace::extract(request.headers());
        let baggage = crate::trace::extract_baggage(request.headers());
        let span = crate::trace::with_remote_parent(caller, || {
            tracing::info_span!(
                target: "tripod::grpc",
                "rpc.server",
                otel.name = %format_args!("{service}/{method}"),
                otel.kind = "server",
                rpc.system = "grpc",
                rpc.service = service,
                rpc.method = method,
                rpc.grpc.status_code = Empty,
                error.type = Empty,
                otel.status_code = Empty,
                otel.status_description = Empty,
                baggage = Empty,
            )
        });
        crate::trace::record_baggage(&span, &baggage);
        let call = ServerCall {
            span: span.clone(),
            started: quanta::Instant::now(),
            service: service.to_owned(),
            method: method.to_owned(),
        };
        let inner = span
            .in_scope(|| crate::trace::with_baggage(baggage.clone(), || self.inner.call(request)));
        ServerFuture {
            inner,
            call: Some(call),
            baggage,
        }
    }
}

/// One call, until its status is known.
struct ServerCall {
    span: tracing::Span,
    started: quanta::Instant,
    service: String,
    method: String,
}

impl Finish for ServerCall {
    fn finish(self: Box<Self>, code: i32, message: Option<String>) {
        let elapsed = quanta::Instant::now().duration_since(self.started);
        let span = &self.span;
        span.record("rpc.grpc.status_code", i64::from(code));
        let error = path::server_error(code);
        if error {
            span.record("error.type", path::status_name(code));
            if let Some(message) = &message {
                span.record("otel.status_description", message.as_str());
            }
            span.record("otel.status_code", "error");
        }
        let (service, method) = if code == path::UNIMPLEMENTED {
            (OTHER.to_owned(), OTHER.to_owned())
        } else {
            (self.service.clone(), self.method.clone())
        };
        let code_label = itoa::Buffer::new().format(code).to_owned();
        // Inside the span, so the sample's exemplar is the call.
        span.in_scope(|| {
            metrics::histogram!(
                RPC_SERVER_CALL_DURATION,
                "rpc_system" => "grpc",
                "rpc_service" => service,
                "rpc_method" => method,
                "rpc_grpc_status_code" => code_label,
            )
            .record(elapsed.as_secs_f64());
        });
        let duration_ms = elapsed.as_nanos() as f64 / 1e6;
        macro_rules! line {
            ($level:expr) => {
                tracing::event!(target: "tripod::access", parent: span, $level, duration_ms, "rpc.server.call")
            };
        }
        match code {
            path::CANCELLED => line!(Level::WARN),
            _ if error => line!(Level::ERROR),
            _ => line!(Level::INFO),
        }
    }
}

pin_project_lite::pin_project! {
    /// A call's response, observed: see [`ServerLayer`].
    pub struct ServerFuture<F> {
        #[pin]
        inner: F,
        call: Option<ServerCall>,
        baggage: crate::trace::Baggage,
    }

    impl<F> PinnedDrop for ServerFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(call) = this.project().call.take() {
                Box::new(call).finish(path::CANCELLED, None);
            }
        }
    }
}

impl<F, ResBody, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    E: Display,
{
    type Output = Result<Response<ObservedBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let span = this.call.as_ref().map(|call| call.span.clone());
        let _entered = span.as_ref().map(tracing::Span::enter);
        let result = std::task::ready!(crate::trace::with_baggage(this.baggage.clone(), || {
            this.inner.poll(cx)
        }));
        let call = this
            .call
            .take()
            .map(|call| Box::new(call) as Box<dyn Finish>);
        Poll::Ready(match result {
            Ok(response) => Ok(watched(response, call)),
            Err(error) => {
                if let Some(call) = call {
                    call.finish(path::UNKNOWN, Some(error.to_string()));
                }
                Err(error)
            }
        })
    }
}
