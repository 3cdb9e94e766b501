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
/// Counter of spans lost to failed exports, by `reason`: `connection`, `tls`, `timeout`,
/// `http_status`, `grpc_status`, or `shutdown` (still queued when shutdown's deadline passed).
pub const SPANS_EXPORT_FAILED: &str = "tripod_spans_export_failed_total";
/// Counter of HTTP requests served, by `method`, `endpoint` (the route template) and `status_code`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Histogram of HTTP request durations, by `method` and `endpoint`.
pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Gauge of HTTP requests in progress.
pub const HTTP_REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";
/// The `endpoint` label of requests that matched no route: one value, so scanners probing random
/// paths cannot explode the series count.
pub const UNMATCHED_ENDPOINT: &str = "unmatched";
