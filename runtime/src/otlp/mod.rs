//! OTLP trace export: a lean bridge from `tracing` spans to compact span records, a bounded
//! queue, and a thread that encodes batches straight into OTLP protobuf and sends them over
//! HTTP/protobuf or gRPC with hyper's client.

mod bridge;
mod endpoint;
mod pipeline;
mod proto;
mod record;
mod request;
mod transport;

use std::sync::Arc;
use std::time::Duration;

pub(crate) use bridge::OtlpLayer;
pub use endpoint::Protocol;
pub(crate) use endpoint::{traces_endpoint, validate_url};
pub(crate) use pipeline::{Queue, QueueConfig};
pub(crate) use record::SpanRecord;

/// A running export pipeline.
pub(crate) struct Exporting {
    pub(crate) queue: Arc<Queue>,
    pub(crate) endpoint: String,
    pub(crate) protocol: Protocol,
}

/// Starts exporting to `endpoint` (already resolved: for HTTP, the full `/v1/traces` URL) as
/// the service `service_name` with the resource `attributes`.
pub(crate) fn start(
    endpoint: String,
    protocol: Protocol,
    service_name: Option<&str>,
    attributes: &[(String, String)],
    config: QueueConfig,
) -> Result<Exporting, String> {
    let queue = Queue::new(config);
    let transport = transport::Transport::new(&endpoint, protocol, config.export_timeout)?;
    let preamble = request::Preamble::new(service_name, attributes);
    pipeline::start(queue.clone(), preamble, transport)?;
    Ok(Exporting {
        queue,
        endpoint,
        protocol,
    })
}

impl Exporting {
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        self.queue.flush(timeout)
    }

    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        self.queue.shutdown(timeout)
    }
}
