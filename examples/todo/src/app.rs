//! The router and its state.

use axum::Router;
use axum::routing::{get, post};

use crate::db::Todos;
use crate::predictor::Predictor;
use crate::routes::{health, predict, todos};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The todo table.
    pub todos: Todos,
    /// The model predictions come from.
    pub predictor: Predictor,
}

/// The whole API, every request it answers observed by `tripod::axum::observe` (unknown paths
/// and wrong methods too; unknown paths are counted under one `unmatched` endpoint label); a
/// function so tests can call it without starting a server. `/metrics` is mounted by `main` (it
/// needs the installed recorder's handle), outside the observed app.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/todos", post(todos::create).get(todos::list))
        .route(
            "/api/todos/{id}",
            get(todos::get).patch(todos::update).delete(todos::delete),
        )
        .route("/api/predict", post(predict::predict))
        .route("/healthz", get(health::health))
        .fallback(health::no_route)
        .method_not_allowed_fallback(health::method_not_allowed)
        .with_state(state);
    tripod::axum::observe(api)
}
