//! The standalone `/metrics` listener, for applications that serve no HTTP of their own: hyper's
//! HTTP/1 server on a thread of its own with a small Tokio runtime, so slow or many scrapers are
//! served side by side and none of them can hold the others up.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};

use super::PrometheusHandle;
use crate::background::Background;

/// How long a client may take to send its request head; then its connection is closed.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The most a request head may take in memory.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Serves `GET /metrics` on `address` (port 0 picks a free one) from a thread of its own.
pub(crate) fn listen(
    address: SocketAddr,
    handle: PrometheusHandle,
) -> std::io::Result<(SocketAddr, Background)> {
    let listener = std::net::TcpListener::bind(address)?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    // Dropping the Background connects to `bound`, so the accept loop sees the stop flag.
    let background = Background::spawn("tripod-metrics-listener", Some(bound), move |stop| {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            loop {
                let accepted = listener.accept().await;
                if stop.load(Ordering::Acquire) {
                    return;
                }
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(serve_connection(stream, handle.clone()));
                }
            }
        });
    })?;
    Ok((bound, background))
}

async fn serve_connection(stream: tokio::net::TcpStream, handle: PrometheusHandle) {
    let service = hyper::service::service_fn(move |request| answer(request, handle.clone()));
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// The exposition for `GET /metrics` (and `HEAD`), 405 for other methods there, 404 elsewhere.
async fn answer(
    request: Request<Incoming>,
    handle: PrometheusHandle,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let plain = |status: StatusCode, body: &'static str| {
        let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
        *response.status_mut() = status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, "text/plain".parse().expect("valid"));
        response
    };
    if request.uri().path() != "/metrics" {
        return Ok(plain(StatusCode::NOT_FOUND, "metrics are at /metrics\n"));
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET is allowed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, "GET, HEAD".parse().expect("valid"));
        return Ok(response);
    }
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .map(str::to_owned);
    // Rendering takes milliseconds with many series: off the thread that serves connections.
    let (content_type, body) =
        tokio::task::spawn_blocking(move || handle.render_for(accept.as_deref()))
            .await
            .unwrap_or(("text/plain", Vec::new()));
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
        .headers_mut()
        .insert(header::VARY, "Accept".parse().expect("valid"));
    Ok(response)
}
