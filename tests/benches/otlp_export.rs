//! What `opentelemetry-otlp`'s HTTP exporter does with each batch on the export thread, per span:
//! group the SDK's `SpanData` by scope and convert it to the OTLP protobuf types
//! (`opentelemetry-proto`'s `group_spans_by_resource_and_scope`), then encode the request with
//! `prost`. The spans have the shape of the example service's handler span, as tripod's bridge
//! hands them over: four attributes, and the `start` and `success` events.
//!
//! Run: `cargo bench -p tripod-tests --bench otlp_export`.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use opentelemetry::trace::{
    Event, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use prost::Message as _;

/// The batch size of the export queue.
const BATCH: u64 = 512;

fn handler_span(i: u64, scope: &InstrumentationScope) -> SpanData {
    let start = SystemTime::now();
    let end = start + Duration::from_micros(300);
    let mut events = SpanEvents::default();
    events.events = vec![
        Event::new("api.predict.start", start, vec![], 0),
        Event::new(
            "api.predict.success",
            end,
            vec![KeyValue::new("duration_ms", 0.2679)],
            0,
        ),
    ];
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(u128::from(i) * 7919 + 1),
            SpanId::from(i + 2),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: SpanId::from(i + 1),
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: "api.predict".into(),
        start_time: start,
        end_time: end,
        attributes: vec![
            KeyValue::new("code.file.path", "examples/todo/src/routes/predict.rs"),
            KeyValue::new("code.line.number", 23_i64),
            KeyValue::new(
                "code.function.name",
                String::from("todo_app::routes::predict::predict"),
            ),
            KeyValue::new("input.length", 52_i64),
        ],
        dropped_attributes_count: 0,
        events,
        links: SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: scope.clone(),
    }
}

fn otlp_export(c: &mut Criterion) {
    let scope = InstrumentationScope::builder("tripod")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let resource = Resource::builder().with_service_name("todo-app").build();
    let resource = ResourceAttributesWithSchema::from(&resource);
    let batch = || {
        (0..BATCH)
            .map(|i| handler_span(i, &scope))
            .collect::<Vec<_>>()
    };

    let mut group = c.benchmark_group("otlp_export per span");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("convert to protobuf types", |b| {
        b.iter_batched(
            batch,
            |spans| group_spans_by_resource_and_scope(spans, &resource),
            BatchSize::LargeInput,
        );
    });
    let converted = ExportTraceServiceRequest {
        resource_spans: group_spans_by_resource_and_scope(batch(), &resource),
    };
    group.bench_function("encode", |b| {
        b.iter(|| black_box(converted.encode_to_vec()));
    });
    group.bench_function("convert, encode and free, as the HTTP exporter does", |b| {
        b.iter_batched(
            batch,
            |spans| {
                let request = ExportTraceServiceRequest {
                    resource_spans: group_spans_by_resource_and_scope(spans, &resource),
                };
                request.encode_to_vec().len()
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, otlp_export);
criterion_main!(benches);
