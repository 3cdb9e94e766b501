//! `/api/todos`: create, list, get, update and delete todos.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{Page, Todo};
use crate::error::{AppError, AppJson, AppPath, AppQuery};

/// The longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The most todos one page returns.
pub const MAX_PAGE: i64 = 100;

/// The body of `POST /api/todos`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTodo {
    /// 1 to 200 characters.
    pub title: String,
    /// The owner.
    pub user_id: i64,
}

/// The body of `PATCH /api/todos/{id}`: the fields to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TodoChanges {
    /// A new title.
    pub title: Option<String>,
    /// A new done flag.
    pub done: Option<bool>,
}

/// The query of `GET /api/todos`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Only this user's todos.
    pub user_id: Option<i64>,
    /// Page size, 1 to 100 (default 50).
    pub limit: Option<i64>,
    /// Todos to skip (default 0).
    pub offset: Option<i64>,
}

/// A title is 1 to [`MAX_TITLE_CHARS`] characters, not all blank.
fn checked_title(title: &str) -> Result<&str, AppError> {
    let trimmed = title.trim();
    if trimmed.is_empty() {
        return Err(AppError::Invalid("title must not be empty".into()));
    }
    if trimmed.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::Invalid(format!(
            "title must be at most {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(trimmed)
}

/// `POST /api/todos`: 201 with the new todo.
#[tripod::observe(
    name = "todo.create",
    fields(user.id = new.user_id, title.length = new.title.len()),
    objective(success = 99.9, latency = "100ms")
)]
pub async fn create(
    State(state): State<AppState>,
    AppJson(new): AppJson<NewTodo>,
) -> Result<(StatusCode, Json<Todo>), AppError> {
    let title = checked_title(&new.title)?;
    let todo = state.todos.insert(title, new.user_id).await?;
    Ok((StatusCode::CREATED, Json(todo)))
}

/// `GET /api/todos`: a page of todos.
#[tripod::observe(name = "todo.list", objective(success = 99.9, latency = "100ms"))]
pub async fn list(
    State(state): State<AppState>,
    AppQuery(query): AppQuery<ListQuery>,
) -> Result<Json<Vec<Todo>>, AppError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::Invalid(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let offset = query.offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::Invalid("offset must not be negative".into()));
    }
    Ok(Json(
        state
            .todos
            .list(Page {
                user_id: query.user_id,
                limit,
                offset,
            })
            .await?,
    ))
}

/// `GET /api/todos/{id}`.
#[tripod::observe(name = "todo.get", fields(todo.id = id))]
pub async fn get(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<Json<Todo>, AppError> {
    state
        .todos
        .get(id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound(id))
}

/// `PATCH /api/todos/{id}`.
#[tripod::observe(name = "todo.update", fields(todo.id = id))]
pub async fn update(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    AppJson(changes): AppJson<TodoChanges>,
) -> Result<Json<Todo>, AppError> {
    let title = changes.title.as_deref().map(checked_title).transpose()?;
    state
        .todos
        .update(id, title, changes.done)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound(id))
}

/// `DELETE /api/todos/{id}`: 204.
#[tripod::observe(name = "todo.delete", fields(todo.id = id))]
pub async fn delete(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, AppError> {
    if state.todos.delete(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(id))
    }
}
