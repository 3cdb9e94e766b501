//! OTLP trace export: a lean bridge from `tracing` spans to compact span records, a bounded
//! queue, a thread that turns them into the OpenTelemetry SDK's `SpanData`, and
//! `opentelemetry-otlp`'s HTTP/protobuf or gRPC exporter.

mod bridge;
mod endpoint;
mod pipeline;
mod record;

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanExporter as _;

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

/// Starts exporting to `endpoint` (already resolved: for HTTP, the full `/v1/traces` URL).
pub(crate) fn start(
    endpoint: String,
    protocol: Protocol,
    resource: Resource,
    config: QueueConfig,
) -> Result<Exporting, String> {
    let queue = Queue::new(config);
    let timeout = config.export_timeout;
    let target = endpoint.clone();
    pipeline::start(queue.clone(), move || {
        use opentelemetry_otlp::WithExportConfig as _;
        let builder = opentelemetry_otlp::SpanExporter::builder();
        let built = match protocol {
            Protocol::HttpProtobuf => builder
                .with_http()
                .with_endpoint(target)
                .with_timeout(timeout)
                .build(),
            Protocol::Grpc => builder
                .with_tonic()
                .with_endpoint(target)
                .with_timeout(timeout)
                .build(),
        };
        let mut exporter = built.map_err(|error| error.to_string())?;
        exporter.set_resource(&resource);
        Ok(exporter)
    })?;
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
