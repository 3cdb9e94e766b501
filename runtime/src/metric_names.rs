//! The names of the metrics tripod records, for dashboards, alerts and tests (and, inside the
//! crate, their descriptions).
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
/// Gauge of an operation's objective (`#[observe(objective(...))]`), by `name` and `objective`
/// (`success`, or `latency` with `le`, the threshold in seconds as the histogram's bucket spells
/// it): the share of calls the objective asks for, between 0 and 1. See [`crate::objectives`].
pub const OPERATION_OBJECTIVE: &str = "operation_objective_ratio";
/// Gauge of how long the oldest call of an operation still running has run, by `name`; 0 when
/// none runs.
pub const OPERATION_OLDEST_IN_FLIGHT: &str = "operation_oldest_in_flight_seconds";
/// Gauge of how long the oldest HTTP request still being served has run, by `method` and
/// `endpoint`; 0 when none is.
pub const HTTP_REQUESTS_OLDEST_IN_FLIGHT: &str = "http_requests_oldest_in_flight_seconds";
/// Counter of spans still open whose fields and record were freed because the open spans held
/// more than their bound (they are not exported, their calls still counted).
pub const OPEN_SPANS_TRIMMED: &str = "tripod_open_spans_trimmed_total";
/// Counter of spans still open forgotten because, even trimmed, the open spans held more than
/// their bound (their ends are then not recorded: leaked calls, most often).
pub const OPEN_SPANS_FORGOTTEN: &str = "tripod_open_spans_forgotten_total";
/// Counter of local traces the head sampler did not sample that a tail rule exported, by
/// `reason`: `error` (a span failed at ERROR) or `slow` (the local root lasted longer than the
/// threshold). See `tripod::trace::TracesKeep`.
pub const SAMPLING_KEPT_TRACES: &str = "tripod_sampling_kept_traces_total";
/// Counter of local traces a tail rule would have kept that were dropped, by `reason`: `rate`
/// (past the traces a second per operation a rule keeps) or `memory` (decided early, past the
/// bound on the spans waiting for their root).
pub const SAMPLING_DROPPED_TRACES: &str = "tripod_sampling_dropped_traces_total";
/// Counter of spans dropped because the trace export queue was full.
pub const SPANS_DROPPED: &str = "tripod_spans_dropped_total";
/// Counter of spans lost to failed exports, by `reason`: `connection`, `tls`, `timeout`,
/// `http_status`, `grpc_status`, `shutdown` (still queued when shutdown's deadline passed), or
/// `rejected` (the OTLP endpoint accepted the request but rejected these spans: a partial success).
pub const SPANS_EXPORT_FAILED: &str = "tripod_spans_export_failed_total";
/// Counter of OTLP log records dropped because the logs export queue was full (the log lines
/// themselves are never dropped).
pub const LOG_RECORDS_DROPPED: &str = "tripod_log_records_dropped_total";
/// Counter of OTLP log records lost to failed exports, by `reason` (as for spans).
pub const LOG_RECORDS_EXPORT_FAILED: &str = "tripod_log_records_export_failed_total";
/// Counter of OTLP metric data points lost to failed exports, by `reason` (as for spans).
pub const METRIC_POINTS_EXPORT_FAILED: &str = "tripod_metric_points_export_failed_total";
/// Counter of label sets turned away past a metric's label-set limit, by `metric`: their samples
/// went to the metric's `otel_metric_overflow="true"` series.
pub const METRIC_OVERFLOW: &str = "tripod_metric_overflow_total";
/// Counter of HTTP requests served, by `method`, `endpoint` (the route template) and `status_code`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Histogram of HTTP request durations, by `method` and `endpoint`.
pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Gauge of HTTP requests in progress.
pub const HTTP_REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";
/// Histogram of gRPC calls' durations on the server, by `rpc_system`, `rpc_service`, `rpc_method`
/// and `rpc_grpc_status_code` (OpenTelemetry's `rpc.server.call.duration`).
pub const RPC_SERVER_CALL_DURATION: &str = "rpc_server_call_duration_seconds";
/// Histogram of the durations of the database statements sqlx reports, by `db_system_name`,
/// `db_operation_name` and `db_collection_name` (OpenTelemetry's `db.client.operation.duration`).
pub const DB_CLIENT_OPERATION_DURATION: &str = "db_client_operation_duration_seconds";
/// The `endpoint` label of requests that matched no route: one value, so scanners probing random
/// paths cannot explode the series count.
pub const UNMATCHED_ENDPOINT: &str = "unmatched";

/// What a metric is: a counter, a gauge or a histogram (how it is recorded, and the `# TYPE` the
/// expositions give it), or an info (`target_info`: labels, value 1; a gauge where the format
/// has no info type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    Info,
}

/// Every metric tripod records, described.
const DESCRIPTIONS: &[(&str, MetricKind, metrics::Unit, &str)] = &[
    (
        OPERATION_DURATION,
        MetricKind::Histogram,
        metrics::Unit::Seconds,
        "Duration of calls of observed operations, by outcome.",
    ),
    (
        RPC_SERVER_CALL_DURATION,
        MetricKind::Histogram,
        metrics::Unit::Seconds,
        "Duration of gRPC calls served, by service, method and status code.",
    ),
    (
        DB_CLIENT_OPERATION_DURATION,
        MetricKind::Histogram,
        metrics::Unit::Seconds,
        "Duration of database statements, by system, operation and collection.",
    ),
    (
        OPERATION_ERRORS,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Calls of observed operations that failed or panicked, by error type.",
    ),
    (
        OPERATION_IN_FLIGHT,
        MetricKind::Gauge,
        metrics::Unit::Count,
        "Calls of observed operations in progress.",
    ),
    (
        OPERATION_OBJECTIVE,
        MetricKind::Gauge,
        metrics::Unit::Count,
        "The share of an operation's calls its objective asks to succeed (objective=success) or to finish within le seconds (objective=latency).",
    ),
    (
        OPERATION_OLDEST_IN_FLIGHT,
        MetricKind::Gauge,
        metrics::Unit::Seconds,
        "How long the oldest call of an operation still running has run (0 when none runs).",
    ),
    (
        HTTP_REQUESTS_OLDEST_IN_FLIGHT,
        MetricKind::Gauge,
        metrics::Unit::Seconds,
        "How long the oldest HTTP request still being served has run, by method and route template (0 when none is).",
    ),
    (
        OPEN_SPANS_TRIMMED,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Open spans whose fields and record were freed past the open spans' memory bound.",
    ),
    (
        OPEN_SPANS_FORGOTTEN,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Open spans forgotten past the open spans' memory bound, even trimmed.",
    ),
    (
        SPANS_EXPORT_FAILED,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Spans lost to failed trace exports, by reason (connection, tls, timeout, http_status, grpc_status, shutdown, rejected).",
    ),
    (
        SAMPLING_KEPT_TRACES,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Local traces the head sampler did not sample that a tail rule exported, by reason (error, slow).",
    ),
    (
        SAMPLING_DROPPED_TRACES,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Local traces dropped before a tail rule could keep them, by reason (rate: past the traces a second per operation; memory: past the bound on the spans waiting).",
    ),
    (
        SPANS_DROPPED,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Spans dropped because the trace export queue was full.",
    ),
    (
        LOG_RECORDS_DROPPED,
        MetricKind::Counter,
        metrics::Unit::Count,
        "OTLP log records dropped because the logs export queue was full (log lines are never dropped).",
    ),
    (
        LOG_RECORDS_EXPORT_FAILED,
        MetricKind::Counter,
        metrics::Unit::Count,
        "OTLP log records lost to failed exports, by reason.",
    ),
    (
        METRIC_POINTS_EXPORT_FAILED,
        MetricKind::Counter,
        metrics::Unit::Count,
        "OTLP metric data points lost to failed exports, by reason.",
    ),
    (
        METRIC_OVERFLOW,
        MetricKind::Counter,
        metrics::Unit::Count,
        "Label sets turned away past a metric's label-set limit, by metric (their samples went to its otel_metric_overflow series).",
    ),
    (
        HTTP_REQUESTS,
        MetricKind::Counter,
        metrics::Unit::Count,
        "HTTP requests served, by method, route template and status code.",
    ),
    (
        HTTP_REQUEST_DURATION,
        MetricKind::Histogram,
        metrics::Unit::Seconds,
        "Duration of HTTP requests, by method and route template.",
    ),
    (
        HTTP_REQUESTS_IN_FLIGHT,
        MetricKind::Gauge,
        metrics::Unit::Count,
        "HTTP requests in progress.",
    ),
];

/// Gives every metric tripod records (operations, HTTP requests, lost spans) its unit and HELP
/// text in `recorder`: the Prometheus recorder when it is built, a thread-local recorder (a
/// test's) when a call first meets it.
pub(crate) fn describe(recorder: &dyn metrics::Recorder) {
    for &(name, kind, unit, help) in DESCRIPTIONS {
        let (key, help) = (name.into(), metrics::SharedString::const_str(help));
        match kind {
            MetricKind::Counter => recorder.describe_counter(key, Some(unit), help),
            MetricKind::Gauge | MetricKind::Info => recorder.describe_gauge(key, Some(unit), help),
            MetricKind::Histogram => recorder.describe_histogram(key, Some(unit), help),
        }
    }
}

/// A histogram bucket bound as Prometheus spells its `le` label: `0.25`, `1.0`, `+Inf` (the
/// OpenMetrics form, which Prometheus 3 also rewrites every bucket into), so a series naming a
/// bucket by its `le` (an objective's) matches the bucket's own.
///
/// ```
/// assert_eq!(tripod::metric_names::bound_text(0.25), "0.25");
/// assert_eq!(tripod::metric_names::bound_text(1.0), "1.0");
/// assert_eq!(tripod::metric_names::bound_text(f64::INFINITY), "+Inf");
/// ```
pub fn bound_text(bound: f64) -> String {
    if bound == f64::INFINITY {
        return "+Inf".to_owned();
    }
    let text = bound.to_string();
    if bound.is_finite() && !text.contains(['.', 'e', 'E']) {
        text + ".0"
    } else {
        text
    }
}
