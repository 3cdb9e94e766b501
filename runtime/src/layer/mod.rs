//! The composable path: tripod's telemetry as tracing-subscriber layers over a registry, for
//! applications that build their own subscriber stack (`Builder::into_layer`) and for filter
//! directives that only `EnvFilter` understands. Each span's state ([`SpanState`]) lives in one
//! registry extension: the trace context layer gives it its ids, the log line layer its
//! formatted fields, the capture layer its record for the sinks; the OTLP log layer sends each
//! event as a log record.

#[cfg(feature = "_capture")]
mod capture;
mod context;
#[cfg(feature = "json")]
mod lines;
#[cfg(feature = "otlp")]
mod otlp_logs;
mod state;

#[cfg(feature = "_capture")]
pub(crate) use capture::CaptureLayer;
pub(crate) use context::TraceContextLayer;
#[cfg(feature = "json")]
pub(crate) use lines::LineLayer;
#[cfg(feature = "otlp")]
pub(crate) use otlp_logs::{OtlpLogLayer, hand_over as hand_over_log_records};
pub(crate) use state::SpanState;
