//! `GET /healthz`: the service and its database answer.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, Uri};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::AppError;

/// `{"status": "ok"}` when the database answers.
#[tripod::observe(name = "health.check", level = "debug")]
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.todos.ping().await?;
    Ok(Json(json!({ "status": "ok" })))
}

/// Any path no route matches: a JSON 404.
pub async fn no_route(method: Method, uri: Uri) -> AppError {
    AppError::NoRoute(format!("no route for {method} {}", uri.path()))
}

/// A route's path with a method it does not serve: a JSON 405.
pub async fn method_not_allowed(method: Method, uri: Uri) -> AppError {
    AppError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}
