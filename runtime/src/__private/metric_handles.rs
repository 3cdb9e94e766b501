//! The three metrics of the contract: names, keys, descriptions and resolved handles.

use std::sync::{Once, OnceLock};

use metrics::{Counter, Gauge, Histogram, Key, Label, Recorder, SharedString, Unit};

use super::call::Outcomes;
use super::site::Site;

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
    pub(crate) fn resolve(recorder: &dyn Recorder, site: &Site, outcomes: Outcomes) -> Self {
        static DESCRIBED: Once = Once::new();
        DESCRIBED.call_once(|| describe(recorder));
        let handles = Handles {
            in_flight: in_flight(recorder, site),
            duration: Default::default(),
        };
        let expected = [
            (OutcomeLabel::Success, true),
            (OutcomeLabel::Failure, outcomes.failure),
            (OutcomeLabel::Cancelled, outcomes.cancelled),
        ];
        for (outcome, expected) in expected {
            if expected {
                let _ = handles.duration[outcome as usize].set(duration(recorder, site, outcome));
            }
        }
        handles
    }

    /// The duration histogram of `outcome`, registered in the global recorder on first use.
    pub(crate) fn duration(&self, site: &Site, outcome: OutcomeLabel) -> &Histogram {
        self.duration[outcome as usize]
            .get_or_init(|| metrics::with_recorder(|recorder| duration(recorder, site, outcome)))
    }
}

/// Gives every metric tripod records (operations, HTTP requests, dropped spans) its unit and
/// HELP text in `recorder`.
pub(crate) fn describe(recorder: &dyn Recorder) {
    recorder.describe_histogram(
        DURATION.into(),
        Some(Unit::Seconds),
        SharedString::const_str("Duration of calls of observed operations, by outcome."),
    );
    recorder.describe_counter(
        ERRORS.into(),
        Some(Unit::Count),
        SharedString::const_str(
            "Calls of observed operations that failed or panicked, by error type.",
        ),
    );
    recorder.describe_gauge(
        IN_FLIGHT.into(),
        Some(Unit::Count),
        SharedString::const_str("Calls of observed operations in progress."),
    );
    use crate::metric_names::{
        HTTP_REQUEST_DURATION, HTTP_REQUESTS, HTTP_REQUESTS_IN_FLIGHT, SPANS_DROPPED,
        SPANS_EXPORT_FAILED,
    };
    recorder.describe_counter(
        SPANS_EXPORT_FAILED.into(),
        Some(Unit::Count),
        SharedString::const_str(
            "Spans lost to failed trace exports, by reason (connection, tls, timeout, http_status, grpc_status, shutdown).",
        ),
    );
    recorder.describe_counter(
        SPANS_DROPPED.into(),
        Some(Unit::Count),
        SharedString::const_str("Spans dropped because the trace export queue was full."),
    );
    recorder.describe_counter(
        HTTP_REQUESTS.into(),
        Some(Unit::Count),
        SharedString::const_str("HTTP requests served, by method, route template and status code."),
    );
    recorder.describe_histogram(
        HTTP_REQUEST_DURATION.into(),
        Some(Unit::Seconds),
        SharedString::const_str("Duration of HTTP requests, by method and route template."),
    );
    recorder.describe_gauge(
        HTTP_REQUESTS_IN_FLIGHT.into(),
        Some(Unit::Count),
        SharedString::const_str("HTTP requests in progress."),
    );
}

fn labels(site: &Site, first: &[(&'static str, &'static str)]) -> Vec<Label> {
    first
        .iter()
        .chain(site.labels)
        .map(|&(key, value)| Label::from_static_parts(key, value))
        .collect()
}

pub(crate) fn in_flight(recorder: &dyn Recorder, site: &Site) -> Gauge {
    let key = Key::from_parts(IN_FLIGHT, labels(site, &[("name", site.name)]));
    recorder.register_gauge(&key, &METADATA)
}

pub(crate) fn duration(recorder: &dyn Recorder, site: &Site, outcome: OutcomeLabel) -> Histogram {
    let key = Key::from_parts(
        DURATION,
        labels(site, &[("name", site.name), ("outcome", outcome.as_str())]),
    );
    recorder.register_histogram(&key, &METADATA)
}

pub(crate) fn errors(recorder: &dyn Recorder, site: &Site, error_type: &'static str) -> Counter {
    let key = Key::from_parts(
        ERRORS,
        labels(site, &[("name", site.name), ("error_type", error_type)]),
    );
    recorder.register_counter(&key, &METADATA)
}
