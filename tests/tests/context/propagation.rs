//! A trace continues beyond HTTP: a producer writes its span's context into a message's headers
//! (a `HashMap<String, String>`, as Kafka, NATS or AMQP clients carry them), and the consumer
//! continues that trace, parent and all, as a real OTLP receiver sees it. And code written
//! against the OpenTelemetry API joins tripod's traces: with `tripod::otel::Propagator` as the
//! global propagator, a library that injects through `opentelemetry::global` (into
//! `opentelemetry-http`'s `HeaderInjector`) sends tripod's current span, and what it extracts
//! continues in tripod.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::propagation::TextMapPropagator as _;
use tripod_tests::backends::MemoryLog;
use tripod_tests::otlp_receiver::{OtlpReceiver, named};

fn telemetry(receiver: &OtlpReceiver) -> tripod::Telemetry {
    let endpoint = receiver.endpoint();
    tripod::init()
        .environment(move |name| (name == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| endpoint.clone()))
        .log_writer(MemoryLog::default())
        .build()
        .unwrap()
}

#[test]
fn a_consumer_continues_the_producers_trace_from_a_messages_headers() {
    let receiver = OtlpReceiver::start();
    let telemetry = telemetry(&receiver);
    let message = tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let producer = tracing::info_span!("orders.publish");
        let _entered = producer.enter();
        let mut headers: HashMap<String, String> = HashMap::new();
        assert!(tripod::trace::inject(&mut headers));
        headers
    });
    assert!(message["traceparent"].starts_with("00-"));

    // Elsewhere, later: the consumer.
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let parent = tripod::trace::extract(&message);
        let consumer =
            tripod::trace::with_remote_parent(parent, || tracing::info_span!("orders.consume"));
        consumer.in_scope(|| tracing::info!("order.handled"));
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    let spans = receiver.wait_for_spans(2, Duration::from_secs(10));
    let (producer, consumer) = (
        named(&spans, "orders.publish"),
        named(&spans, "orders.consume"),
    );
    assert_eq!(consumer.trace_id, producer.trace_id);
    assert_eq!(consumer.parent_span_id, producer.span_id);
}

#[test]
fn code_written_against_the_opentelemetry_api_joins_tripods_traces() {
    opentelemetry::global::set_text_map_propagator(tripod::otel::Propagator);
    let receiver = OtlpReceiver::start();
    let telemetry = telemetry(&receiver);
    let (sent, tripod_context) = tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let span = tracing::info_span!("client.call");
        let _entered = span.enter();
        // What a library does, knowing only the OpenTelemetry API: the current OpenTelemetry
        // context has no span of its own, so the propagator sends tripod's.
        let mut headers = http::HeaderMap::new();
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.inject_context(
                &opentelemetry::Context::current(),
                &mut opentelemetry_http::HeaderInjector(&mut headers),
            )
        });
        (headers, tripod::trace::current().unwrap())
    });
    assert_eq!(sent["traceparent"], tripod_context.to_string());

    // A server built on the OpenTelemetry API extracts it; tripod continues it.
    let cx = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&opentelemetry_http::HeaderExtractor(&sent))
    });
    let parent = tripod::otel::span_context(&cx).expect("a remote parent");
    assert_eq!(parent, tripod_context);
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let server = tripod::trace::with_remote_parent(Some(parent), || {
            tracing::info_span!("server.handle")
        });
        let _entered = server.enter();
        // And tripod's current span, as an OpenTelemetry context, for a library that wants one.
        use opentelemetry::trace::TraceContextExt as _;
        let otel = tripod::otel::context();
        assert_eq!(
            otel.span().span_context().trace_id().to_string(),
            tripod_context.trace_id.to_string()
        );
        let mut map: HashMap<String, String> = HashMap::new();
        tripod::otel::Propagator.inject_context(&otel, &mut map);
        assert_eq!(
            tripod::trace::extract(&map),
            tripod::trace::current(),
            "the same context either way"
        );
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    let spans = receiver.wait_for_spans(2, Duration::from_secs(10));
    let (client, server) = (named(&spans, "client.call"), named(&spans, "server.handle"));
    assert_eq!(server.trace_id, client.trace_id);
    assert_eq!(server.parent_span_id, client.span_id);
}
