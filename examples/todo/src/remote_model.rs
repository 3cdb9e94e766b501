//! The model served by another instance of this app: `POST {TODO_MODEL_URL}/api/predict`, over
//! hyper's client behind `tripod::client::ObserveLayer`, so the call gets a CLIENT span and the
//! other service continues the request's trace.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use tower::{Layer as _, ServiceExt as _};
use tripod::client::{Observe, ObserveLayer};

use crate::model::Prediction;

/// How long the other service may take to answer.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why the other service gave no prediction.
#[derive(Debug, thiserror::Error, tripod::ErrorType)]
pub enum RemoteError {
    /// It could not be reached, or the connection failed.
    #[error("the model service is unreachable: {0}")]
    Unreachable(String),
    /// It did not answer within the timeout.
    #[error("the model service did not answer within {} s", TIMEOUT.as_secs())]
    Timeout,
    /// It refused the input (a 4xx answer), with its message: the caller's mistake, logged at WARN.
    #[error("{message}")]
    #[error_type(level = "warn")]
    Refused {
        /// Its status.
        status: StatusCode,
        /// Its `error` message.
        message: String,
    },
    /// It failed (a 5xx answer) or answered something that is no prediction.
    #[error("the model service failed: {0}")]
    BadAnswer(String),
}

/// An error and its causes, joined by `": "` (hyper's own message names only the step that
/// failed: "client error (Connect)").
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// A client of another instance's `POST /api/predict`.
#[derive(Clone, Debug)]
pub struct RemoteModel {
    url: Uri,
    client: Observe<Client<HttpConnector, Full<Bytes>>>,
}

impl RemoteModel {
    /// A client of the service at `base_url` (`http://127.0.0.1:9000`).
    ///
    /// # Errors
    ///
    /// When `base_url` is no `http://` URL.
    pub fn new(base_url: &str) -> Result<RemoteModel, String> {
        let url: Uri = format!("{}/api/predict", base_url.trim_end_matches('/'))
            .parse()
            .map_err(|error| format!("{base_url:?} is no URL: {error}"))?;
        if url.scheme_str() != Some("http") || url.host().is_none() {
            return Err(format!("{base_url:?} is no http:// URL"));
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(RemoteModel {
            url,
            client: ObserveLayer::new().layer(client),
        })
    }

    /// Asks the other service to classify `text`.
    ///
    /// # Errors
    ///
    /// A [`RemoteError`] when it cannot be reached, times out, refuses the text or answers
    /// something that is no prediction.
    #[tripod::observe(name = "ml.remote_inference", fields(input.length = text.len()))]
    pub async fn predict(&self, text: &str) -> Result<Prediction, RemoteError> {
        let body = serde_json::to_vec(&json!({ "text": text }))
            .map_err(|error| RemoteError::BadAnswer(error.to_string()))?;
        let request = Request::post(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| RemoteError::Unreachable(error.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .clone()
                .oneshot(request)
                .await
                .map_err(|error| RemoteError::Unreachable(with_causes(&error)))?;
            let status = response.status();
            let answer = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|error| RemoteError::BadAnswer(error.to_string()))?
                .to_bytes();
            Ok::<_, RemoteError>((status, answer))
        };
        let (status, answer) = tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| RemoteError::Timeout)??;
        if status.is_client_error() {
            let message = serde_json::from_slice::<serde_json::Value>(&answer)
                .ok()
                .and_then(|value| value["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("the model service answered {status}"));
            return Err(RemoteError::Refused { status, message });
        }
        if !status.is_success() {
            return Err(RemoteError::BadAnswer(format!("status {status}")));
        }
        serde_json::from_slice(&answer).map_err(|error| RemoteError::BadAnswer(error.to_string()))
    }
}
