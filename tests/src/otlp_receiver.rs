//! An OTLP receiver in the test process, as a collector is: a real server on 127.0.0.1 (hyper,
//! HTTP/1.1 and HTTP/2) that takes OTLP/HTTP (`POST /v1/traces`, `/v1/logs`, `/v1/metrics`) and
//! OTLP/gRPC (the three services' `Export`), over plain TCP or TLS (optionally requiring a client
//! certificate), gunzips gzip bodies, decodes each request with the `opentelemetry-proto` types
//! and keeps every span and log record with its resource's `service.name`, every metric, and
//! every request's headers. Where `oteltap` prints spans without their resource or trace state,
//! this one keeps all of it for assertions.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Read as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderMap, Request, Response, StatusCode, header};
use http_body_util::BodyExt as _;
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::Metric;
use prost::Message as _;
use serde_json::Value;
use tokio_rustls::rustls;

use crate::backends::eventually;
use crate::certificates::TestPki;

/// The paths each signal arrives on: OTLP/HTTP's, then gRPC's.
const SIGNALS: [(&str, &str, &str); 3] = [
    (
        "traces",
        "/v1/traces",
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    ),
    (
        "logs",
        "/v1/logs",
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    ),
    (
        "metrics",
        "/v1/metrics",
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    ),
];

/// One received span, ids in lower-case hex (an absent parent is `""`).
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    /// The `service.name` of the resource it came with.
    pub service_name: String,
    /// Its trace.
    pub trace_id: String,
    /// Itself.
    pub span_id: String,
    /// Its parent, `""` for a root.
    pub parent_span_id: String,
    /// Its name.
    pub name: String,
    /// Its kind: `internal`, `server`, `client`, `producer`, `consumer` (or `unspecified`).
    pub kind: &'static str,
    /// Its `trace_state`.
    pub trace_state: String,
    /// Its status: 0 unset, 1 ok, 2 error.
    pub status_code: i32,
    /// Its status message.
    pub status_message: String,
    /// Its attributes, as JSON values (strings, integers, floats, booleans).
    pub attributes: BTreeMap<String, Value>,
    /// How many events it carried.
    pub events: usize,
    /// How many events it dropped past the span limits.
    pub dropped_events: u32,
    /// How many attributes it dropped past the span limits.
    pub dropped_attributes: u32,
    /// The spans it links to (`follows_from`): trace id and span id.
    pub links: Vec<(String, String)>,
    /// How long it lasted: its end's time less its start's, in nanoseconds.
    pub duration_nanos: u64,
    /// When it ended, nanoseconds since the Unix epoch.
    pub end_unix_nanos: u64,
    /// Its resource's attributes (who sent it).
    pub resource: BTreeMap<String, Value>,
}

impl ReceivedSpan {
    /// An attribute, `Value::Null` when absent.
    pub fn attribute(&self, key: &str) -> Value {
        self.attributes.get(key).cloned().unwrap_or(Value::Null)
    }
}

/// One received log record, ids in lower-case hex (`""` when it had none).
#[derive(Clone, Debug)]
pub struct ReceivedLogRecord {
    /// The `service.name` of the resource it came with.
    pub service_name: String,
    /// Its instrumentation scope's name (tripod's: the event's target).
    pub scope: String,
    /// When it happened.
    pub time_unix_nano: u64,
    /// When it was observed (collected).
    pub observed_time_unix_nano: u64,
    /// OpenTelemetry's severity: 1 trace, 5 debug, 9 info, 13 warn, 17 error.
    pub severity_number: i32,
    /// The level as the record names it.
    pub severity_text: String,
    /// Its event name.
    pub event_name: String,
    /// Its body, when a string.
    pub body: String,
    /// Its attributes, as JSON values (strings, integers, floats, booleans).
    pub attributes: BTreeMap<String, Value>,
    /// The trace it happened in, `""` outside one.
    pub trace_id: String,
    /// The span it happened in, `""` outside one.
    pub span_id: String,
    /// Its flags (the W3C trace flags: 1 sampled).
    pub flags: u32,
}

impl ReceivedLogRecord {
    /// An attribute, `Value::Null` when absent.
    pub fn attribute(&self, key: &str) -> Value {
        self.attributes.get(key).cloned().unwrap_or(Value::Null)
    }
}

/// One export request as it arrived.
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    /// `traces`, `logs` or `metrics`.
    pub signal: &'static str,
    /// `/v1/traces` (and so on) or the gRPC method's path.
    pub path: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Whether its body was gzipped.
    pub gzipped: bool,
    /// How many spans it held.
    pub spans: usize,
}

/// What the receiver has received.
#[derive(Default)]
struct Received {
    spans: Vec<ReceivedSpan>,
    logs: Vec<ReceivedLogRecord>,
    /// Each metrics request's metrics, in order.
    metrics: Vec<Vec<Metric>>,
    /// Each metrics request's resource attributes, in the same order.
    metric_resources: Vec<BTreeMap<String, Value>>,
    requests: Vec<ReceivedRequest>,
    /// Spans each trace export is answered as rejecting (a partial success), and why.
    rejecting: Option<(i64, String)>,
    /// Exports still to refuse (of one signal, or of any), and how.
    refusing: Option<(Option<&'static str>, usize, Refusal)>,
    /// Exports refused so far.
    refused: usize,
}

/// How the receiver refuses an export (its items are not kept), as a collector that restarts,
/// sheds load or rejects a request does.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// OTLP/HTTP: this status, with `Retry-After: <seconds>` when given.
    HttpStatus {
        /// The status code.
        status: u16,
        /// The `Retry-After` seconds.
        retry_after: Option<u64>,
    },
    /// OTLP/gRPC: this `grpc-status` (in a trailers-only answer), with a `google.rpc.RetryInfo`
    /// in `grpc-status-details-bin` when a delay is given.
    GrpcStatus {
        /// The gRPC status code (8 is `RESOURCE_EXHAUSTED`).
        code: u32,
        /// The `RetryInfo`'s delay.
        retry_delay: Option<Duration>,
    },
}

/// How the receiver does TLS.
pub struct ReceiverTls<'a> {
    /// Its certificates: the server certificate, and the CA client certificates must chain to.
    pub pki: &'a TestPki,
    /// Whether a client certificate is required (mutual TLS).
    pub require_client_certificate: bool,
}

/// The receiver; stops when dropped.
pub struct OtlpReceiver {
    address: SocketAddr,
    tls: bool,
    received: Arc<Mutex<Received>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OtlpReceiver {
    /// Starts it on a free port, plain TCP.
    pub fn start() -> OtlpReceiver {
        OtlpReceiver::start_with(None, 0)
    }

    /// Starts it on `port`, plain TCP (a collector coming back where one was expected).
    pub fn start_on(port: u16) -> OtlpReceiver {
        OtlpReceiver::start_with(None, port)
    }

    /// Starts it on a free port, with TLS.
    pub fn start_tls(tls: ReceiverTls<'_>) -> OtlpReceiver {
        OtlpReceiver::start_with(Some(tls), 0)
    }

    fn start_with(tls: Option<ReceiverTls<'_>>, port: u16) -> OtlpReceiver {
        let acceptor =
            tls.map(|tls| tokio_rustls::TlsAcceptor::from(Arc::new(server_config(&tls))));
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("binds");
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let received = Arc::new(Mutex::new(Received::default()));
        let state = received.clone();
        let is_tls = acceptor.is_some();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let accepted = tokio::select! {
                        accepted = listener.accept() => accepted,
                        _ = &mut stopped => return,
                    };
                    let Ok((stream, _)) = accepted else { continue };
                    let state = state.clone();
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            answer(request, state.clone())
                        });
                        let server =
                            hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                        match acceptor {
                            // A failed handshake (an unknown CA, no client certificate) just
                            // ends the connection, as a collector's would.
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    let _ = server
                                        .serve_connection(TokioIo::new(stream), service)
                                        .await;
                                }
                            }
                            None => {
                                let _ =
                                    server.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    });
                }
            });
        });
        OtlpReceiver {
            address,
            tls: is_tls,
            received,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// From now on, answers every trace export with a partial success: `rejected` of its spans
    /// refused, for `message` (as a collector does with spans over its size limit).
    pub fn reject_partially(&self, rejected: i64, message: &str) {
        self.received.lock().unwrap().rejecting = Some((rejected, message.to_owned()));
    }

    /// From now on, refuses the next `exports` export requests (of any signal) with `refusal`.
    pub fn refuse_next(&self, exports: usize, refusal: Refusal) {
        self.received.lock().unwrap().refusing = Some((None, exports, refusal));
    }

    /// From now on, refuses the next `exports` export requests of `signal` (`traces`, `logs`,
    /// `metrics`) with `refusal`.
    pub fn refuse_next_of(&self, signal: &'static str, exports: usize, refusal: Refusal) {
        self.received.lock().unwrap().refusing = Some((Some(signal), exports, refusal));
    }

    /// How many export requests were refused so far.
    pub fn refused(&self) -> usize {
        self.received.lock().unwrap().refused
    }

    /// Its base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it (`https://` with TLS).
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.address)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.received.lock().unwrap().spans.clone()
    }

    /// Every log record received so far.
    pub fn log_records(&self) -> Vec<ReceivedLogRecord> {
        self.received.lock().unwrap().logs.clone()
    }

    /// The metrics of each metrics request received so far, in order.
    pub fn metric_exports(&self) -> Vec<Vec<Metric>> {
        self.received.lock().unwrap().metrics.clone()
    }

    /// Each metrics request received so far, in order: its resource's attributes and its
    /// metrics.
    pub fn metric_exports_with_resource(&self) -> Vec<(BTreeMap<String, Value>, Vec<Metric>)> {
        let received = self.received.lock().unwrap();
        received
            .metric_resources
            .iter()
            .cloned()
            .zip(received.metrics.iter().cloned())
            .collect()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.received.lock().unwrap().requests.clone()
    }

    /// The spans of one trace.
    pub fn spans_of(&self, trace_id: &str) -> Vec<ReceivedSpan> {
        self.spans()
            .into_iter()
            .filter(|span| span.trace_id == trace_id)
            .collect()
    }

    /// Waits until at least `count` spans arrived; what arrived by then.
    pub fn wait_for_spans(&self, count: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        eventually(timeout, || {
            let spans = self.spans();
            (spans.len() >= count).then_some(spans)
        })
        .unwrap_or_else(|| self.spans())
    }

    /// Waits until at least `count` spans of `trace_id` arrived; what arrived by then.
    pub fn wait_for_trace(
        &self,
        trace_id: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<ReceivedSpan> {
        eventually(timeout, || {
            let spans = self.spans_of(trace_id);
            (spans.len() >= count).then_some(spans)
        })
        .unwrap_or_else(|| self.spans_of(trace_id))
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn server_config(tls: &ReceiverTls<'_>) -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if tls.require_client_certificate {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(tls.pki.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(tls.pki.server_cert_pem.as_bytes()).unwrap()],
            PrivateKeyDer::from_pem_slice(tls.pki.server_key_pem.as_bytes()).unwrap(),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// A response body: the answer, then (for gRPC) the status trailers.
struct Answer {
    data: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl Body for Answer {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        Poll::Ready(
            self.trailers
                .take()
                .map(|trailers| Ok(Frame::trailers(trailers))),
        )
    }
}

async fn answer(
    request: Request<Incoming>,
    received: Arc<Mutex<Received>>,
) -> Result<Response<Answer>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let plain = |status: StatusCode, text: &str| {
        let mut response = Response::new(Answer {
            data: Some(Bytes::from(text.to_owned())),
            trailers: None,
        });
        *response.status_mut() = status;
        response
    };
    let Some((signal, grpc)) = SIGNALS.iter().find_map(|(signal, http, grpc)| {
        if path == *http {
            Some((*signal, false))
        } else if path == *grpc {
            Some((*signal, true))
        } else {
            None
        }
    }) else {
        return Ok(plain(StatusCode::NOT_FOUND, "no such path"));
    };
    let (message, gzipped) = if grpc {
        // The compressed flag, the length, then the message.
        let Some((flag, rest)) = body.split_first() else {
            return Ok(plain(StatusCode::BAD_REQUEST, "no gRPC frame"));
        };
        (rest.get(4..).unwrap_or_default().to_vec(), *flag == 1)
    } else {
        let gzipped = parts
            .headers
            .get(header::CONTENT_ENCODING)
            .is_some_and(|encoding| encoding == "gzip");
        (body.to_vec(), gzipped)
    };
    let message = if gzipped {
        let mut plain_bytes = Vec::new();
        if flate2::read::GzDecoder::new(message.as_slice())
            .read_to_end(&mut plain_bytes)
            .is_err()
        {
            return Ok(plain(StatusCode::BAD_REQUEST, "not gzip"));
        }
        plain_bytes
    } else {
        message
    };
    let mut state = received.lock().unwrap();
    if let Some((_, left, refusal)) = state
        .refusing
        .as_mut()
        .filter(|(only, left, _)| *left > 0 && only.is_none_or(|only| only == signal))
    {
        *left -= 1;
        let refusal = refusal.clone();
        state.refused += 1;
        return Ok(refused(&refusal));
    }
    let items = match signal {
        "traces" => {
            let Ok(request) = ExportTraceServiceRequest::decode(message.as_slice()) else {
                return Ok(plain(StatusCode::BAD_REQUEST, "no OTLP trace request"));
            };
            let spans = spans_of(request);
            let count = spans.len();
            state.spans.extend(spans);
            count
        }
        "logs" => {
            let Ok(request) = ExportLogsServiceRequest::decode(message.as_slice()) else {
                return Ok(plain(StatusCode::BAD_REQUEST, "no OTLP logs request"));
            };
            let records = log_records_of(request);
            let count = records.len();
            state.logs.extend(records);
            count
        }
        _ => {
            let Ok(request) = ExportMetricsServiceRequest::decode(message.as_slice()) else {
                return Ok(plain(StatusCode::BAD_REQUEST, "no OTLP metrics request"));
            };
            let resource = request
                .resource_metrics
                .first()
                .and_then(|resource| resource.resource.as_ref())
                .map(|resource| attributes(&resource.attributes))
                .unwrap_or_default();
            let metrics: Vec<Metric> = request
                .resource_metrics
                .into_iter()
                .flat_map(|resource| resource.scope_metrics)
                .flat_map(|scope| scope.metrics)
                .collect();
            let count = metrics.len();
            state.metrics.push(metrics);
            state.metric_resources.push(resource);
            count
        }
    };
    state.requests.push(ReceivedRequest {
        signal,
        path,
        headers: parts.headers,
        gzipped,
        spans: if signal == "traces" { items } else { 0 },
    });
    let rejecting = state.rejecting.clone().filter(|_| signal == "traces");
    drop(state);
    // An empty answer (no partial success) is the same bytes for every signal's response.
    let reply = ExportTraceServiceResponse {
        partial_success: rejecting.map(|(rejected_spans, error_message)| {
            ExportTracePartialSuccess {
                rejected_spans,
                error_message,
            }
        }),
    }
    .encode_to_vec();
    let response = if grpc {
        let mut framed = vec![0u8];
        framed.extend_from_slice(&(reply.len() as u32).to_be_bytes());
        framed.extend_from_slice(&reply);
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", "0".parse().unwrap());
        Response::builder()
            .header(header::CONTENT_TYPE, "application/grpc")
            .body(Answer {
                data: Some(Bytes::from(framed)),
                trailers: Some(trailers),
            })
            .unwrap()
    } else {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/x-protobuf")
            .body(Answer {
                data: Some(Bytes::from(reply)),
                trailers: None,
            })
            .unwrap()
    };
    Ok(response)
}

/// The answer of a refused export.
fn refused(refusal: &Refusal) -> Response<Answer> {
    match refusal {
        Refusal::HttpStatus {
            status,
            retry_after,
        } => {
            let mut response = Response::builder().status(*status);
            if let Some(seconds) = retry_after {
                response = response.header(header::RETRY_AFTER, seconds.to_string());
            }
            response
                .body(Answer {
                    data: Some(Bytes::from_static(b"refused")),
                    trailers: None,
                })
                .unwrap()
        }
        Refusal::GrpcStatus { code, retry_delay } => {
            let mut response = Response::builder()
                .header(header::CONTENT_TYPE, "application/grpc")
                .header("grpc-status", code.to_string())
                .header("grpc-message", "refused");
            if let Some(delay) = retry_delay {
                response = response.header("grpc-status-details-bin", retry_info(*code, *delay));
            }
            response
                .body(Answer {
                    data: None,
                    trailers: None,
                })
                .unwrap()
        }
    }
}

/// `google.rpc.Status` with one `google.rpc.RetryInfo` detail, base64 without padding as gRPC
/// sends binary metadata; encoded with prost's helpers (three small messages).
fn retry_info(code: u32, delay: Duration) -> String {
    use base64::Engine as _;
    use prost::encoding::{WireType, encode_key, encode_varint};
    fn field(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
        encode_key(tag, WireType::LengthDelimited, out);
        encode_varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }
    fn varint(tag: u32, value: u64, out: &mut Vec<u8>) {
        encode_key(tag, WireType::Varint, out);
        encode_varint(value, out);
    }
    let mut duration = Vec::new();
    varint(1, delay.as_secs(), &mut duration);
    varint(2, u64::from(delay.subsec_nanos()), &mut duration);
    let mut retry_info = Vec::new();
    field(1, &duration, &mut retry_info);
    let mut any = Vec::new();
    field(1, b"type.googleapis.com/google.rpc.RetryInfo", &mut any);
    field(2, &retry_info, &mut any);
    let mut status = Vec::new();
    varint(1, u64::from(code), &mut status);
    field(2, b"refused", &mut status);
    field(3, &any, &mut status);
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(status)
}

/// The spans of a request, each with its resource's `service.name`.
fn spans_of(request: ExportTraceServiceRequest) -> Vec<ReceivedSpan> {
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let resource = resource_spans
            .resource
            .map(|resource| attributes(&resource.attributes))
            .unwrap_or_default();
        let service_name = resource
            .get("service.name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                let status = span.status.unwrap_or_default();
                received.push(ReceivedSpan {
                    service_name: service_name.clone(),
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    name: span.name,
                    kind: match span.kind {
                        1 => "internal",
                        2 => "server",
                        3 => "client",
                        4 => "producer",
                        5 => "consumer",
                        _ => "unspecified",
                    },
                    trace_state: span.trace_state,
                    status_code: status.code,
                    status_message: status.message,
                    attributes: attributes(&span.attributes),
                    events: span.events.len(),
                    dropped_events: span.dropped_events_count,
                    dropped_attributes: span.dropped_attributes_count,
                    links: span
                        .links
                        .iter()
                        .map(|link| (hex(&link.trace_id), hex(&link.span_id)))
                        .collect(),
                    duration_nanos: span
                        .end_time_unix_nano
                        .saturating_sub(span.start_time_unix_nano),
                    end_unix_nanos: span.end_time_unix_nano,
                    resource: resource.clone(),
                });
            }
        }
    }
    received
}

/// The log records of a request, each with its resource's `service.name` and its scope.
fn log_records_of(request: ExportLogsServiceRequest) -> Vec<ReceivedLogRecord> {
    let mut received = Vec::new();
    for resource_logs in request.resource_logs {
        let resource = resource_logs
            .resource
            .map(|resource| attributes(&resource.attributes))
            .unwrap_or_default();
        let service_name = resource
            .get("service.name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for scope_logs in resource_logs.scope_logs {
            let scope = scope_logs.scope.map(|scope| scope.name).unwrap_or_default();
            for record in scope_logs.log_records {
                received.push(ReceivedLogRecord {
                    service_name: service_name.clone(),
                    scope: scope.clone(),
                    time_unix_nano: record.time_unix_nano,
                    observed_time_unix_nano: record.observed_time_unix_nano,
                    severity_number: record.severity_number,
                    severity_text: record.severity_text,
                    event_name: record.event_name,
                    body: value(record.body.as_ref())
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    attributes: attributes(&record.attributes),
                    trace_id: hex(&record.trace_id),
                    span_id: hex(&record.span_id),
                    flags: record.flags,
                });
            }
        }
    }
    received
}

/// The span named `name` among `spans`; panics, listing them, when there is none.
pub fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|span| span.name == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

/// `bytes` in lower-case hex, as trace and span ids are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The string value of the attribute `key` among `attributes` (a metric point's, a record's).
pub fn string_attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(text) => Some(text.as_str()),
            _ => None,
        }
    })
}

fn attributes(list: &[KeyValue]) -> BTreeMap<String, Value> {
    list.iter()
        .map(|kv| (kv.key.clone(), value(kv.value.as_ref())))
        .collect()
}

fn value(value: Option<&AnyValue>) -> Value {
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(text)) => Value::from(text.as_str()),
        Some(any_value::Value::IntValue(int)) => Value::from(*int),
        Some(any_value::Value::DoubleValue(double)) => Value::from(*double),
        Some(any_value::Value::BoolValue(flag)) => Value::from(*flag),
        Some(other) => Value::from(format!("{other:?}")),
        None => Value::Null,
    }
}
