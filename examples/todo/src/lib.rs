//! The todo + ML-predict service, observed end to end with tripod: every handler, repository
//! function and the model carry `#[tripod::observe]`, and `tripod::axum::observe(app)` records the
//! HTTP metrics and server spans.

pub mod app;
pub mod db;
pub mod error;
pub mod faults;
pub mod model;
pub mod model_metrics;
pub mod predictor;
pub mod remote_model;
pub mod routes;

pub use app::{AppState, app};
