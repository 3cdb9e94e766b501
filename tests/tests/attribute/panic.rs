//! A call that panics: recorded as outcome `panic` with its message, and the panic keeps unwinding.

use crate::support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use support::{Field, capture, capture_async};
use tracing::Level;

#[tripod::observe(name = "parse.config")]
fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    if input.is_empty() {
        panic!("config must not be empty (got {:?})", input);
    }
    input.parse()
}

#[tripod::observe(name = "boom.async")]
async fn boom() -> u8 {
    tokio::task::yield_now().await;
    std::panic::panic_any(17_u32)
}

#[test]
fn a_panic_still_propagates_to_the_caller() {
    let (caught, _, _) = capture(|| catch_unwind(|| parse("")));
    let payload = caught.expect_err("the panic must reach the caller");
    assert_eq!(
        payload.downcast_ref::<String>().unwrap(),
        "config must not be empty (got \"\")"
    );
}

#[test]
fn a_panic_logs_failure_with_error_type_panic_and_its_message() {
    let (_, telemetry, _) = capture(|| catch_unwind(|| parse("")));
    assert_eq!(
        telemetry.messages(),
        ["parse.config.start", "parse.config.failure"]
    );
    let failure = telemetry.event("parse.config.failure");
    assert_eq!(failure.level, Level::ERROR);
    assert_eq!(
        failure.field("error.type"),
        Some(&Field::Str("panic".into()))
    );
    assert_eq!(
        failure.field("error").unwrap().text(),
        "config must not be empty (got \"\")"
    );
    let span = telemetry.span("parse.config");
    assert_eq!(span.fields["error.type"], Field::Str("panic".into()));
}

#[test]
fn a_panic_is_recorded_once_as_outcome_panic_and_counted_as_an_error() {
    let (_, _, metrics) = capture(|| catch_unwind(|| parse("")));
    let snapshot = metrics.snapshot();
    let panics = [("name", "parse.config"), ("outcome", "panic")];
    assert_eq!(
        snapshot
            .histogram("operation_duration_seconds", &panics)
            .len(),
        1
    );
    assert!(
        snapshot
            .find("operation_duration_seconds", &[("outcome", "success")])
            .is_empty()
    );
    assert!(
        snapshot
            .find("operation_duration_seconds", &[("outcome", "cancelled")])
            .is_empty()
    );
    assert_eq!(
        snapshot.counter(
            "operation_errors_total",
            &[("name", "parse.config"), ("error_type", "panic")]
        ),
        1
    );
    assert_eq!(
        snapshot.gauge("operation_in_flight", &[("name", "parse.config")]),
        0.0
    );
}

#[test]
fn a_panic_in_an_async_body_is_recorded_and_propagates() {
    let (caught, telemetry, metrics) =
        capture_async(async { AssertUnwindSafe(boom()).catch_unwind_here().await });
    assert!(caught.is_err());
    let failure = telemetry.event("boom.async.failure");
    assert_eq!(failure.field("error.type").unwrap().text(), "panic");
    assert_eq!(
        failure.field("error"),
        None,
        "a non-string payload has no message"
    );
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot
            .histogram(
                "operation_duration_seconds",
                &[("name", "boom.async"), ("outcome", "panic")]
            )
            .len(),
        1
    );
    assert_eq!(
        snapshot.gauge("operation_in_flight", &[("name", "boom.async")]),
        0.0
    );
}

/// `catch_unwind` for a future, without pulling in the `futures` crate.
trait CatchUnwind: std::future::Future + Sized {
    fn catch_unwind_here(self) -> CaughtUnwind<Self> {
        CaughtUnwind(Box::pin(self))
    }
}
impl<F: std::future::Future> CatchUnwind for AssertUnwindSafe<F> {}

struct CaughtUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CaughtUnwind<F> {
    type Output = std::thread::Result<F::Output>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let future = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(std::task::Poll::Ready(value)) => std::task::Poll::Ready(Ok(value)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    }
}
