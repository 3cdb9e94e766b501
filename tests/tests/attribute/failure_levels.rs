//! Expected failures do not page anyone: an error's `#[error_type(level = "warn")]` or the
//! attribute's `failure_level` logs the failure at that level and leaves the span's status unset,
//! while `outcome="failure"`, `operation_errors_total` and `error.type` stay as for any failure.

use crate::support;

use support::capture;
use tracing::Level;

#[derive(Debug, thiserror::Error, tripod::ErrorType)]
enum ApiError {
    #[error("todo {0} not found")]
    #[error_type(level = "warn")]
    NotFound(u64),
    #[error("database down")]
    Database,
}

#[derive(Debug, thiserror::Error, tripod::ErrorType)]
#[error_type(level = "info")]
enum Validation {
    #[error("title is empty")]
    EmptyTitle,
    #[error("storage failed")]
    #[error_type("storage", level = "error")]
    Storage,
}

#[tripod::observe(name = "todo.get")]
fn get(error: ApiError) -> Result<(), ApiError> {
    Err(error)
}

#[tripod::observe(name = "todo.validate")]
fn validate(error: Validation) -> Result<(), Validation> {
    Err(error)
}

#[tripod::observe(name = "todo.lookup", failure_level = "debug")]
fn lookup() -> Result<(), ApiError> {
    Err(ApiError::Database)
}

#[test]
fn a_warn_level_error_is_a_warning_with_no_span_error_status_but_still_a_failure() {
    let (_, telemetry, metrics) = capture(|| get(ApiError::NotFound(7)));
    let failure = telemetry.event("todo.get.failure");
    assert_eq!(failure.level, Level::WARN);
    assert_eq!(failure.field("error.type").unwrap().text(), "NotFound");
    let span = telemetry.span("todo.get");
    assert_eq!(span.fields["error.type"].text(), "NotFound");
    assert!(
        !span.fields.contains_key("otel.status_description"),
        "status unset: {:?}",
        span.fields
    );
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot
            .histogram(
                "operation_duration_seconds",
                &[("name", "todo.get"), ("outcome", "failure")]
            )
            .len(),
        1
    );
    assert_eq!(
        snapshot.counter(
            "operation_errors_total",
            &[("name", "todo.get"), ("error_type", "NotFound")]
        ),
        1
    );
}

#[test]
fn errors_without_a_level_stay_errors_with_an_error_status() {
    let (_, telemetry, _) = capture(|| get(ApiError::Database));
    assert_eq!(telemetry.event("todo.get.failure").level, Level::ERROR);
    assert_eq!(
        telemetry.span("todo.get").fields["otel.status_description"].text(),
        "database down"
    );
}

#[test]
fn an_enums_level_applies_to_variants_without_their_own() {
    let (_, telemetry, _) = capture(|| {
        let _ = validate(Validation::EmptyTitle);
        let _ = validate(Validation::Storage);
    });
    let levels: Vec<(Level, String)> = telemetry
        .events()
        .into_iter()
        .filter(|event| event.message == "todo.validate.failure")
        .map(|event| (event.level, event.field("error.type").unwrap().text()))
        .collect();
    assert_eq!(
        levels,
        [
            (Level::INFO, "EmptyTitle".to_owned()),
            (Level::ERROR, "storage".to_owned())
        ]
    );
}

#[test]
fn the_attributes_failure_level_overrides_the_errors() {
    let (_, telemetry, metrics) = capture(lookup);
    assert_eq!(telemetry.event("todo.lookup.failure").level, Level::DEBUG);
    assert!(
        !telemetry
            .span("todo.lookup")
            .fields
            .contains_key("otel.status_description")
    );
    assert_eq!(
        metrics.snapshot().counter(
            "operation_errors_total",
            &[("name", "todo.lookup"), ("error_type", "Database")]
        ),
        1
    );
}
