//! [`Site`]: the statics of one observed function.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{OnceLock, RwLock};

use metrics::{Label, Recorder};
use tracing::Level;

use super::lazy_callsite::{LazyCallsite, LazyEvents};

use super::metric_handles::Handles;
use super::outcome::Outcomes;

/// How many label sets computed per call one site keeps handles for. Past it, a new label set's
/// series are looked up on each call (and the recorder's own limit still applies).
const CACHED_LABEL_SETS: usize = 2000;

/// A site's handles by the values of its computed labels.
type ByValues = HashMap<Box<[String]>, &'static Handles>;

/// One observed function's statics: its operation name and labels, the callsites of its end
/// events, the attribute's failure level, and its metric handles for the global recorder,
/// resolved on first use.
pub struct Site {
    pub(crate) name: &'static str,
    /// `labels(k = "v")`: constant labels.
    labels: &'static [(&'static str, &'static str)],
    /// `labels(k = %expr)`: the keys of labels computed per call, in the order the call passes
    /// their values.
    computed: &'static [&'static str],
    pub(crate) events: EndEvents,
    /// `failure_level = "..."`: the level of every failure, whatever the error says.
    pub(crate) failure_level: Option<Level>,
    /// `still_running_after = "..."`: when a call still running is reported.
    pub(crate) still_running: crate::call_path::StillRunning,
    /// `objective(...)`: declared, with its series, as the site's metrics are first resolved.
    objective: Option<&'static crate::objectives::Objective>,
    /// The handles of a site without computed labels.
    global: OnceLock<Handles>,
    /// Those of a site with computed labels, by the labels' values.
    by_values: OnceLock<RwLock<ByValues>>,
}

impl Site {
    /// Built by `site!` in a `static`.
    pub const fn new(
        name: &'static str,
        labels: &'static [(&'static str, &'static str)],
        computed: &'static [&'static str],
        events: EndEvents,
        failure_level: Option<Level>,
        still_running: crate::call_path::StillRunning,
        objective: Option<&'static crate::objectives::Objective>,
    ) -> Self {
        Site {
            name,
            labels,
            computed,
            events,
            failure_level,
            still_running,
            objective,
            global: OnceLock::new(),
            by_values: OnceLock::new(),
        }
    }

    /// Whether the site has labels computed per call.
    #[inline]
    pub(crate) fn computes_labels(&self) -> bool {
        !self.computed.is_empty()
    }

    /// The label set of a call whose computed labels have `values`.
    pub(crate) fn labels(&self, values: &[String]) -> Vec<Label> {
        self.labels
            .iter()
            .map(|&(key, value)| Label::from_static_parts(key, value))
            .chain(
                self.computed
                    .iter()
                    .zip(values)
                    .map(|(key, value)| Label::new(*key, value.clone())),
            )
            .collect()
    }

    /// The handles of a site without computed labels in the global recorder, once resolved.
    pub(crate) fn global_handles(&self) -> Option<&Handles> {
        self.global.get()
    }

    /// The site's metrics for the collector thread to record, when it records them: tripod's
    /// recorder is the global one with the collector thread running, this call sees the global
    /// recorder (not a thread-local one) and the site computes no labels per call.
    #[inline]
    pub(crate) fn collected_metrics(
        &'static self,
    ) -> Option<&'static dyn crate::call_path::CallMetrics> {
        if !crate::call_path::metrics_collected() || self.computes_labels() {
            return None;
        }
        metrics::with_recorder(|recorder| {
            (super::recorder::kind_of(recorder) == super::recorder::RecorderKind::Global)
                .then_some(self as &'static dyn crate::call_path::CallMetrics)
        })
    }

    /// The handles of a site without computed labels in the global recorder.
    #[inline]
    pub(crate) fn handles(
        &'static self,
        recorder: &dyn Recorder,
        outcomes: Outcomes,
    ) -> &'static Handles {
        self.global
            .get_or_init(|| self.resolve(recorder, &[], outcomes))
    }

    /// Registers the site's series for the computed labels' `values` in `recorder`, its objective
    /// first (so its histograms have a bucket at the latency threshold).
    fn resolve(&self, recorder: &dyn Recorder, values: &[String], outcomes: Outcomes) -> Handles {
        self.declare_objective(recorder);
        Handles::resolve(recorder, self.name, self.labels(values), outcomes)
    }

    /// Declares the site's objective, when it has one, and sets its series in `recorder`.
    pub(crate) fn declare_objective(&self, recorder: &dyn Recorder) {
        if let Some(objective) = self.objective {
            crate::objectives::declare(recorder, self.name, objective);
        }
    }

    /// The handles for the computed labels' `values` in the global recorder; `None` once the site
    /// keeps [`CACHED_LABEL_SETS`] label sets and `values` is not one of them.
    pub(crate) fn handles_for(
        &'static self,
        recorder: &dyn Recorder,
        outcomes: Outcomes,
        values: &[String],
    ) -> Option<&'static Handles> {
        let cache = self.by_values.get_or_init(RwLock::default);
        if let Some(handles) = cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(values)
        {
            return Some(handles);
        }
        let mut cache = cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(handles) = cache.get(values) {
            return Some(handles);
        }
        if cache.len() >= CACHED_LABEL_SETS {
            return None;
        }
        // Leaked: at most CACHED_LABEL_SETS per site, for the process's one global recorder.
        let handles: &'static Handles =
            Box::leak(Box::new(self.resolve(recorder, values, outcomes)));
        cache.insert(values.into(), handles);
        Some(handles)
    }
}

/// The values of a call's computed labels (`labels(k = %expr)`), as text; nothing when no
/// recorder listens, so nothing is formatted for nobody.
pub struct LabelValues(pub(crate) Option<Vec<String>>);

/// Evaluates a call's computed labels: the expansion calls it before the body takes the
/// arguments.
#[inline]
pub fn label_values(values: &[&dyn Display]) -> LabelValues {
    let listening = metrics::with_recorder(|recorder| {
        super::recorder::kind_of(recorder) != super::recorder::RecorderKind::Noop
    });
    LabelValues(listening.then(|| values.iter().map(ToString::to_string).collect()))
}

/// A `?expr` label's value: its `Debug` as its `Display`.
pub struct DebugLabel<'a, T: ?Sized>(pub &'a T);

impl<T: std::fmt::Debug + ?Sized> Display for DebugLabel<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, f)
    }
}

/// A function's end events: their callsites, made on first use ([`LazyEvents`]: their metadata
/// names the user's module as target), and their messages.
pub struct EndEvents {
    pub success_message: &'static str,
    pub failure_message: &'static str,
    pub cancelled_message: &'static str,
    pub callsites: LazyEvents,
}
impl EndEvents {
    /// The start callsite, with the attribute's fields and `message`.
    pub(crate) fn start(&self, fields: &'static [&'static str]) -> &'static LazyCallsite {
        self.callsites.start(fields)
    }

    /// The success callsite.
    pub(crate) fn success(&self) -> &'static LazyCallsite {
        self.callsites.success(Self::SUCCESS_FIELDS)
    }

    /// The failure callsite at `level`.
    pub(crate) fn failure_at(&self, level: Level) -> &'static LazyCallsite {
        self.callsites.failure(level, Self::FAILURE_FIELDS)
    }

    /// The cancellation's callsite.
    pub(crate) fn cancelled(&self) -> &'static LazyCallsite {
        self.callsites.cancelled(Self::CANCELLED_FIELDS)
    }

    pub const SUCCESS_FIELDS: &'static [&'static str] = &["message", "duration_ms", "return"];
    pub const FAILURE_FIELDS: &'static [&'static str] = &[
        "message",
        "error",
        "error.type",
        "error.sources",
        "duration_ms",
        "db.response.status_code",
    ];
    pub const CANCELLED_FIELDS: &'static [&'static str] = &["message", "duration_ms"];
}
