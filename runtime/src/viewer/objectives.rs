//! Each declared objective ([`crate::objectives`]) as the viewer shows it: how many calls met it
//! over its window (30 days, or since the process started when it has run less), the error
//! budget left, the burn rate over the last five minutes, and links to the traces of the calls
//! that failed it. Computed from the same readings of the histograms as the operations page.

use serde::Serialize;

use super::operations::{Counts, Operations, Window};
use crate::objectives::Objective;

/// What an operation's name (letters, digits, `_` and `.`) needs escaped in a query: nothing,
/// but anything else would be.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'.').remove(b'_');

/// One objective's figures.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ObjectiveStatus {
    /// The operation, `ml.inference`.
    pub(crate) name: String,
    /// `success` or `latency`.
    pub(crate) objective: &'static str,
    /// The share of calls it asks for, between 0 and 1.
    pub(crate) target: f64,
    /// The latency threshold, for a latency objective.
    pub(crate) threshold_ms: Option<f64>,
    /// The compliance window's length, in seconds.
    pub(crate) window_seconds: f64,
    /// Calls in the window, and those that failed the objective.
    pub(crate) calls: f64,
    pub(crate) bad_calls: f64,
    /// The share of the window's calls that met it.
    pub(crate) compliance: Option<f64>,
    /// The share of the window's error budget (the calls the objective lets fail) left;
    /// negative once it is spent.
    pub(crate) budget_left: Option<f64>,
    /// How fast the last five minutes' calls spent the budget: 1 spends it in exactly the
    /// window, 14.4 in two days.
    pub(crate) burn_rate: Option<f64>,
    /// The recent traces of the calls that failed it.
    pub(crate) traces: String,
}

/// The figures of every declared objective whose operation has been called, as of the latest
/// reading of `operations`.
pub(crate) fn statuses(operations: &Operations) -> Vec<ObjectiveStatus> {
    crate::objectives::declared()
        .into_iter()
        .flat_map(|declared| {
            let windows = operations.objective_windows(declared.name);
            parts(declared.objective)
                .into_iter()
                .filter_map(move |part| {
                    let (recent, long) = windows.as_ref()?;
                    Some(status(declared.name, part, recent, long))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One part of an objective: success, or latency with its threshold in seconds; and its target.
#[derive(Clone, Copy, Debug)]
enum Part {
    Success(f64),
    Latency(f64, f64),
}

fn parts(objective: &Objective) -> Vec<Part> {
    objective
        .success_ratio()
        .map(Part::Success)
        .into_iter()
        .chain(
            objective
                .latency()
                .map(|(threshold, target)| Part::Latency(threshold.as_secs_f64(), target)),
        )
        .collect()
}

/// The calls of `counts` that failed `part`: failures and panics, or calls slower than the
/// threshold.
fn bad(part: Part, counts: &Counts) -> f64 {
    match part {
        Part::Success(_) => counts.failures,
        Part::Latency(threshold, _) => counts.count - counts.within(threshold).unwrap_or(0.0),
    }
}

fn status(name: &str, part: Part, recent: &Window, long: &Window) -> ObjectiveStatus {
    let (objective, target, threshold) = match part {
        Part::Success(target) => ("success", target, None),
        Part::Latency(threshold, target) => ("latency", target, Some(threshold)),
    };
    let budget = 1.0 - target;
    let error_ratio =
        |counts: &Counts| (counts.count > 0.0).then(|| bad(part, counts).max(0.0) / counts.count);
    let long_ratio = error_ratio(&long.counts);
    let encoded = percent_encoding::utf8_percent_encode(name, QUERY_VALUE);
    ObjectiveStatus {
        name: name.to_owned(),
        objective,
        target,
        threshold_ms: threshold.map(|seconds| seconds * 1e3),
        window_seconds: long.length.as_secs_f64(),
        calls: long.counts.count,
        bad_calls: bad(part, &long.counts).max(0.0),
        compliance: long_ratio.map(|ratio| 1.0 - ratio),
        budget_left: long_ratio.map(|ratio| 1.0 - ratio / budget),
        burn_rate: error_ratio(&recent.counts).map(|ratio| ratio / budget),
        traces: match threshold {
            None => format!("/debug/traces?span={encoded}&failed=1"),
            Some(seconds) => format!(
                "/debug/traces?span={encoded}&min_ms={}",
                (seconds * 1e3).round() as u64
            ),
        },
    }
}
