//! The viewer's routes: `/debug/traces`, `/debug/traces/{trace_id}` and `/debug/operations`,
//! each as HTML or, for `Accept: application/json`, as the JSON behind it.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::Viewer;
use super::pages;
use super::store::TraceFilter;

/// The most traces a list shows.
const LIST_LIMIT: usize = 200;

/// The router, with `viewer` as its state.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(viewer: Viewer) -> axum::Router<S> {
    axum::Router::new()
        .route("/debug/traces", get(traces))
        .route("/debug/traces/{trace_id}", get(trace))
        .route("/debug/operations", get(operations))
        .route("/debug/objectives", get(objectives))
        .with_state(viewer)
}

/// Whether the client asked for JSON.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// The list's query: every field optional, empty meaning unset (as an HTML form sends them).
#[derive(Debug, Deserialize)]
struct ListQuery {
    operation: Option<String>,
    span: Option<String>,
    failed: Option<String>,
    min_ms: Option<String>,
    trace_id: Option<String>,
}

impl ListQuery {
    fn filter(self) -> TraceFilter {
        let set =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        TraceFilter {
            operation: set(self.operation),
            span: set(self.span),
            failed_only: set(self.failed).is_some_and(|v| v != "0" && v != "false"),
            min_duration: set(self.min_ms)
                .and_then(|ms| ms.parse::<u64>().ok())
                .map(Duration::from_millis),
            trace_id: set(self.trace_id),
        }
    }
}

async fn traces(
    State(viewer): State<Viewer>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let filter = query.filter();
    let summaries = viewer.store.list(&filter, LIST_LIMIT);
    if wants_json(&headers) {
        return Json(summaries).into_response();
    }
    // A whole trace id pasted in the search box goes straight to its trace.
    if let Some(id) = &filter.trace_id
        && id.len() == 32
        && let [only] = summaries.as_slice()
        && &only.trace_id == id
    {
        return Redirect::to(&format!("/debug/traces/{id}")).into_response();
    }
    Html(pages::traces(
        &summaries,
        &filter,
        &viewer.store.operations(),
    ))
    .into_response()
}

async fn trace(
    State(viewer): State<Viewer>,
    headers: HeaderMap,
    Path(trace_id): Path<String>,
) -> Response {
    let trace_id = trace_id.to_ascii_lowercase();
    match viewer.store.trace(&trace_id) {
        Some(trace) if wants_json(&headers) => Json(trace).into_response(),
        Some(trace) => Html(pages::trace(&trace)).into_response(),
        None if wants_json(&headers) => (
            StatusCode::NOT_FOUND,
            Json(
                serde_json::json!({ "error": format!("no trace {trace_id} in the recent traces") }),
            ),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Html(pages::trace_not_found(&trace_id)),
        )
            .into_response(),
    }
}

async fn operations(State(viewer): State<Viewer>, headers: HeaderMap) -> Response {
    let spans = viewer
        .store
        .recent_durations(super::operations::window_start());
    let stats = viewer.operations.stats(&spans);
    if wants_json(&headers) {
        return Json(stats).into_response();
    }
    Html(pages::operations(&stats)).into_response()
}

async fn objectives(State(viewer): State<Viewer>, headers: HeaderMap) -> Response {
    viewer.operations.read();
    let statuses = super::objectives::statuses(&viewer.operations);
    if wants_json(&headers) {
        return Json(statuses).into_response();
    }
    Html(pages::objectives(&statuses)).into_response()
}
