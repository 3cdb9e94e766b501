//! `otlp-sink PORT`: a lean OTLP/HTTP trace receiver on `127.0.0.1:PORT`, for the load benchmark.
//!
//! It decodes every `POST /v1/traces` body as an `ExportTraceServiceRequest` (protobuf), counts
//! its spans, and answers as a collector does; a body that is no such message gets a 400.
//! `GET /spans` returns the count so far, and on SIGTERM or Ctrl-C it prints
//! `spans received: N` and exits. Unlike `oteltap`, which prints every span as JSON from Python,
//! it costs the shared CPUs little, so the benchmark measures the application, not the receiver.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args()
        .nth(1)
        .ok_or("usage: otlp-sink PORT")?
        .parse()
        .map_err(|error| format!("PORT: {error}"))?;
    let spans = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .route(
            "/spans",
            get(|State(spans): State<Arc<AtomicU64>>| async move {
                spans.load(Ordering::Relaxed).to_string()
            }),
        )
        .with_state(spans.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let mut terminate =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("a SIGTERM handler");
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await?;
    println!("spans received: {}", spans.load(Ordering::Relaxed));
    Ok(())
}

/// Decodes one export request and counts its spans.
async fn receive(
    State(spans): State<Arc<AtomicU64>>,
    body: Bytes,
) -> Result<([(header::HeaderName, &'static str); 1], Vec<u8>), (StatusCode, String)> {
    let request = ExportTraceServiceRequest::decode(body).map_err(|error| {
        (
            StatusCode::BAD_REQUEST,
            format!("no OTLP trace request: {error}"),
        )
    })?;
    let count: usize = request
        .resource_spans
        .iter()
        .flat_map(|resource| &resource.scope_spans)
        .map(|scope| scope.spans.len())
        .sum();
    spans.fetch_add(count as u64, Ordering::Relaxed);
    Ok((
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    ))
}
