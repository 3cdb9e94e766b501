//! Prometheus: the recorder with explicit histogram buckets, periodic upkeep, and a standalone
//! `/metrics` listener for applications that serve no HTTP of their own.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::background::Background;

use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// OpenTelemetry's advisory buckets for durations in seconds (`http.server.request.duration`):
/// the default for every histogram.
pub const DEFAULT_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// How often histograms are compacted between scrapes, so memory stays bounded without one.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Builds the recorder: explicit buckets everywhere (a summary renders ~20× slower), and the
/// descriptions (HELP text and unit) of tripod's own metrics.
pub(crate) fn recorder(
    default_buckets: &[f64],
    per_metric: &[(String, Vec<f64>)],
) -> Result<PrometheusRecorder, String> {
    let mut builder = PrometheusBuilder::new()
        .set_buckets(default_buckets)
        .map_err(|error| error.to_string())?;
    for (metric, buckets) in per_metric {
        builder = builder
            .set_buckets_for_metric(Matcher::Full(metric.clone()), buckets)
            .map_err(|error| format!("buckets for {metric}: {error}"))?;
    }
    let recorder = builder.build_recorder();
    crate::__private::metric_handles::describe(&recorder);
    Ok(recorder)
}

/// Runs the handle's upkeep every few seconds.
pub(crate) fn upkeep(handle: PrometheusHandle) -> Background {
    Background::every("tripod-prometheus-upkeep", UPKEEP_INTERVAL, move || {
        handle.run_upkeep()
    })
}

/// Serves `GET /metrics` on `address` (port 0 picks a free one) from a thread of its own.
pub(crate) fn listen(
    address: SocketAddr,
    handle: PrometheusHandle,
) -> std::io::Result<(SocketAddr, Background)> {
    let listener = TcpListener::bind(address)?;
    let bound = listener.local_addr()?;
    let background = Background::spawn("tripod-metrics-listener", Some(bound), move |stop| {
        for stream in listener.incoming() {
            if stop.load(Ordering::Acquire) {
                return;
            }
            if let Ok(stream) = stream {
                let _ = serve(stream, &handle);
            }
        }
    })?;
    Ok((bound, background))
}

/// Answers one request: the exposition for `GET /metrics`, 404 otherwise, 405 for other methods.
fn serve(mut stream: TcpStream, handle: &PrometheusHandle) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers; bodies are not expected.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let path = path.split('?').next().unwrap_or_default();
    let (status, content_type, body) = match (method, path) {
        ("GET", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            handle.render(),
        ),
        (_, "/metrics") => (
            "405 Method Not Allowed",
            "text/plain",
            "only GET is allowed\n".to_owned(),
        ),
        _ => (
            "404 Not Found",
            "text/plain",
            "metrics are at /metrics\n".to_owned(),
        ),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}
