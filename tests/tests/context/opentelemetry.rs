//! Through `tracing-opentelemetry`, an observed call becomes an OpenTelemetry span with the
//! contract's attributes and status, captured by the SDK's in-memory exporter.

use opentelemetry::trace::{Status, TracerProvider as _};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Debug, thiserror::Error, tripod::ErrorType)]
enum ModelError {
    #[error("model not loaded")]
    NotLoaded,
}

struct Model;

#[tripod::observe(name = "ml.inference", fields(input.length = text.len(), model = "classifier"))]
fn predict(text: &str) -> Result<f64, ModelError> {
    if text.is_empty() {
        Err(ModelError::NotLoaded)
    } else {
        score(text)
    }
}

#[tripod::observe(name = "ml.score")]
fn score(text: &str) -> Result<f64, ModelError> {
    Ok(text.len() as f64 / 10.0)
}

trait Shape {
    fn area(&self) -> f64;
}

impl Shape for Model {
    #[tripod::observe(name = "shape.area")]
    fn area(&self) -> f64 {
        1.0
    }
}

impl Model {
    #[tripod::observe(name = "model.by_ref")]
    fn by_ref(&self) -> u8 {
        0
    }
}

/// Exports what `f` emits. Serialized: subscribers installed for a thread while other threads
/// create and drop theirs race in `tracing-core`'s callsite interest cache.
fn export(f: impl FnOnce()) -> Vec<SpanData> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("tripod-tests"));
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
    provider.force_flush().unwrap();
    exporter.get_finished_spans().unwrap()
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

#[test]
fn a_successful_call_exports_a_span_with_code_attributes_and_no_status() {
    let spans = export(|| {
        predict("hello").unwrap();
    });
    let span = named(&spans, "ml.inference");
    assert_eq!(
        attribute(span, "code.function.name"),
        Some(&Value::from("context::opentelemetry::predict"))
    );
    assert_eq!(
        attribute(span, "code.file.path"),
        Some(&Value::from("tests/tests/context/opentelemetry.rs"))
    );
    assert!(matches!(attribute(span, "code.line.number"), Some(Value::I64(line)) if *line > 0));
    for key in ["code.function.name", "code.file.path", "code.line.number"] {
        let count = span
            .attributes
            .iter()
            .filter(|kv| kv.key.as_str() == key)
            .count();
        assert_eq!(count, 1, "{key} once: {:?}", span.attributes);
    }
    // tracing-opentelemetry 0.34 exports unsigned integers as strings (it has no `record_u64`).
    assert_eq!(
        attribute(span, "input.length").map(|v| v.to_string()),
        Some("5".into())
    );
    assert_eq!(attribute(span, "model"), Some(&Value::from("classifier")));
    assert_eq!(span.status, Status::Unset);
    let events: Vec<_> = span.events.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(events, ["ml.inference.start", "ml.inference.success"]);
}

#[test]
fn a_nested_call_is_a_child_span_in_the_same_trace() {
    let spans = export(|| {
        predict("hello").unwrap();
    });
    let outer = named(&spans, "ml.inference");
    let inner = named(&spans, "ml.score");
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
    assert_eq!(inner.span_context.trace_id(), outer.span_context.trace_id());
}

#[test]
fn a_failing_call_exports_status_error_with_the_message_and_error_type() {
    let spans = export(|| {
        predict("").unwrap_err();
    });
    let span = named(&spans, "ml.inference");
    assert_eq!(span.status, Status::error("model not loaded"));
    assert_eq!(
        attribute(span, "error.type"),
        Some(&Value::from("NotLoaded"))
    );
}

#[test]
fn methods_export_their_fully_qualified_path() {
    let spans = export(|| {
        Model.area();
        Model.by_ref();
    });
    assert_eq!(
        attribute(named(&spans, "shape.area"), "code.function.name"),
        Some(&Value::from(
            "<context::opentelemetry::Model as context::opentelemetry::Shape>::area"
        ))
    );
    assert_eq!(
        attribute(named(&spans, "model.by_ref"), "code.function.name"),
        Some(&Value::from("context::opentelemetry::Model::by_ref"))
    );
}
