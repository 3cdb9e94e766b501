//! An observed axum handler is still a handler: its future is `Send`, `Router::route` accepts it,
//! and a request through the router emits the handler's telemetry.

use crate::support;

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
    // A `StatusCode` error is named by its code, and below 500 it is a warning.
    assert_eq!(missing.field("error.type").unwrap().text(), "404");
    assert_eq!(missing.level, tracing::Level::WARN);
    let snapshot = metrics.snapshot();
    assert_eq!(
        snapshot.counter(
            "operation_errors_total",
            &[("name", "todo.get"), ("error_type", "404")]
        ),
        1
    );
    assert_eq!(
        telemetry.span("todo.create").fields["title.length"].text(),
        "10"
    );
}

/// A handler's error as axum users write it: a status with a body.
#[tripod::observe(name = "todo.title")]
async fn title(Path(id): Path<usize>) -> Result<String, (StatusCode, String)> {
    match id {
        0 => Ok("Read paper".to_owned()),
        7 => Err((
            StatusCode::BAD_GATEWAY,
            "the title store is down".to_owned(),
        )),
        _ => Err((StatusCode::NOT_FOUND, format!("no todo {id}"))),
    }
}

/// axum's own rejection, returned by the handler that took it.
#[tripod::observe(name = "todo.rename")]
async fn rename(
    body: Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<String, axum::extract::rejection::JsonRejection> {
    let axum::Json(rename) = body?;
    Ok(rename["title"].to_string())
}

#[test]
fn status_code_errors_and_rejections_are_named_by_their_status_and_warn_below_500() {
    let (statuses, telemetry, metrics) = support::capture_async(async {
        let app: Router = Router::new()
            .route("/titles/{id}", get(title))
            .route("/rename", post(rename));
        let mut statuses = Vec::new();
        for path in ["/titles/0", "/titles/9", "/titles/7"] {
            let answer = app
                .clone()
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            statuses.push(answer.status());
        }
        let malformed = app
            .oneshot(
                Request::post("/rename")
                    .header("content-type", "application/json")
                    .body(Body::from("{not json"))
                    .unwrap(),
            )
            .await
            .unwrap();
        statuses.push(malformed.status());
        statuses
    });
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::NOT_FOUND,
            StatusCode::BAD_GATEWAY,
            StatusCode::BAD_REQUEST
        ]
    );
    let failures: Vec<(String, tracing::Level, String)> = telemetry
        .events()
        .into_iter()
        .filter(|event| event.message.ends_with(".failure"))
        .map(|event| {
            (
                event.message.clone(),
                event.level,
                event.field("error.type").unwrap().text(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        [
            (
                "todo.title.failure".into(),
                tracing::Level::WARN,
                "404".into()
            ),
            (
                "todo.title.failure".into(),
                tracing::Level::ERROR,
                "502".into()
            ),
            (
                "todo.rename.failure".into(),
                tracing::Level::WARN,
                "400".into()
            ),
        ]
    );
    let snapshot = metrics.snapshot();
    for (name, error_type) in [
        ("todo.title", "404"),
        ("todo.title", "502"),
        ("todo.rename", "400"),
    ] {
        assert_eq!(
            snapshot.counter(
                "operation_errors_total",
                &[("name", name), ("error_type", error_type)]
            ),
            1,
            "{name} {error_type}"
        );
    }
    // Below 500 the span's status stays unset; from 500 it is an error.
    let errored: Vec<bool> = telemetry
        .spans()
        .iter()
        .filter(|span| span.name == "todo.title")
        .map(|span| span.fields.contains_key("otel.status_description"))
        .collect();
    assert_eq!(errored, [false, false, true]);
}
