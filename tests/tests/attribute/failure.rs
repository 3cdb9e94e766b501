//! A call that returns `Err`: a failure event at ERROR, an error counter, the span marked failed.
//! Failure is detected by type, under any alias of `Result`, never by spelling.

use crate::support;

use std::io;

use support::{Field, capture};
use tracing::Level;

#[derive(Debug, thiserror::Error, tripod::ErrorType)]
enum ModelError {
    #[error("model timed out after {0} ms")]
    Timeout(u64),
    #[error("bad input")]
    BadInput(#[source] io::Error),
}

#[derive(Debug)]
#[allow(dead_code)]
struct OnlyDebug {
    code: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("input rejected")]
struct BadInput;

type AppResult<T> = Result<T, ModelError>;

#[tripod::observe(name = "ml.inference")]
fn predict(ms: u64) -> AppResult<&'static str> {
    Err(ModelError::Timeout(ms))
}

#[tripod::observe(name = "ml.wrapped")]
fn wrapped() -> Result<(), ModelError> {
    Err(ModelError::BadInput(io::Error::new(
        io::ErrorKind::InvalidData,
        "not utf-8",
    )))
}

#[tripod::observe(name = "fs.read")]
fn read(path: &str) -> io::Result<String> {
    std::fs::read_to_string(path)
}

#[tripod::observe(name = "any.fail")]
fn any_fail() -> anyhow::Result<()> {
    let inner = Err::<(), _>(io::Error::new(io::ErrorKind::TimedOut, "socket timed out"));
    anyhow::Context::context(inner, "fetching the model")?;
    Ok(())
}

#[tripod::observe(name = "boxed.fail")]
fn boxed_fail() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err(Box::new(BadInput))
}

#[tripod::observe(name = "plain.fail")]
fn plain_fail() -> Result<u8, BadInput> {
    Err(BadInput)
}

#[tripod::observe(name = "debug.fail")]
fn debug_fail() -> Result<u8, OnlyDebug> {
    Err(OnlyDebug { code: 7 })
}

#[tripod::observe(name = "early.return")]
fn early_return(fail: bool) -> Result<u8, BadInput> {
    if fail {
        return Err(BadInput);
    }
    let value: u8 = "5".parse().map_err(|_| BadInput)?;
    Ok(value)
}

#[tripod::observe(name = "question.mark")]
fn question_mark() -> Result<u32, ModelError> {
    let text = read_disk().map_err(ModelError::BadInput)?;
    Ok(text)
}

fn read_disk() -> io::Result<u32> {
    Err(io::Error::other("disk on fire"))
}

#[test]
fn a_failing_call_logs_failure_at_error_with_the_message_and_type() {
    let (result, telemetry, _) = capture(|| predict(250));
    assert!(matches!(result, Err(ModelError::Timeout(250))));
    assert_eq!(
        telemetry.messages(),
        ["ml.inference.start", "ml.inference.failure"]
    );
    let failure = telemetry.event("ml.inference.failure");
    assert_eq!(failure.level, Level::ERROR);
    assert_eq!(
        failure.field("error").unwrap().text(),
        "model timed out after 250 ms"
    );
    assert_eq!(
        failure.field("error.type"),
        Some(&Field::Str("Timeout".into()))
    );
    assert!(matches!(failure.field("duration_ms"), Some(Field::F64(_))));
    assert_eq!(failure.field("error.sources"), None);
    assert_eq!(failure.span, Some(telemetry.span("ml.inference").id));
}

#[test]
fn a_failing_call_marks_its_span_with_error_type_and_status() {
    let (_, telemetry, _) = capture(|| predict(250));
    let span = telemetry.span("ml.inference");
    assert_eq!(span.fields["error.type"], Field::Str("Timeout".into()));
    assert_eq!(
        span.fields["otel.status_description"].text(),
        "model timed out after 250 ms"
    );
}

#[test]
fn a_failing_call_increments_operation_errors_total_with_error_type() {
    let (_, _, metrics) = capture(|| {
        let _ = predict(1);
        let _ = predict(2);
    });
    let snapshot = metrics.snapshot();
    let errors = [("name", "ml.inference"), ("error_type", "Timeout")];
    assert_eq!(snapshot.counter("operation_errors_total", &errors), 2);
    let failures = [("name", "ml.inference"), ("outcome", "failure")];
    assert_eq!(
        snapshot
            .histogram("operation_duration_seconds", &failures)
            .len(),
        2
    );
    assert!(
        snapshot
            .find("operation_duration_seconds", &[("outcome", "success")])
            .is_empty()
    );
    assert_eq!(
        snapshot.gauge("operation_in_flight", &[("name", "ml.inference")]),
        0.0
    );
}

#[test]
fn the_source_chain_is_logged_as_error_sources() {
    let (_, telemetry, _) = capture(wrapped);
    let failure = telemetry.event("ml.wrapped.failure");
    assert_eq!(failure.field("error").unwrap().text(), "bad input");
    assert_eq!(failure.field("error.type").unwrap().text(), "BadInput");
    assert_eq!(failure.field("error.sources").unwrap().text(), "not utf-8");
}

#[test]
fn an_io_error_is_typed_by_its_kind() {
    let (result, telemetry, metrics) = capture(|| read("/definitely/not/here"));
    assert!(result.is_err());
    assert_eq!(
        telemetry
            .event("fs.read.failure")
            .field("error.type")
            .unwrap()
            .text(),
        "NotFound"
    );
    let errors = [("name", "fs.read"), ("error_type", "NotFound")];
    assert_eq!(
        metrics
            .snapshot()
            .counter("operation_errors_total", &errors),
        1
    );
}

#[test]
fn an_anyhow_error_is_a_failure_with_its_context_chain() {
    let (result, telemetry, _) = capture(any_fail);
    assert!(result.is_err());
    let failure = telemetry.event("any.fail.failure");
    assert_eq!(failure.field("error").unwrap().text(), "fetching the model");
    assert_eq!(failure.field("error.type").unwrap().text(), "anyhow::Error");
    assert_eq!(
        failure.field("error.sources").unwrap().text(),
        "socket timed out"
    );
}

#[test]
fn a_boxed_error_is_a_failure_named_by_its_box() {
    let (_, telemetry, _) = capture(boxed_fail);
    let failure = telemetry.event("boxed.fail.failure");
    assert_eq!(failure.field("error").unwrap().text(), "input rejected");
    assert_eq!(
        failure.field("error.type").unwrap().text(),
        "Box<dyn Error + Send + Sync>"
    );
}

#[test]
fn an_error_without_error_type_is_labelled_by_its_short_type_name() {
    let (_, telemetry, metrics) = capture(plain_fail);
    assert_eq!(
        telemetry
            .event("plain.fail.failure")
            .field("error.type")
            .unwrap()
            .text(),
        "BadInput"
    );
    let errors = [("name", "plain.fail"), ("error_type", "BadInput")];
    assert_eq!(
        metrics
            .snapshot()
            .counter("operation_errors_total", &errors),
        1
    );
}

#[test]
fn an_error_without_display_is_logged_with_debug() {
    let (_, telemetry, _) = capture(debug_fail);
    assert_eq!(
        telemetry
            .event("debug.fail.failure")
            .field("error")
            .unwrap()
            .text(),
        "OnlyDebug { code: 7 }"
    );
}

#[test]
fn early_returns_and_question_marks_are_classified_by_the_value_returned() {
    let (_, telemetry, _) = capture(|| {
        assert_eq!(early_return(false).unwrap(), 5);
        assert!(early_return(true).is_err());
        assert!(question_mark().is_err());
    });
    assert_eq!(
        telemetry.messages(),
        [
            "early.return.start",
            "early.return.success",
            "early.return.start",
            "early.return.failure",
            "question.mark.start",
            "question.mark.failure"
        ]
    );
    assert_eq!(
        telemetry
            .event("question.mark.failure")
            .field("error.sources")
            .unwrap()
            .text(),
        "disk on fire"
    );
}

#[test]
fn the_message_is_never_the_error_type() {
    let (_, _, metrics) = capture(|| predict(99));
    let snapshot = metrics.snapshot();
    for series in snapshot.find("operation_errors_total", &[]) {
        for (_, value) in &series.labels {
            assert!(
                !value.contains("99"),
                "a label carries the message: {series:?}"
            );
        }
    }
}
