//! Service-level objectives declared on the attribute, and the Prometheus rules that watch them.
//!
//! `#[observe(name = "ml.inference", objective(success = 99.9, latency = "250ms", latency_target = 99))]`
//! declares that 99.9 % of `ml.inference`'s calls succeed and that 99 % finish within 250 ms
//! (either part may be given alone; `latency_target` is 99 unless given). The objective travels
//! with the metrics, as a gauge whose value is the share the objective asks for:
//!
//! ```text
//! operation_objective_ratio{name="ml.inference",objective="success"} 0.999
//! operation_objective_ratio{name="ml.inference",objective="latency",le="0.25"} 0.99
//! ```
//!
//! `le` is the bucket of `operation_duration_seconds` that counts the calls within the threshold,
//! spelt as the histogram spells it; tripod's recorder gives the operation's histogram a bucket at
//! the threshold when its buckets lack one. A call fails the success part when its outcome is
//! `failure` or `panic` (a cancelled call counts as neither good nor bad: it is in the total
//! only), and the latency part when it lasted longer than the threshold, whatever its outcome.
//!
//! [`PROMETHEUS_RULES`] turns every such series into error ratios over the windows of the
//! multi-window, multi-burn-rate alerts of the Google SRE workbook, and into the alerts
//! `OperationErrorBudgetBurn` and `OperationLatencyBudgetBurn` (labels `name`, `severity`
//! `page` or `ticket`, `window`), with no per-objective editing: load it with `rule_files` once.
//!
//! ```
//! assert!(tripod::objectives::PROMETHEUS_RULES.contains("alert: OperationErrorBudgetBurn"));
//! ```

mod declared;

pub use declared::Objective;
pub(crate) use declared::declare;
#[cfg(feature = "viewer")]
pub(crate) use declared::declared;
#[cfg(feature = "_recorder")]
pub(crate) use declared::latency_bounds;

/// Prometheus recording and alerting rules for every objective any observed function declares
/// (a rules file: write it beside `prometheus.yml` and name it under `rule_files`).
///
/// Recording rules: `operation:objective_success:ratio` and `operation:objective_latency:ratio`
/// (the objectives by `job` and `name`); `operation:error_ratio:rate<W>` and
/// `operation:latency_error_ratio:rate<W>` for `W` in 5m, 30m, 1h, 2h, 6h, 1d and 3d. Alerts, on
/// the burn rate (the error ratio over the share the objective lets fail), each over a long and a
/// short window: `severity="page"` above 14.4× over 1 h and 5 m, and above 6× over 6 h and
/// 30 m; `severity="ticket"` above 3× over 1 d and 2 h, and above 1× over 3 d and 6 h.
///
/// ```
/// std::fs::write(
///     std::env::temp_dir().join("tripod-objectives.rules.yml"),
///     tripod::objectives::PROMETHEUS_RULES,
/// )
/// .unwrap();
/// ```
pub const PROMETHEUS_RULES: &str = include_str!("prometheus_rules.yml");
