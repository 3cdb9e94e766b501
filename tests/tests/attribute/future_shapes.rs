//! Functions that return a future (`-> impl Future` with an `async move` block, `#[async_trait]`
//! methods) are observed as the future: nothing happens at construction, the span covers every
//! poll of the body, and the outcome is that of the awaited value.

use crate::support;

use std::future::Future;

use async_trait::async_trait;
use support::capture_async;

#[tripod::observe(name = "load.later")]
fn load_later(id: u32) -> impl Future<Output = Result<u32, std::io::Error>> + Send {
    // Work done when the future is built, before it is observed.
    let id = id.min(1_000);
    async move {
        tokio::task::yield_now().await;
        tracing::info!("loading");
        if id == 0 {
            Err(std::io::ErrorKind::NotFound.into())
        } else {
            Ok(id)
        }
    }
}

#[async_trait]
trait Repository {
    async fn find(&self, id: u32) -> Result<String, std::io::Error>;
}

struct Memory;

#[async_trait]
impl Repository for Memory {
    #[tripod::observe(name = "db.todos.find", fields(todo.id = id))]
    async fn find(&self, id: u32) -> Result<String, std::io::Error> {
        tokio::task::yield_now().await;
        tracing::info!("querying");
        if id == 0 {
            Err(std::io::ErrorKind::NotFound.into())
        } else {
            Ok(format!("todo {id}"))
        }
    }
}

#[test]
fn constructing_the_future_records_nothing_awaiting_it_records_the_call() {
    let (messages_before_await, telemetry, metrics) = capture_async(async {
        let future = load_later(3);
        let before = support::tracing_capture::current_messages();
        assert_eq!(future.await.unwrap(), 3);
        before
    });
    assert!(
        messages_before_await.is_empty(),
        "{messages_before_await:?}"
    );
    assert_eq!(
        telemetry.messages(),
        ["load.later.start", "loading", "load.later.success"]
    );
    let span = telemetry.span("load.later").id;
    assert_eq!(
        telemetry.event("loading").span,
        Some(span),
        "the body runs inside the span"
    );
    let durations = [("name", "load.later"), ("outcome", "success")];
    assert_eq!(
        metrics
            .snapshot()
            .histogram("operation_duration_seconds", &durations)
            .len(),
        1
    );
}

#[test]
fn an_impl_future_err_is_a_failure() {
    let (_, telemetry, _) = capture_async(load_later(0));
    assert_eq!(
        telemetry
            .event("load.later.failure")
            .field("error.type")
            .unwrap()
            .text(),
        "NotFound"
    );
}

#[test]
fn an_async_trait_method_is_observed_around_its_awaited_body() {
    let (found, telemetry, metrics) = capture_async(async {
        let future = Memory.find(7);
        assert!(support::tracing_capture::current_messages().is_empty());
        future.await
    });
    assert_eq!(found.unwrap(), "todo 7");
    assert_eq!(
        telemetry.messages(),
        ["db.todos.find.start", "querying", "db.todos.find.success"]
    );
    let span = telemetry.span("db.todos.find");
    assert_eq!(telemetry.event("querying").span, Some(span.id));
    assert_eq!(span.fields["todo.id"].text(), "7");
    assert_eq!(
        span.fields["code.function.name"].text(),
        "<attribute::future_shapes::Memory as attribute::future_shapes::Repository>::find"
    );
    let durations = [("name", "db.todos.find"), ("outcome", "success")];
    assert_eq!(
        metrics
            .snapshot()
            .histogram("operation_duration_seconds", &durations)
            .len(),
        1
    );
}

#[test]
fn an_async_trait_err_is_a_failure() {
    let (_, telemetry, metrics) = capture_async(Memory.find(0));
    assert_eq!(
        telemetry
            .event("db.todos.find.failure")
            .field("error.type")
            .unwrap()
            .text(),
        "NotFound"
    );
    let errors = [("name", "db.todos.find"), ("error_type", "NotFound")];
    assert_eq!(
        metrics
            .snapshot()
            .counter("operation_errors_total", &errors),
        1
    );
}

/// futures' `BoxFuture`, as a crate would alias it.
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[allow(clippy::manual_async_fn)]
#[tripod::observe(name = "plain.block")]
fn plain_block(_id: u32) -> impl Future<Output = Result<u32, std::io::Error>> {
    async {
        tokio::task::yield_now().await;
        tracing::info!("in the plain block");
        Err(std::io::ErrorKind::NotFound.into())
    }
}

#[tripod::observe(name = "boxed.block")]
fn boxed_block() -> std::pin::Pin<Box<dyn Future<Output = Result<u32, std::io::Error>>>> {
    Box::pin(async {
        tokio::task::yield_now().await;
        tracing::info!("in the boxed block");
        Err(std::io::ErrorKind::TimedOut.into())
    })
}

struct Loader(u32);

impl Loader {
    #[tripod::observe(name = "box.future", ret)]
    fn load(&self) -> BoxFuture<'_, Result<u32, std::io::Error>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            tracing::info!("in the box future");
            Ok(self.0)
        })
    }
}

#[test]
fn a_non_move_async_block_is_timed_as_the_future_and_its_err_is_a_failure() {
    let (result, telemetry, metrics) = capture_async(async {
        let future = plain_block(1);
        assert!(support::tracing_capture::current_messages().is_empty());
        future.await
    });
    assert!(result.is_err());
    assert_eq!(
        telemetry.messages(),
        [
            "plain.block.start",
            "in the plain block",
            "plain.block.failure"
        ]
    );
    assert_eq!(
        telemetry.event("in the plain block").span,
        Some(telemetry.span("plain.block").id),
        "the body's events are inside the span"
    );
    let failures = [("name", "plain.block"), ("outcome", "failure")];
    assert_eq!(
        metrics
            .snapshot()
            .histogram("operation_duration_seconds", &failures)
            .len(),
        1
    );
}

#[test]
fn a_box_pinned_non_move_block_is_timed_as_the_future_and_its_err_is_a_failure() {
    let (result, telemetry, metrics) = capture_async(async {
        let future = boxed_block();
        assert!(support::tracing_capture::current_messages().is_empty());
        future.await
    });
    assert!(result.is_err());
    assert_eq!(
        telemetry.messages(),
        [
            "boxed.block.start",
            "in the boxed block",
            "boxed.block.failure"
        ]
    );
    assert_eq!(
        telemetry.event("in the boxed block").span,
        Some(telemetry.span("boxed.block").id)
    );
    let errors = [("name", "boxed.block"), ("error_type", "TimedOut")];
    assert_eq!(
        metrics
            .snapshot()
            .counter("operation_errors_total", &errors),
        1
    );
}

#[test]
fn a_box_future_records_the_awaited_value_not_the_future() {
    let (result, telemetry, _) = capture_async(Loader(5).load());
    assert_eq!(result.unwrap(), 5);
    assert_eq!(
        telemetry.messages(),
        [
            "box.future.start",
            "in the box future",
            "box.future.success"
        ]
    );
    assert_eq!(
        telemetry
            .event("box.future.success")
            .field("return")
            .unwrap()
            .text(),
        "Ok(5)",
        "`ret` records the output, so the future need not be Debug"
    );
}
