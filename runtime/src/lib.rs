//! One attribute gives a function all three pillars of observability.
//!
//! ```
//! use tripod::observe;
//!
//! #[derive(Debug, tripod::ErrorType, PartialEq)]
//! enum ModelError { EmptyInput }
//!
//! impl std::fmt::Display for ModelError {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("the input is empty") }
//! }
//!
//! #[observe(name = "ml.inference", fields(input.length = text.len()), labels(model_name = "classifier"))]
//! fn predict(text: &str) -> Result<&'static str, ModelError> {
//!     if text.is_empty() { return Err(ModelError::EmptyInput) }
//!     Ok("positive")
//! }
//!
//! assert_eq!(predict("great"), Ok("positive"));
//! assert_eq!(predict(""), Err(ModelError::EmptyInput));
//! ```
//!
//! Every call of an observed function emits, through [`tracing`](https://docs.rs/tracing) and
//! the [`metrics`](https://docs.rs/metrics) facade, whatever subscriber and recorder the
//! application installed:
//!
//! - a span named after the operation, with `code.function.name`, `code.file.path`,
//!   `code.line.number` and the attribute's `fields(...)`; on failure `error.type`, and an error
//!   status (`otel.status_description`) when the failure is at ERROR;
//! - the events `NAME.start`, then one of `NAME.success` (with `duration_ms`), `NAME.failure`
//!   (at ERROR unless the error's [`ErrorType::failure_level`] or the attribute says lower, with
//!   `error`, `error.type`, `error.sources`, `duration_ms`; also for a panic, with
//!   `error.type = "panic"`) or `NAME.cancelled` (at WARN, when the future is dropped);
//! - the metrics `operation_duration_seconds{name, outcome}` (histogram),
//!   `operation_errors_total{name, error_type}` (counter) and `operation_in_flight{name}` (gauge),
//!   plus the attribute's constant `labels(...)`.
//!
//! [`observe`] documents the attribute in full: its options, `impl`-block use, failure levels.
//!
//! With nothing installed the function behaves exactly as it would unannotated, at the cost of a
//! few relaxed atomic loads.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(hidden)]
pub mod __private;
mod call_path;
mod error_type;
pub mod metric_names;
pub mod objectives;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "_init")]
mod background;
#[cfg(feature = "_init")]
mod capture;
#[cfg(feature = "http")]
pub mod client;
#[cfg(feature = "_init")]
mod clock;
#[cfg(feature = "_init")]
mod database;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub mod grpc;
#[cfg(feature = "http")]
mod http_method;
#[cfg(feature = "_init")]
mod init;
#[cfg(feature = "_init")]
mod key_values;
#[cfg(feature = "_init")]
mod layer;
#[cfg(feature = "_init")]
mod local;
#[cfg(feature = "_init")]
mod logs;
#[cfg(feature = "opentelemetry")]
#[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
pub mod otel;
#[cfg(feature = "otlp")]
mod otlp;
#[cfg(feature = "_init")]
mod pipeline;
#[cfg(feature = "prometheus")]
mod prometheus;
#[cfg(feature = "_recorder")]
mod recorder;
#[cfg(feature = "_recorder")]
mod resource;
#[cfg(feature = "_init")]
mod sink;
#[cfg(feature = "_init")]
mod subscriber;
mod tick;
#[cfg(feature = "_init")]
pub mod trace;
#[cfg(feature = "viewer")]
mod viewer;

pub use error_type::ErrorType;
#[cfg(feature = "_init")]
pub use init::{Builder, InitError, LogFormat, Telemetry, init};
#[cfg(feature = "otlp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otlp")))]
pub use otlp::OtlpProtocol;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub use prometheus::{Format as MetricsFormat, PrometheusHandle};
#[cfg(feature = "_recorder")]
#[cfg_attr(docsrs, doc(cfg(any(feature = "prometheus", feature = "otlp"))))]
pub use recorder::{DEFAULT_BUCKETS, DEFAULT_SERIES_LIMIT, MetricsRecorder};
/// A log level, for [`ErrorType::failure_level`]: `tracing`'s, re-exported so an observed crate
/// needs no dependency of its own.
pub use tracing::Level;
pub use tripod_macros::ErrorType;
#[doc = include_str!("observe.md")]
pub use tripod_macros::observe;
#[cfg(feature = "viewer")]
#[cfg_attr(docsrs, doc(cfg(feature = "viewer")))]
pub use viewer::Viewer;
