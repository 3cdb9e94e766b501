//! [`AppError`]: every way a request can fail, as a JSON body `{"error": "...", "trace_id": "..."}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::ModelError;
use crate::remote_model::RemoteError;

/// A failed request. Its `error.type` is the variant's name; a client's mistake (4xx) is logged
/// at WARN with the span's status left unset, a server's failure (5xx) at ERROR.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No todo with this id.
    #[error("todo {0} not found")]
    NotFound(i64),
    /// No route matches the request's path.
    #[error("{0}")]
    NoRoute(String),
    /// The route exists, but not for this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request is well-formed but its values are not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The body, path or query could not be read (malformed JSON, wrong types, missing fields).
    #[error("{message}")]
    Rejected {
        /// The status axum chose for the rejection (400, 415 or 422).
        status: StatusCode,
        /// What was wrong.
        message: String,
    },
    /// The model could not classify the text.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The model service (`TODO_MODEL_URL`) gave no prediction.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The database failed; the details are logged, not sent.
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl tripod::ErrorType for AppError {
    fn error_type(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "NotFound",
            AppError::NoRoute(_) => "NoRoute",
            AppError::MethodNotAllowed(_) => "MethodNotAllowed",
            AppError::Invalid(_) => "Invalid",
            AppError::Rejected { .. } => "Rejected",
            AppError::Model(_) => "Model",
            AppError::Remote(_) => "Remote",
            AppError::Database(_) => "Database",
        }
    }

    fn failure_level(&self) -> tripod::Level {
        if self.status().is_server_error() {
            tripod::Level::ERROR
        } else {
            tripod::Level::WARN
        }
    }
}

impl AppError {
    /// The answer's status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) | AppError::NoRoute(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Remote(RemoteError::Refused { status, .. }) => *status,
            AppError::Remote(RemoteError::Timeout) => StatusCode::GATEWAY_TIMEOUT,
            AppError::Remote(_) => StatusCode::BAD_GATEWAY,
            AppError::Model(ModelError::Injected) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Invalid(_) | AppError::Model(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Rejected { status, .. } => *status,
            AppError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let message = match &self {
            AppError::Database(_) => "internal error".to_owned(),
            other => other.to_string(),
        };
        let trace_id = tripod::trace::current().map(|context| context.trace_id.to_string());
        (
            self.status(),
            Json(json!({ "error": message, "trace_id": trace_id })),
        )
            .into_response()
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::Rejected {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::Rejected {
            status: StatusCode::BAD_REQUEST,
            message: rejection.body_text(),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::Rejected {
            status: StatusCode::BAD_REQUEST,
            message: rejection.body_text(),
        }
    }
}

/// `axum::Json`, with rejections as [`AppError`]s.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

/// `axum::extract::Path`, with rejections as [`AppError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

/// `axum::extract::Query`, with rejections as [`AppError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);
