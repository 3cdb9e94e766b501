//! The objectives this process's observed functions declared, as their call sites resolve their
//! metrics: what the rules read (`operation_objective_ratio`), the bucket bound each latency
//! threshold needs, and what the viewer shows.

use std::sync::RwLock;
use std::time::Duration;

use metrics::{Key, Label, Recorder};

use crate::metric_names::{OPERATION_OBJECTIVE, bound_text};

/// An operation's service-level objective, as `#[observe(objective(...))]` declares it: the
/// share of calls that succeed, the share that finish within a latency threshold, or both.
///
/// ```
/// use std::time::Duration;
///
/// // #[observe(objective(success = 99.9, latency = "250ms", latency_target = 99))]
/// let objective = tripod::objectives::Objective::new(Some(0.999), Some((250, 0.99)));
/// assert_eq!(objective.success_ratio(), Some(0.999));
/// assert_eq!(objective.latency(), Some((Duration::from_millis(250), 0.99)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    success: Option<f64>,
    latency: Option<(u64, f64)>,
}

impl Objective {
    /// A `success` share of calls succeed; `latency`'s second figure, a share, of calls finish
    /// within its first, in milliseconds. The attribute checks both at compile time (shares
    /// above 0 and below 1, written as percentages; a threshold above zero).
    pub const fn new(success: Option<f64>, latency: Option<(u64, f64)>) -> Objective {
        Objective { success, latency }
    }

    /// The share of calls that must succeed, between 0 and 1 (`0.999`).
    pub fn success_ratio(&self) -> Option<f64> {
        self.success
    }

    /// The latency threshold and the share of calls that must finish within it (`0.99`).
    pub fn latency(&self) -> Option<(Duration, f64)> {
        self.latency
            .map(|(millis, ratio)| (Duration::from_millis(millis), ratio))
    }

    /// The threshold in seconds, as the histogram's bucket bound.
    pub(crate) fn threshold_seconds(&self) -> Option<f64> {
        self.latency.map(|(millis, _)| millis as f64 / 1e3)
    }
}

/// One operation's declared objective.
#[cfg_attr(not(feature = "viewer"), allow(dead_code))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Declared {
    pub(crate) name: &'static str,
    pub(crate) objective: &'static Objective,
}

/// Every objective declared so far, in the order their sites were first called.
static DECLARED: RwLock<Vec<Declared>> = RwLock::new(Vec::new());

fn declared_list() -> std::sync::RwLockReadGuard<'static, Vec<Declared>> {
    DECLARED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Declares operation `name`'s objective, once per operation and objective, and sets its
/// `operation_objective_ratio` series in `recorder`: called as a site resolves its metrics,
/// before its histograms exist, so their buckets include the latency threshold.
pub(crate) fn declare(recorder: &dyn Recorder, name: &'static str, objective: &'static Objective) {
    let known = |declared: &[Declared]| {
        declared
            .iter()
            .any(|one| one.name == name && one.objective == objective)
    };
    if !known(&declared_list()) {
        let mut declared = DECLARED
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !known(&declared) {
            declared.push(Declared { name, objective });
        }
    }
    record(recorder, name, objective);
}

/// The series of `objective`: `operation_objective_ratio{name, objective="success"}` at the
/// share that must succeed, `{name, objective="latency", le}` at the share within `le` seconds
/// (spelt as the histogram's bucket is).
fn record(recorder: &dyn Recorder, name: &'static str, objective: &Objective) {
    static METADATA: metrics::Metadata<'static> =
        metrics::Metadata::new("tripod", metrics::Level::INFO, Some(module_path!()));
    let gauge = |labels: Vec<Label>, value: f64| {
        recorder
            .register_gauge(&Key::from_parts(OPERATION_OBJECTIVE, labels), &METADATA)
            .set(value);
    };
    if let Some(ratio) = objective.success_ratio() {
        gauge(
            vec![
                Label::from_static_parts("name", name),
                Label::from_static_parts("objective", "success"),
            ],
            ratio,
        );
    }
    if let (Some((_, ratio)), Some(seconds)) = (objective.latency(), objective.threshold_seconds())
    {
        gauge(
            vec![
                Label::from_static_parts("name", name),
                Label::from_static_parts("objective", "latency"),
                Label::new("le", bound_text(seconds)),
            ],
            ratio,
        );
    }
}

/// The objectives declared so far.
#[cfg(feature = "viewer")]
pub(crate) fn declared() -> Vec<Declared> {
    declared_list().clone()
}

/// The latency thresholds, in seconds, operation `name`'s duration histogram needs as bucket
/// bounds.
#[cfg(feature = "_recorder")]
pub(crate) fn latency_bounds(name: &str) -> Vec<f64> {
    declared_list()
        .iter()
        .filter(|one| one.name == name)
        .filter_map(|one| one.objective.threshold_seconds())
        .collect()
}
