//! The three signals one transport carries: where each goes (`/v1/traces`, the gRPC service),
//! how its variables are named, and what it counts.

use crate::metric_names::{
    LOG_RECORDS_DROPPED, LOG_RECORDS_EXPORT_FAILED, METRIC_POINTS_EXPORT_FAILED, SPANS_DROPPED,
    SPANS_EXPORT_FAILED,
};

/// A kind of telemetry sent over OTLP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Signal {
    Traces,
    Logs,
    Metrics,
}

impl Signal {
    pub(crate) const ALL: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];

    /// `traces`, `logs`, `metrics`: the path's last segment, and the `signal` of report lines.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
        }
    }

    /// The path appended to a base endpoint for OTLP/HTTP.
    pub(crate) fn http_path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Logs => "/v1/logs",
            Signal::Metrics => "/v1/metrics",
        }
    }

    /// The gRPC method the signal is exported with.
    pub(crate) fn grpc_path(self) -> &'static str {
        match self {
            Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        }
    }

    /// The counter of items lost to failed exports, by `reason`.
    pub(crate) fn failed_counter(self) -> &'static str {
        match self {
            Signal::Traces => SPANS_EXPORT_FAILED,
            Signal::Logs => LOG_RECORDS_EXPORT_FAILED,
            Signal::Metrics => METRIC_POINTS_EXPORT_FAILED,
        }
    }

    /// The counter of items dropped because the export queue was full (metrics are read from
    /// the recorder when due: none are queued to drop).
    pub(crate) fn dropped_counter(self) -> Option<&'static str> {
        match self {
            Signal::Traces => Some(SPANS_DROPPED),
            Signal::Logs => Some(LOG_RECORDS_DROPPED),
            Signal::Metrics => None,
        }
    }
}
