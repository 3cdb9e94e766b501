//! Prometheus: the recorder with explicit histogram buckets, periodic upkeep, and a standalone
//! `/metrics` listener for applications that serve no HTTP of their own.

mod listener;

use std::time::Duration;

use crate::background::Background;

use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// OpenTelemetry's advisory buckets for durations in seconds (`http.server.request.duration`):
/// the default for every histogram.
pub const DEFAULT_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// How often histograms are compacted between scrapes, so memory stays bounded without one.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Builds the recorder: explicit buckets everywhere (a summary renders ~20× slower), and the
/// descriptions (HELP text and unit) of tripod's own metrics.
pub(crate) fn recorder(
    default_buckets: &[f64],
    per_metric: &[(String, Vec<f64>)],
) -> Result<PrometheusRecorder, String> {
    let mut builder = PrometheusBuilder::new()
        .set_buckets(default_buckets)
        .map_err(|error| error.to_string())?;
    for (metric, buckets) in per_metric {
        builder = builder
            .set_buckets_for_metric(Matcher::Full(metric.clone()), buckets)
            .map_err(|error| format!("buckets for {metric}: {error}"))?;
    }
    let recorder = builder.build_recorder();
    crate::metric_names::describe(&recorder);
    Ok(recorder)
}

pub(crate) use listener::listen;

/// Runs the handle's upkeep every few seconds.
pub(crate) fn upkeep(handle: PrometheusHandle) -> Background {
    Background::every("tripod-prometheus-upkeep", UPKEEP_INTERVAL, move || {
        handle.run_upkeep()
    })
}
