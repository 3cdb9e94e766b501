//! `POST /api/predict`: the sentiment of a text.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{AppError, AppJson};
use crate::model::Prediction;

/// The longest text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 10_000;

/// The body of `POST /api/predict`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictRequest {
    /// The text to classify.
    pub text: String,
}

/// Classifies the text.
#[tripod::observe(
    name = "api.predict",
    fields(input.length = request.text.len()),
    objective(success = 99.5)
)]
pub async fn predict(
    State(state): State<AppState>,
    AppJson(request): AppJson<PredictRequest>,
) -> Result<Json<Prediction>, AppError> {
    if request.text.trim().is_empty() {
        return Err(AppError::Invalid("text must not be empty".into()));
    }
    if request.text.len() > MAX_TEXT_BYTES {
        return Err(AppError::Invalid(format!(
            "text must be at most {MAX_TEXT_BYTES} bytes"
        )));
    }
    Ok(Json(state.predictor.predict(&request.text).await?))
}
