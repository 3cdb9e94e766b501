//! Helpers shared by the example's tests: a fresh app on a temporary SQLite file, and requests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use todo_app::db::{self, Todos};
use todo_app::model::Classifier;
use todo_app::{AppState, app};
use tower::ServiceExt;

/// A database file removed when dropped.
pub struct TempDb(pub PathBuf);

impl TempDb {
    /// A new, unused path.
    pub fn new() -> TempDb {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        TempDb(std::env::temp_dir().join(format!("todo-test-{}-{n}.db", std::process::id())))
    }

    /// Its sqlx URL.
    pub fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// The app on a fresh database.
pub async fn fresh_app(db: &TempDb) -> (Router, Todos) {
    let todos = Todos::new(db::connect(&db.url()).await.expect("the database opens"));
    let router = app(AppState {
        todos: todos.clone(),
        model: Arc::new(Classifier::shipped()),
    });
    (router, todos)
}

/// Sends a request; the status and the body as JSON (`Value::Null` for an empty body).
pub async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, value)
}
