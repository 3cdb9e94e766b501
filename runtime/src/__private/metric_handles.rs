//! The three metrics of the contract: their keys, and a call site's handles resolved once.

use std::sync::{Once, OnceLock};

use metrics::{Counter, Gauge, Histogram, Key, Label, Recorder};

use super::outcome::Outcomes;
use crate::metric_names::{
    OPERATION_DURATION as DURATION, OPERATION_ERRORS as ERRORS, OPERATION_IN_FLIGHT as IN_FLIGHT,
};

/// A site's constant labels, as the attribute's `labels(...)` gives them.
type Labels = &'static [(&'static str, &'static str)];

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

/// A site's handles in the global recorder: what a call touches without any lookup.
pub(crate) struct Handles {
    pub(crate) in_flight: Gauge,
    /// Per outcome; those the site can have are registered up front (so they read 0 until used),
    /// the others (a panic, or an outcome the site was not expected to have) on first use.
    duration: [OnceLock<Histogram>; 4],
}

impl Handles {
    /// Registers (or looks up) the site's series in `recorder`: in-flight, and the duration of
    /// success and of the `outcomes` the site can have.
    pub(crate) fn resolve(
        recorder: &dyn Recorder,
        name: &'static str,
        labels: Labels,
        outcomes: Outcomes,
    ) -> Self {
        static DESCRIBED: Once = Once::new();
        DESCRIBED.call_once(|| crate::metric_names::describe(recorder));
        let handles = Handles {
            in_flight: in_flight(recorder, name, labels),
            duration: Default::default(),
        };
        let expected = [
            (OutcomeLabel::Success, true),
            (OutcomeLabel::Failure, outcomes.failure),
            (OutcomeLabel::Cancelled, outcomes.cancelled),
        ];
        for (outcome, expected) in expected {
            if expected {
                let _ = handles.duration[outcome as usize]
                    .set(duration(recorder, name, labels, outcome));
            }
        }
        handles
    }

    /// The duration histogram of `outcome`, registered in the global recorder on first use.
    pub(crate) fn duration(
        &self,
        name: &'static str,
        labels: Labels,
        outcome: OutcomeLabel,
    ) -> &Histogram {
        self.duration[outcome as usize].get_or_init(|| {
            metrics::with_recorder(|recorder| duration(recorder, name, labels, outcome))
        })
    }
}

fn keyed(labels: Labels, first: &[(&'static str, &'static str)]) -> Vec<Label> {
    first
        .iter()
        .chain(labels)
        .map(|&(key, value)| Label::from_static_parts(key, value))
        .collect()
}

pub(crate) fn in_flight(recorder: &dyn Recorder, name: &'static str, labels: Labels) -> Gauge {
    let key = Key::from_parts(IN_FLIGHT, keyed(labels, &[("name", name)]));
    recorder.register_gauge(&key, &METADATA)
}

pub(crate) fn duration(
    recorder: &dyn Recorder,
    name: &'static str,
    labels: Labels,
    outcome: OutcomeLabel,
) -> Histogram {
    let key = Key::from_parts(
        DURATION,
        keyed(labels, &[("name", name), ("outcome", outcome.as_str())]),
    );
    recorder.register_histogram(&key, &METADATA)
}

pub(crate) fn errors(
    recorder: &dyn Recorder,
    name: &'static str,
    labels: Labels,
    error_type: &'static str,
) -> Counter {
    let key = Key::from_parts(
        ERRORS,
        keyed(labels, &[("name", name), ("error_type", error_type)]),
    );
    recorder.register_counter(&key, &METADATA)
}
