//! A call that returns normally: one span, `start` then `success`, a `success` duration sample.

use crate::support;

use support::{Field, capture, capture_async};
use tracing::Level;

#[tripod::observe(name = "todo.create", fields(title = %title, user.id = user_id))]
fn create(title: &str, user_id: u64) -> Result<u64, std::io::Error> {
    tracing::info!("inside");
    Ok(title.len() as u64 + user_id)
}

#[tripod::observe]
#[allow(non_snake_case)]
async fn Load_Todos(count: usize) -> Vec<u32> {
    tokio::task::yield_now().await;
    (0..count as u32).collect()
}

#[test]
fn a_successful_call_emits_a_span_with_code_attributes() {
    let (value, telemetry, _) = capture(|| create("Read paper", 42));
    assert_eq!(value.unwrap(), 52);
    let span = telemetry.span("todo.create");
    assert_eq!(span.level, Level::INFO);
    assert_eq!(span.target, module_path!());
    assert_eq!(
        span.fields["code.function.name"],
        Field::Str("attribute::success::create".into())
    );
    // File and line are the span's metadata, which exporters turn into `code.file.path` and
    // `code.line.number`; the line is the function's.
    assert_eq!(
        span.file.as_deref(),
        Some("tests/tests/attribute/success.rs")
    );
    assert_eq!(span.line, Some(9));
    assert_eq!(span.fields["title"], Field::Debug("Read paper".into()));
    assert_eq!(span.fields["user.id"], Field::U64(42));
    assert!(!span.fields.contains_key("error.type"));
    assert!(!span.fields.contains_key("otel.status_description"));
}

#[test]
fn a_successful_call_logs_start_then_success_inside_its_span() {
    let (_, telemetry, _) = capture(|| create("Read paper", 42));
    assert_eq!(
        telemetry.messages(),
        ["todo.create.start", "inside", "todo.create.success"]
    );
    let span = telemetry.span("todo.create").id;
    let start = telemetry.event("todo.create.start");
    assert_eq!(start.level, Level::INFO);
    assert_eq!(start.span, Some(span));
    assert_eq!(start.field("user.id"), Some(&Field::U64(42)));
    assert_eq!(
        start.field("title"),
        Some(&Field::Debug("Read paper".into()))
    );
    let success = telemetry.event("todo.create.success");
    assert_eq!(success.level, Level::INFO);
    assert_eq!(success.target, module_path!());
    assert_eq!(success.span, Some(span));
    assert!(matches!(success.field("duration_ms"), Some(Field::F64(ms)) if *ms >= 0.0));
    assert_eq!(success.field("return"), None);
}

#[test]
fn a_successful_call_records_one_success_duration_and_leaves_nothing_in_flight() {
    let (_, _, metrics) = capture(|| create("Read paper", 42));
    let snapshot = metrics.snapshot();
    let durations = snapshot.histogram(
        "operation_duration_seconds",
        &[("name", "todo.create"), ("outcome", "success")],
    );
    assert_eq!(durations.len(), 1);
    assert!(durations[0].is_finite() && durations[0] >= 0.0);
    assert_eq!(
        snapshot.gauge("operation_in_flight", &[("name", "todo.create")]),
        0.0
    );
    assert!(snapshot.find("operation_errors_total", &[]).is_empty());
    assert!(
        snapshot
            .find("operation_duration_seconds", &[("outcome", "failure")])
            .is_empty()
    );
}

#[test]
fn an_async_call_defaults_its_name_to_the_lower_cased_function_name() {
    let (value, telemetry, metrics) = capture_async(Load_Todos(3));
    assert_eq!(value, [0, 1, 2]);
    assert_eq!(
        telemetry.messages(),
        ["load_todos.start", "load_todos.success"]
    );
    assert_eq!(
        telemetry.span("load_todos").fields["code.function.name"],
        Field::Str("attribute::success::Load_Todos".into())
    );
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot
            .histogram(
                "operation_duration_seconds",
                &[("name", "load_todos"), ("outcome", "success")]
            )
            .len(),
        1
    );
}

#[test]
fn calls_are_counted_each_time() {
    let (_, telemetry, metrics) = capture(|| {
        for i in 0..5 {
            create("x", i).unwrap();
        }
    });
    assert_eq!(telemetry.spans().len(), 5);
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot
            .histogram(
                "operation_duration_seconds",
                &[("name", "todo.create"), ("outcome", "success")]
            )
            .len(),
        5
    );
}
