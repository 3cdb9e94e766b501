//! The usual stack the hand-written function runs under: tracing-subscriber's `fmt().json()`
//! and `tracing-opentelemetry` with the SDK's batch span processor, whose exporter discards every
//! batch (the cheapest collector there is).

use std::hint::black_box;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

/// A collector that accepts every batch instantly.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(black_box(batch));
        Ok(())
    }
}

/// The stack, writing its JSON lines to `writer`; shut the provider down when done.
pub fn hand_written_stack<W>(writer: W) -> (tracing::Dispatch, SdkTracerProvider)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build();
    let stack = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().json().with_writer(writer))
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench")));
    (tracing::Dispatch::new(stack), provider)
}
