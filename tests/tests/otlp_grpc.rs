//! Spans reach an OTLP/gRPC receiver (the in-process `fake-opentelemetry-collector`), chosen by
//! `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`, with names, attributes, events and parent/child links
//! intact.

mod support;

use std::time::Duration;

use fake_opentelemetry_collector::FakeCollectorServer;

#[tripod::observe(name = "db.todos.insert", fields(todo.title = %title))]
async fn insert(title: &str) -> Result<u64, std::io::Error> {
    tokio::task::yield_now().await;
    child().await;
    Ok(title.len() as u64)
}

#[tripod::observe(name = "db.connection.acquire")]
async fn child() {}

#[test]
fn spans_reach_an_otlp_grpc_receiver() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut collector = runtime
        .block_on(FakeCollectorServer::start())
        .expect("the fake collector starts");
    let endpoint = collector.endpoint();
    let telemetry = tripod::init()
        .environment(move |name| match name {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(endpoint.clone()),
            "OTEL_EXPORTER_OTLP_PROTOCOL" => Some("grpc".into()),
            _ => None,
        })
        .log_writer(std::io::sink())
        .prometheus(false)
        .export_interval(Duration::from_millis(100))
        .install()
        .expect("installs");
    assert_eq!(telemetry.otlp_protocol(), Some(tripod::OtlpProtocol::Grpc));
    assert_eq!(
        telemetry.otlp_endpoint(),
        Some(collector.endpoint().as_str()),
        "gRPC takes the base endpoint as is"
    );

    runtime.block_on(insert("Read paper")).unwrap();
    assert!(telemetry.flush(Duration::from_secs(10)));

    let spans = runtime.block_on(collector.exported_spans(2, Duration::from_secs(10)));
    let insert = spans
        .iter()
        .find(|s| s.name == "db.todos.insert")
        .expect("the insert span");
    let child = spans
        .iter()
        .find(|s| s.name == "db.connection.acquire")
        .expect("the child span");
    assert_eq!(child.trace_id, insert.trace_id);
    assert_eq!(child.parent_span_id, insert.span_id);
    // The fake collector renders attribute values with their OTLP type.
    let title = &insert.attributes["todo.title"];
    assert!(title.contains("StringValue(\"Read paper\")"), "{title}");
    assert!(insert.attributes.contains_key("code.function.name"));
    assert_eq!(insert.kind, "SPAN_KIND_INTERNAL");
    let events: Vec<&str> = insert.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(events, ["db.todos.insert.start", "db.todos.insert.success"]);
    assert!(insert.end_time_unix_nano >= insert.start_time_unix_nano);
}
