//! An OTLP/HTTP trace receiver in the test process: a real HTTP server on 127.0.0.1 that decodes
//! each `POST /v1/traces` body with the `opentelemetry-proto` types, as a collector does, and
//! keeps every span with its resource's `service.name`. Where `oteltap` prints spans without
//! their resource or trace state, this one keeps all of it for assertions.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message as _;
use serde_json::Value;

use crate::backends::eventually;

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
}

impl ReceivedSpan {
    /// An attribute, `Value::Null` when absent.
    pub fn attribute(&self, key: &str) -> Value {
        self.attributes.get(key).cloned().unwrap_or(Value::Null)
    }
}

/// The receiver; stops when dropped.
pub struct OtlpReceiver {
    address: SocketAddr,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OtlpReceiver {
    /// Starts it on a free port.
    pub fn start() -> OtlpReceiver {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = spans.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = Router::new()
                    .route("/v1/traces", post(receive))
                    .with_state(state);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        OtlpReceiver {
            address,
            spans,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Its base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }

    /// The spans of one trace.
    pub fn spans_of(&self, trace_id: &str) -> Vec<ReceivedSpan> {
        self.spans()
            .into_iter()
            .filter(|span| span.trace_id == trace_id)
            .collect()
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

/// What a collector answers to an accepted export.
pub type Accepted = ([(header::HeaderName, &'static str); 1], Vec<u8>);

/// Decodes an OTLP/HTTP trace export body; a 400 with the reason when it is no such message.
pub fn decode(body: Bytes) -> Result<ExportTraceServiceRequest, (StatusCode, String)> {
    ExportTraceServiceRequest::decode(body).map_err(|error| {
        (
            StatusCode::BAD_REQUEST,
            format!("no OTLP trace request: {error}"),
        )
    })
}

/// The answer to an accepted export, as a collector gives it.
pub fn accepted() -> Accepted {
    (
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

/// The span named `name` among `spans`; panics, listing them, when there is none.
pub fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|span| span.name == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

async fn receive(
    State(spans): State<Arc<Mutex<Vec<ReceivedSpan>>>>,
    body: Bytes,
) -> Result<Accepted, (StatusCode, String)> {
    let request = decode(body)?;
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
                });
            }
        }
    }
    spans.lock().unwrap().extend(received);
    Ok(accepted())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
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
