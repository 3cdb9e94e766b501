//! An observed axum handler is still a handler: its future is `Send`, `Router::route` accepts it,
//! and a request through the router emits the handler's telemetry.

mod support;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower::ServiceExt;

#[derive(Clone, Default)]
struct AppState {
    todos: Arc<tokio::sync::Mutex<Vec<String>>>,
}

#[tripod::observe(name = "todo.create", fields(title.length = body.len()))]
async fn create(State(state): State<AppState>, body: String) -> (StatusCode, Json<usize>) {
    let mut todos = state.todos.lock().await;
    todos.push(body);
    (StatusCode::CREATED, Json(todos.len()))
}

#[tripod::observe(name = "todo.get")]
async fn get_one(
    State(state): State<AppState>,
    Path(id): Path<usize>,
) -> Result<String, StatusCode> {
    let todos = state.todos.lock().await;
    todos.get(id).cloned().ok_or(StatusCode::NOT_FOUND)
}

#[tripod::observe(name = "health")]
async fn health() -> impl IntoResponse {
    "ok"
}

fn app(state: AppState) -> Router {
    Router::new()
        .route("/todos", post(create))
        .route("/todos/{id}", get(get_one))
        .route("/healthz", get(health))
        .with_state(state)
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn an_observed_handler_future_is_send() {
    let state = AppState::default();
    let future = get_one(State(state), Path(0));
    assert_send(&future);
}

#[test]
fn requests_through_the_router_emit_the_handlers_telemetry() {
    let (statuses, telemetry, metrics) = support::capture_async(async {
        let app = app(AppState::default());
        let created = app
            .clone()
            .oneshot(
                Request::post("/todos")
                    .body(Body::from("Read paper"))
                    .unwrap(),
            )
            .await
            .unwrap()
            .status();
        let found = app
            .clone()
            .oneshot(Request::get("/todos/0").body(Body::empty()).unwrap())
            .await
            .unwrap()
            .status();
        let missing = app
            .clone()
            .oneshot(Request::get("/todos/9").body(Body::empty()).unwrap())
            .await
            .unwrap()
            .status();
        let health = app
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap()
            .status();
        [created, found, missing, health]
    });
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::OK,
            StatusCode::NOT_FOUND,
            StatusCode::OK
        ]
    );
    assert_eq!(
        telemetry.messages(),
        [
            "todo.create.start",
            "todo.create.success",
            "todo.get.start",
            "todo.get.success",
            "todo.get.start",
            "todo.get.failure",
            "health.start",
            "health.success"
        ]
    );
    let missing = telemetry
        .events()
        .into_iter()
        .find(|e| e.message == "todo.get.failure")
        .unwrap();
    assert_eq!(missing.field("error.type").unwrap().text(), "StatusCode");
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot.counter(
            "operation_errors_total",
            &[("name", "todo.get"), ("error_type", "StatusCode")]
        ),
        1
    );
    assert_eq!(
        telemetry.span("todo.create").fields["title.length"].text(),
        "10"
    );
}
