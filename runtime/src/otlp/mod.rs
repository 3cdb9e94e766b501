//! OTLP trace export, a sink of captured spans: a bounded queue, and a thread that encodes
//! batches straight into OTLP protobuf and sends them over HTTP/protobuf or gRPC with hyper's
//! client.

mod config;
mod encode;
mod endpoint;
mod pipeline;
mod proto;
mod report;
mod request;
mod tls;
mod transport;

use std::sync::Arc;
use std::time::Duration;

pub(crate) use config::{Compression, ExportConfig, Headers};

/// Checks that TLS files can be used (they exist, hold PEM certificates and a key).
pub(crate) fn check_tls(files: &config::TlsFiles) -> Result<(), String> {
    tls::client_config(files).map(drop)
}
pub use endpoint::Protocol;
pub(crate) use endpoint::{traces_endpoint, validate_url};
pub(crate) use pipeline::{Queue, QueueConfig};

/// A running export pipeline.
pub(crate) struct Exporting {
    pub(crate) queue: Arc<Queue>,
    pub(crate) endpoint: String,
    pub(crate) protocol: Protocol,
    pub(crate) limits: crate::capture::SpanLimits,
    reporter: Arc<report::Reporter>,
}

/// Starts exporting to `endpoint` (already resolved: for HTTP, the full `/v1/traces` URL) as
/// the service `service_name` with the resource `attributes`.
pub(crate) fn start(
    endpoint: String,
    protocol: Protocol,
    service_name: Option<&str>,
    attributes: &[(String, String)],
    queue: QueueConfig,
    export: &ExportConfig,
) -> Result<Exporting, String> {
    let transport = transport::Transport::new(&endpoint, protocol, queue.export_timeout, export)?;
    let queue = Queue::new(queue);
    let preamble = request::Preamble::new(service_name, attributes);
    let reporter = Arc::new(report::Reporter::new(endpoint.clone()));
    pipeline::start(queue.clone(), preamble, transport, reporter.clone())?;
    Ok(Exporting {
        queue,
        endpoint,
        protocol,
        limits: export.limits,
        reporter,
    })
}

impl Exporting {
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        self.queue.flush(timeout)
    }

    /// Exports what is queued within `timeout`; spans still pending then are lost, counted and
    /// reported in one line.
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        let done = self.queue.shutdown(timeout);
        if !done {
            self.reporter
                .lost_at_shutdown(self.queue.pending(), timeout);
        }
        done
    }

    /// Export failures are logged through `dispatch` (the subscriber that owns this pipeline).
    pub(crate) fn log_through(&self, dispatch: &tracing::Dispatch) {
        self.reporter.log_through(dispatch.downgrade());
    }
}
