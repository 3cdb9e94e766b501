//! Handler errors as axum users write them, as [`ErrorType`]s: a `StatusCode`, a
//! `(StatusCode, T)` and axum's own rejections (`JsonRejection`, `PathRejection`,
//! `QueryRejection`) are labelled by their status code (`error.type = "404"`, as OpenTelemetry's
//! HTTP conventions name an error by its status) and fail at WARN below 500 (the client's
//! mistake: the span's status stays unset), at ERROR from 500.

use std::sync::OnceLock;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use tracing::Level;

use crate::ErrorType;

/// A status code's label: its three digits.
fn label(status: StatusCode) -> &'static str {
    // Every valid code (100 to 999) spelled once; a `&'static str` for each without leaking one
    // a failure.
    static LABELS: OnceLock<Vec<String>> = OnceLock::new();
    let labels = LABELS.get_or_init(|| (100..1000).map(|code| code.to_string()).collect());
    labels
        .get(usize::from(status.as_u16()).saturating_sub(100))
        .map_or("unknown", String::as_str)
}

/// WARN below 500, ERROR from 500.
fn level(status: StatusCode) -> Level {
    if status.is_server_error() {
        Level::ERROR
    } else {
        Level::WARN
    }
}

/// A handler's `Err(StatusCode::NOT_FOUND)`: `error.type = "404"`, at WARN.
///
/// ```
/// use axum::http::StatusCode;
/// use tripod::ErrorType;
///
/// assert_eq!(StatusCode::NOT_FOUND.error_type(), "404");
/// assert_eq!(StatusCode::NOT_FOUND.failure_level(), tripod::Level::WARN);
/// assert_eq!(StatusCode::BAD_GATEWAY.failure_level(), tripod::Level::ERROR);
/// ```
impl ErrorType for StatusCode {
    fn error_type(&self) -> &'static str {
        label(*self)
    }

    fn failure_level(&self) -> Level {
        level(*self)
    }
}

/// A handler's `Err((StatusCode::NOT_FOUND, "no such todo".to_owned()))`: labelled by its status
/// (the body is the message, never the label).
///
/// ```
/// use axum::http::StatusCode;
/// use tripod::ErrorType;
///
/// let error = (StatusCode::UNPROCESSABLE_ENTITY, "the title is empty".to_owned());
/// assert_eq!(error.error_type(), "422");
/// assert_eq!(error.failure_level(), tripod::Level::WARN);
/// ```
impl<T> ErrorType for (StatusCode, T) {
    fn error_type(&self) -> &'static str {
        label(self.0)
    }

    fn failure_level(&self) -> Level {
        level(self.0)
    }
}

macro_rules! rejections {
    ($($rejection:ty),*) => {$(
        /// axum's rejection, labelled by the status it answers with (`"400"`, `"415"`, `"422"`).
        impl ErrorType for $rejection {
            fn error_type(&self) -> &'static str {
                label(self.status())
            }

            fn failure_level(&self) -> Level {
                level(self.status())
            }
        }
    )*};
}

rejections!(JsonRejection, PathRejection, QueryRejection);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_its_own_three_digits_and_the_level_turns_at_500() {
        for code in [100, 200, 301, 400, 404, 422, 499, 500, 503, 599, 999] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(status.error_type(), code.to_string());
            let expected = if (500..600).contains(&code) {
                Level::ERROR
            } else {
                Level::WARN
            };
            assert_eq!(status.failure_level(), expected, "{code}");
        }
    }
}
