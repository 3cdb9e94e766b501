//! Sending a request body to the collector over hyper's client: OTLP/HTTP (a protobuf `POST` to
//! `/v1/traces`) or OTLP/gRPC (`TraceService/Export` over HTTP/2 without TLS, a length-prefixed
//! message, the outcome in the `grpc-status` trailer).

use std::time::Duration;

use http::{Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::Protocol;

/// The gRPC method OTLP traces are exported with.
const GRPC_EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
/// The most of a collector's answer that is read (its partial-success details, an error text).
const MAX_ANSWER: usize = 64 * 1024;

/// Why an export did not reach the collector or was refused by it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    /// No connection, or it broke (refused, reset, an unreachable host).
    #[error("{0}")]
    Connection(String),
    /// The collector answered an HTTP error status.
    #[error("HTTP status {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        /// The status code.
        status: u16,
        /// The start of its answer.
        body: String,
    },
    /// The collector answered a gRPC error status.
    #[error("gRPC status {code}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Grpc {
        /// The `grpc-status` code.
        code: u32,
        /// The `grpc-message`.
        message: String,
    },
    /// No answer within the export timeout.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
}

/// How requests reach the collector.
pub(crate) struct Transport {
    uri: Uri,
    protocol: Protocol,
    timeout: Duration,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Transport {
    /// A transport to `endpoint` (for HTTP the full `/v1/traces` URL, for gRPC the collector's
    /// base URL). It needs a Tokio runtime when it sends, not when it is made.
    pub(crate) fn new(
        endpoint: &str,
        protocol: Protocol,
        timeout: Duration,
    ) -> Result<Transport, String> {
        let target = match protocol {
            Protocol::HttpProtobuf => endpoint.to_owned(),
            Protocol::Grpc => format!("{}{GRPC_EXPORT_PATH}", endpoint.trim_end_matches('/')),
        };
        let uri: Uri = target
            .parse()
            .map_err(|error| format!("{endpoint:?} is no URL: {error}"))?;
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .http2_only(protocol == Protocol::Grpc)
            .build(connector);
        Ok(Transport {
            uri,
            protocol,
            timeout,
            client,
        })
    }

    /// Sends one encoded `ExportTraceServiceRequest`.
    pub(crate) async fn send(&self, body: Vec<u8>) -> Result<(), ExportError> {
        match tokio::time::timeout(self.timeout, self.exchange(body)).await {
            Ok(result) => result,
            Err(_) => Err(ExportError::Timeout(self.timeout)),
        }
    }

    async fn exchange(&self, body: Vec<u8>) -> Result<(), ExportError> {
        let request = match self.protocol {
            Protocol::HttpProtobuf => Request::post(self.uri.clone())
                .header(header::CONTENT_TYPE, "application/x-protobuf")
                .body(Full::new(Bytes::from(body))),
            Protocol::Grpc => {
                // Not compressed, then the message's length, big-endian.
                let mut framed = Vec::with_capacity(body.len() + 5);
                framed.push(0);
                framed.extend_from_slice(&(body.len() as u32).to_be_bytes());
                framed.extend_from_slice(&body);
                Request::post(self.uri.clone())
                    .header(header::CONTENT_TYPE, "application/grpc")
                    .header(header::TE, "trailers")
                    .body(Full::new(Bytes::from(framed)))
            }
        }
        .map_err(|error| ExportError::Connection(error.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|error| ExportError::Connection(chain(&error)))?;
        let (parts, body) = response.into_parts();
        let collected = Limited::new(body, MAX_ANSWER).collect().await;
        if parts.status != StatusCode::OK && !parts.status.is_success() {
            let body = collected
                .map(|answer| String::from_utf8_lossy(&answer.to_bytes()).into_owned())
                .unwrap_or_default();
            return Err(ExportError::Status {
                status: parts.status.as_u16(),
                body: body.chars().take(200).collect(),
            });
        }
        if self.protocol == Protocol::HttpProtobuf {
            return Ok(());
        }
        // gRPC: the status is a trailer, or a header in a trailers-only answer.
        let trailers = collected
            .as_ref()
            .ok()
            .and_then(|answer| answer.trailers().cloned());
        let status = |name: &str| {
            trailers
                .as_ref()
                .and_then(|trailers| trailers.get(name))
                .or_else(|| parts.headers.get(name))
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let code = status("grpc-status").and_then(|code| code.parse::<u32>().ok());
        match code {
            Some(0) => Ok(()),
            Some(code) => Err(ExportError::Grpc {
                code,
                message: status("grpc-message").unwrap_or_default(),
            }),
            None => Err(ExportError::Grpc {
                code: 2,
                message: "the answer had no grpc-status".into(),
            }),
        }
    }
}

/// An error and its sources, joined by `": "` (hyper's own message is only the outermost).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
