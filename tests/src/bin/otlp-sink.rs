//! `otlp-sink PORT [DELAY_MS]`: a lean OTLP/HTTP receiver of all three signals on
//! `127.0.0.1:PORT`, for the benchmarks; with `DELAY_MS`, each trace export is answered that many
//! milliseconds after it arrived, as a distant or busy collector answers.
//!
//! It decodes every `POST /v1/traces`, `/v1/logs` and `/v1/metrics` body as the signal's export
//! request (protobuf), counts its spans, log records or data points, and answers as a collector
//! does; a body that is no such message gets a 400. `GET /spans`, `/log_records` and
//! `/data_points` return the counts so far, `GET /bytes` the bytes each signal's requests carried
//! on the wire (`traces logs metrics`, gzipped as sent when they were), `GET /kept` the local roots
//! a tail rule kept (`error slow`), `GET /inference` the `ml.inference` spans that failed and that
//! lasted 250 ms or more (`failed slow`), and on SIGTERM or Ctrl-C
//! it prints them and exits.
//! Unlike `oteltap`, which prints everything as JSON from Python, it costs the shared CPUs
//! little, so a benchmark measures the application, not the receiver.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use prost::Message;

/// What arrived so far.
#[derive(Default)]
struct Counts {
    spans: AtomicU64,
    log_records: AtomicU64,
    data_points: AtomicU64,
    /// Bytes of request bodies as sent: traces, logs, metrics.
    bytes: [AtomicU64; 3],
    /// How long a trace export waits for its answer.
    delay: std::time::Duration,
    /// Local roots kept by a tail rule: `tripod.sampling.kept` = `error`, `slow`.
    kept: [AtomicU64; 2],
    /// `ml.inference` spans that failed, and that lasted 250 ms or more.
    inference: [AtomicU64; 2],
}

type Answer = Result<([(header::HeaderName, &'static str); 1], Vec<u8>), (StatusCode, String)>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args()
        .nth(1)
        .ok_or("usage: otlp-sink PORT")?
        .parse()
        .map_err(|error| format!("PORT: {error}"))?;
    let delay = match std::env::args().nth(2) {
        Some(millis) => std::time::Duration::from_millis(
            millis
                .parse()
                .map_err(|error| format!("DELAY_MS: {error}"))?,
        ),
        None => std::time::Duration::ZERO,
    };
    let counts = Arc::new(Counts {
        delay,
        ..Counts::default()
    });
    let count = |read: fn(&Counts) -> &AtomicU64| {
        get(move |State(counts): State<Arc<Counts>>| async move {
            read(&counts).load(Ordering::Relaxed).to_string()
        })
    };
    let app = Router::new()
        .route("/v1/traces", post(traces))
        .route("/v1/logs", post(logs))
        .route("/v1/metrics", post(metrics))
        .route("/spans", count(|counts| &counts.spans))
        .route("/log_records", count(|counts| &counts.log_records))
        .route("/data_points", count(|counts| &counts.data_points))
        .route(
            "/kept",
            get(|State(counts): State<Arc<Counts>>| async move {
                let [error, slow] = counts.kept.each_ref().map(|n| n.load(Ordering::Relaxed));
                format!("{error} {slow}")
            }),
        )
        .route(
            "/inference",
            get(|State(counts): State<Arc<Counts>>| async move {
                let [failed, slow] = counts
                    .inference
                    .each_ref()
                    .map(|n| n.load(Ordering::Relaxed));
                format!("{failed} {slow}")
            }),
        )
        .route(
            "/bytes",
            get(|State(counts): State<Arc<Counts>>| async move {
                let [traces, logs, metrics] = counts
                    .bytes
                    .each_ref()
                    .map(|bytes| bytes.load(Ordering::Relaxed));
                format!("{traces} {logs} {metrics}")
            }),
        )
        .with_state(counts.clone());
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
    println!("spans received: {}", counts.spans.load(Ordering::Relaxed));
    println!(
        "log records received: {}",
        counts.log_records.load(Ordering::Relaxed)
    );
    println!(
        "data points received: {}",
        counts.data_points.load(Ordering::Relaxed)
    );
    Ok(())
}

/// Decodes `body` (gunzipped when `headers` say it is gzipped) as `R`, adds its size to `bytes`
/// and what `count` finds in it to `counter`, and answers with `A`.
fn receive<R: Message + Default, A: Message + Default>(
    headers: &HeaderMap,
    body: Bytes,
    (bytes, counter): (&AtomicU64, &AtomicU64),
    count: impl FnOnce(&R) -> usize,
) -> Answer {
    bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
    let gzipped = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|encoding| encoding == "gzip");
    let body = if gzipped {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain)
            .map_err(|error| (StatusCode::BAD_REQUEST, format!("no gzip body: {error}")))?;
        Bytes::from(plain)
    } else {
        body
    };
    let request = R::decode(body).map_err(|error| {
        (
            StatusCode::BAD_REQUEST,
            format!("no OTLP export request: {error}"),
        )
    })?;
    counter.fetch_add(count(&request) as u64, Ordering::Relaxed);
    Ok((
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        A::default().encode_to_vec(),
    ))
}

async fn traces(State(counts): State<Arc<Counts>>, headers: HeaderMap, body: Bytes) -> Answer {
    if !counts.delay.is_zero() {
        tokio::time::sleep(counts.delay).await;
    }
    receive::<ExportTraceServiceRequest, ExportTraceServiceResponse>(
        &headers,
        body,
        (&counts.bytes[0], &counts.spans),
        |request| {
            let spans: Vec<_> = request
                .resource_spans
                .iter()
                .flat_map(|resource| &resource.scope_spans)
                .flat_map(|scope| &scope.spans)
                .collect();
            for span in &spans {
                let kept = span
                    .attributes
                    .iter()
                    .find(|attribute| attribute.key == "tripod.sampling.kept")
                    .map(|attribute| match &attribute.value {
                        Some(AnyValue {
                            value: Some(any_value::Value::StringValue(reason)),
                        }) => reason.as_str(),
                        _ => "",
                    });
                match kept {
                    Some("error") => counts.kept[0].fetch_add(1, Ordering::Relaxed),
                    Some("slow") => counts.kept[1].fetch_add(1, Ordering::Relaxed),
                    _ => 0,
                };
                if span.name == "ml.inference" {
                    if span.status.as_ref().is_some_and(|status| status.code == 2) {
                        counts.inference[0].fetch_add(1, Ordering::Relaxed);
                    }
                    let lasted = span
                        .end_time_unix_nano
                        .saturating_sub(span.start_time_unix_nano);
                    if lasted >= 250_000_000 {
                        counts.inference[1].fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            spans.len()
        },
    )
}

async fn logs(State(counts): State<Arc<Counts>>, headers: HeaderMap, body: Bytes) -> Answer {
    receive::<ExportLogsServiceRequest, ExportLogsServiceResponse>(
        &headers,
        body,
        (&counts.bytes[1], &counts.log_records),
        |request| {
            request
                .resource_logs
                .iter()
                .flat_map(|resource| &resource.scope_logs)
                .map(|scope| scope.log_records.len())
                .sum()
        },
    )
}

async fn metrics(State(counts): State<Arc<Counts>>, headers: HeaderMap, body: Bytes) -> Answer {
    receive::<ExportMetricsServiceRequest, ExportMetricsServiceResponse>(
        &headers,
        body,
        (&counts.bytes[2], &counts.data_points),
        |request| {
            request
                .resource_metrics
                .iter()
                .flat_map(|resource| &resource.scope_metrics)
                .flat_map(|scope| &scope.metrics)
                .map(|metric| match &metric.data {
                    Some(Data::Sum(sum)) => sum.data_points.len(),
                    Some(Data::Gauge(gauge)) => gauge.data_points.len(),
                    Some(Data::Histogram(histogram)) => histogram.data_points.len(),
                    Some(Data::ExponentialHistogram(histogram)) => histogram.data_points.len(),
                    Some(Data::Summary(summary)) => summary.data_points.len(),
                    None => 0,
                })
                .sum()
        },
    )
}
