//! The three metrics of the contract: their keys, and a call site's handles.

use std::sync::{Once, OnceLock};

use metrics::{Counter, Gauge, Histogram, Key, Label, Recorder};

use super::outcome::Outcomes;
use crate::metric_names::{
    OPERATION_DURATION as DURATION, OPERATION_ERRORS as ERRORS, OPERATION_IN_FLIGHT as IN_FLIGHT,
};

static METADATA: metrics::Metadata<'static> =
    metrics::Metadata::new("tripod", metrics::Level::INFO, Some(module_path!()));

/// How a call ended, as the `outcome` label spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutcomeLabel {
    Success = 0,
    Failure = 1,
    Panic = 2,
    Cancelled = 3,
}

impl OutcomeLabel {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Panic => "panic",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A site's handles for one label set in the global recorder: what a call touches without any
/// lookup.
pub(crate) struct Handles {
    /// The labels after `name` (the attribute's `labels(...)`).
    labels: Vec<Label>,
    pub(crate) in_flight: Gauge,
    /// Per outcome; those the site can have are registered up front (so they read 0 until used),
    /// the others (a panic, or an outcome the site was not expected to have) on first use.
    duration: [OnceLock<Histogram>; 4],
}

impl Handles {
    /// Registers (or looks up) the series of operation `name` with `labels` in `recorder`:
    /// in-flight, and the duration of success and of the `outcomes` the site can have.
    pub(crate) fn resolve(
        recorder: &dyn Recorder,
        name: &'static str,
        labels: Vec<Label>,
        outcomes: Outcomes,
    ) -> Self {
        static DESCRIBED: Once = Once::new();
        DESCRIBED.call_once(|| crate::metric_names::describe(recorder));
        let handles = Handles {
            in_flight: in_flight(recorder, name, &labels),
            labels,
            duration: Default::default(),
        };
        let expected = [
            (OutcomeLabel::Success, true),
            (OutcomeLabel::Failure, outcomes.failure),
            (OutcomeLabel::Cancelled, outcomes.cancelled),
        ];
        for (outcome, expected) in expected {
            if expected {
                let _ = handles.duration[outcome as usize].set(duration(
                    recorder,
                    name,
                    &handles.labels,
                    outcome,
                ));
            }
        }
        handles
    }

    /// The duration histogram of `outcome`, registered in the global recorder on first use.
    pub(crate) fn duration(&self, name: &'static str, outcome: OutcomeLabel) -> &Histogram {
        self.duration[outcome as usize].get_or_init(|| {
            metrics::with_recorder(|recorder| duration(recorder, name, &self.labels, outcome))
        })
    }

    /// The labels these handles are for.
    pub(crate) fn labels(&self) -> &[Label] {
        &self.labels
    }
}

/// `name="…"`, then `first`, then `labels`.
fn key(metric: &'static str, first: &[(&'static str, &'static str)], labels: &[Label]) -> Key {
    Key::from_parts(
        metric,
        first
            .iter()
            .map(|&(key, value)| Label::from_static_parts(key, value))
            .chain(labels.iter().cloned())
            .collect::<Vec<_>>(),
    )
}

pub(crate) fn in_flight(recorder: &dyn Recorder, name: &'static str, labels: &[Label]) -> Gauge {
    recorder.register_gauge(&key(IN_FLIGHT, &[("name", name)], labels), &METADATA)
}

pub(crate) fn duration(
    recorder: &dyn Recorder,
    name: &'static str,
    labels: &[Label],
    outcome: OutcomeLabel,
) -> Histogram {
    let key = key(
        DURATION,
        &[("name", name), ("outcome", outcome.as_str())],
        labels,
    );
    recorder.register_histogram(&key, &METADATA)
}

pub(crate) fn errors(
    recorder: &dyn Recorder,
    name: &'static str,
    labels: &[Label],
    error_type: &'static str,
) -> Counter {
    let key = key(
        ERRORS,
        &[("name", name), ("error_type", error_type)],
        labels,
    );
    recorder.register_counter(&key, &METADATA)
}
