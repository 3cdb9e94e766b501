//! Sending a request body to the endpoint over hyper's client, with or without TLS (rustls):
//! OTLP/HTTP (a protobuf `POST` to the signal's URL, `/v1/traces` and so on) or OTLP/gRPC (the
//! signal's `Export` method over HTTP/2, a length-prefixed message, the outcome in the
//! `grpc-status` trailer), with the configured headers and, when asked, gzip. One code path for
//! the three signals: only the URL and the gRPC method differ. A request body is compressed and
//! framed once, then sent as often as the export loop retries it.

use std::io::Write as _;
use std::time::{Duration, SystemTime};

use http::{Request, Uri, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::OtlpProtocol;
use super::config::{Compression, ExportConfig, Headers};
use super::retry::{self, Retry};
use super::signal::Signal;

/// The most of an endpoint's answer that is read (its partial-success details, an error text).
const MAX_ANSWER: usize = 64 * 1024;

/// Why an export did not reach the endpoint or was refused by it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    /// No connection, or it broke (refused, reset, an unreachable host).
    #[error("{0}")]
    Connection(String),
    /// The TLS handshake failed (an unknown CA, a wrong host name, a refused client certificate).
    #[error("TLS: {0}")]
    Tls(String),
    /// The endpoint answered an HTTP error status.
    #[error("HTTP status {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        /// The status code.
        status: u16,
        /// The start of its answer.
        body: String,
        /// The delay its `Retry-After` asked for.
        retry_after: Option<Duration>,
    },
    /// The endpoint answered a gRPC error status.
    #[error("gRPC status {code}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Grpc {
        /// The `grpc-status` code.
        code: u32,
        /// The `grpc-message`.
        message: String,
        /// The delay its `RetryInfo` asked for.
        retry_delay: Option<Duration>,
    },
    /// No answer within the export timeout.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
}

impl ExportError {
    /// The `reason` label of `tripod_spans_export_failed_total`: one of a few fixed values.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            ExportError::Connection(_) => "connection",
            ExportError::Tls(_) => "tls",
            ExportError::Status { .. } => "http_status",
            ExportError::Grpc { .. } => "grpc_status",
            ExportError::Timeout(_) => "timeout",
        }
    }

    /// Whether the same request is worth sending again, and when: OTLP's rules
    /// ([`retry`](super::retry)). An endpoint that cannot be reached or does not answer may be
    /// restarting; a TLS failure is the configuration's, and stays.
    pub(crate) fn retry(&self) -> Retry {
        match self {
            ExportError::Connection(_) | ExportError::Timeout(_) => Retry::After(None),
            ExportError::Tls(_) => Retry::Never,
            ExportError::Status {
                status,
                retry_after,
                ..
            } if retry::http_status_is_retryable(*status) => Retry::After(*retry_after),
            ExportError::Grpc {
                code, retry_delay, ..
            } if retry::grpc_code_is_retryable(*code, retry_delay.is_some()) => {
                Retry::After(*retry_delay)
            }
            ExportError::Status { .. } | ExportError::Grpc { .. } => Retry::Never,
        }
    }
}

/// How requests reach the endpoint.
pub(crate) struct Transport {
    uri: Uri,
    protocol: OtlpProtocol,
    timeout: Duration,
    headers: Headers,
    compression: Compression,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Transport {
    /// A transport of `signal` to `endpoint` (for HTTP the full URL, `…/v1/traces`; for gRPC the
    /// endpoint's base URL; `http://` or `https://`). It needs a Tokio runtime when it sends,
    /// not when it is made. The error says what in the configuration is unusable (a TLS file).
    pub(crate) fn new(
        endpoint: &str,
        protocol: OtlpProtocol,
        signal: Signal,
        timeout: Duration,
        config: &ExportConfig,
    ) -> Result<Transport, String> {
        let target = match protocol {
            OtlpProtocol::HttpProtobuf => endpoint.to_owned(),
            OtlpProtocol::Grpc => {
                format!("{}{}", endpoint.trim_end_matches('/'), signal.grpc_path())
            }
        };
        let uri: Uri = target
            .parse()
            .map_err(|error| format!("{endpoint:?} is no URL: {error}"))?;
        let tls = super::tls::client_config(&config.tls)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        // gRPC is HTTP/2 (negotiated by ALPN over TLS); OTLP/HTTP stays on HTTP/1.1.
        let connector = match protocol {
            OtlpProtocol::Grpc => connector
                .enable_http2()
                .wrap_connector(connector_http(timeout)),
            OtlpProtocol::HttpProtobuf => connector
                .enable_http1()
                .wrap_connector(connector_http(timeout)),
        };
        let client = Client::builder(TokioExecutor::new())
            .http2_only(protocol == OtlpProtocol::Grpc)
            .build(connector);
        Ok(Transport {
            uri,
            protocol,
            timeout,
            headers: config.headers.clone(),
            compression: config.compression,
            client,
        })
    }

    /// An encoded export request as it goes on the wire: gzipped when configured, framed for
    /// gRPC. Made once per batch; every attempt sends it (a clone of `Bytes` shares it).
    pub(crate) fn prepare(&self, body: Vec<u8>) -> Bytes {
        let gzip = self.compression == Compression::Gzip;
        let body = if gzip { gzipped(&body) } else { body };
        match self.protocol {
            OtlpProtocol::HttpProtobuf => Bytes::from(body),
            OtlpProtocol::Grpc => {
                // The compressed flag, then the message's length, big-endian.
                let mut framed = Vec::with_capacity(body.len() + 5);
                framed.push(u8::from(gzip));
                framed.extend_from_slice(&(body.len() as u32).to_be_bytes());
                framed.extend_from_slice(&body);
                Bytes::from(framed)
            }
        }
    }

    /// Sends one prepared export request; the endpoint's answer (the encoded export response,
    /// which may report a partial success).
    pub(crate) async fn send(&self, body: Bytes) -> Result<Vec<u8>, ExportError> {
        match tokio::time::timeout(self.timeout, self.exchange(body)).await {
            Ok(result) => result,
            Err(_) => Err(ExportError::Timeout(self.timeout)),
        }
    }

    async fn exchange(&self, body: Bytes) -> Result<Vec<u8>, ExportError> {
        let gzip = self.compression == Compression::Gzip;
        let mut request = match self.protocol {
            OtlpProtocol::HttpProtobuf => {
                let mut request = Request::post(self.uri.clone())
                    .header(header::CONTENT_TYPE, "application/x-protobuf");
                if gzip {
                    request = request.header(header::CONTENT_ENCODING, "gzip");
                }
                request.body(Full::new(body))
            }
            OtlpProtocol::Grpc => {
                let mut request = Request::post(self.uri.clone())
                    .header(header::CONTENT_TYPE, "application/grpc")
                    .header(header::TE, "trailers");
                if gzip {
                    request = request.header("grpc-encoding", "gzip");
                }
                request.body(Full::new(body))
            }
        }
        .map_err(|error| ExportError::Connection(error.to_string()))?;
        for (name, value) in &self.headers.0 {
            request.headers_mut().insert(name, value.clone());
        }
        let response = self
            .client
            .request(request)
            .await
            .map_err(|error| classify(&error))?;
        let (parts, body) = response.into_parts();
        let (trailers, answer) = match Limited::new(body, MAX_ANSWER).collect().await {
            Ok(collected) => (collected.trailers().cloned(), collected.to_bytes().to_vec()),
            Err(_) => (None, Vec::new()),
        };
        if !parts.status.is_success() {
            let body = String::from_utf8_lossy(&answer);
            let retry_after = parts
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| retry::retry_after(value, SystemTime::now()));
            return Err(ExportError::Status {
                status: parts.status.as_u16(),
                body: body.chars().take(200).collect(),
                retry_after,
            });
        }
        if self.protocol == OtlpProtocol::HttpProtobuf {
            return Ok(answer);
        }
        // gRPC: the status is a trailer, or a header in a trailers-only answer.
        let field = |name: &str| {
            trailers
                .as_ref()
                .and_then(|trailers| trailers.get(name))
                .or_else(|| parts.headers.get(name))
        };
        let status = |name: &str| {
            field(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let code = status("grpc-status").and_then(|code| code.parse::<u32>().ok());
        match code {
            // The compressed flag and the length, then the message.
            Some(0) => Ok(answer.get(5..).unwrap_or_default().to_vec()),
            Some(code) => Err(ExportError::Grpc {
                code,
                message: status("grpc-message").unwrap_or_default(),
                retry_delay: field("grpc-status-details-bin")
                    .and_then(|details| retry::retry_info(details.as_bytes())),
            }),
            None => Err(ExportError::Grpc {
                code: 2,
                message: "the answer had no grpc-status".into(),
                retry_delay: None,
            }),
        }
    }
}

/// The plain-TCP connector under TLS.
fn connector_http(timeout: Duration) -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(timeout));
    connector.set_nodelay(true);
    connector.enforce_http(false);
    connector
}

/// `body`, gzipped.
fn gzipped(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// A client error as a connection or a TLS failure, by what its sources hold.
fn classify(error: &(dyn std::error::Error + 'static)) -> ExportError {
    let mut source = Some(error);
    while let Some(cause) = source {
        if is_tls(cause) {
            return ExportError::Tls(chain(error));
        }
        source = cause.source();
    }
    ExportError::Connection(chain(error))
}

/// Whether `error` is rustls's, directly or wrapped in `io::Error`s (as the TLS connector wraps
/// it: `source()` skips a wrapped error, `get_ref` reaches it).
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        .is_some_and(|inner| is_tls(inner))
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
