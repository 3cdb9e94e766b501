//! The names of the metrics tripod records, for dashboards, alerts and tests.
//!
//! ```
//! assert_eq!(tripod::metric_names::OPERATION_DURATION, "operation_duration_seconds");
//! ```

/// Histogram of observed calls' durations, by `name`, `outcome` and the constant labels.
pub const OPERATION_DURATION: &str = "operation_duration_seconds";
/// Counter of failed and panicked observed calls, by `name`, `error_type` and the constant labels.
pub const OPERATION_ERRORS: &str = "operation_errors_total";
/// Gauge of observed calls in progress, by `name` and the constant labels.
pub const OPERATION_IN_FLIGHT: &str = "operation_in_flight";
/// Counter of spans dropped because the trace export queue was full.
pub const SPANS_DROPPED: &str = "tripod_spans_dropped_total";
