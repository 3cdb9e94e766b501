//! Functions that return a future (`-> impl Future` with an `async move` block, `#[async_trait]`
//! methods) are observed as the future: nothing happens at construction, the span covers every
//! poll of the body, and the outcome is that of the awaited value.

mod support;

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
        "<future_shapes::Memory as future_shapes::Repository>::find"
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
