//! Making export failures visible, per signal: every lost span, log record or data point is
//! counted (`tripod_spans_export_failed_total{reason}` and its like) when it is given up on, a
//! failed attempt (one to be retried, or one that loses its batch) is logged as one WARN line
//! naming the signal, the endpoint and the cause: the first failure after a success, then at
//! most one every 30 s (a dead endpoint cannot flood the logs), and the first export that works
//! again after failures is logged at INFO, with what was lost meanwhile. Items an endpoint
//! accepted the request of but rejected (partial success) are counted under `reason="rejected"`
//! and its message logged at most every 30 s.
//!
//! Lines go through the application's subscriber (the one `tripod::init()` built), never to
//! the exporter itself; header values never appear in them.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tracing::dispatcher::WeakDispatch;

use super::partial::PartialSuccess;
use super::signal::Signal;
use super::transport::ExportError;

/// The export thread's account of failures.
pub(crate) struct Reporter {
    signal: Signal,
    endpoint: String,
    dispatch: OnceLock<WeakDispatch>,
    state: std::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    /// When the last WARN line was written.
    warned_at: Option<Instant>,
    /// Failed attempts and spans lost since the last success.
    failures: u64,
    lost: u64,
    /// When the last partial success was logged.
    rejection_warned_at: Option<Instant>,
}

/// How often an endpoint's partial successes are logged, at most.
const REJECTIONS_EVERY: Duration = Duration::from_secs(30);

/// How often failures are logged while they go on, at most.
const FAILURES_EVERY: Duration = Duration::from_secs(30);

impl Reporter {
    pub(crate) fn new(signal: Signal, endpoint: String) -> Reporter {
        Reporter {
            signal,
            endpoint,
            dispatch: OnceLock::new(),
            state: std::sync::Mutex::default(),
        }
    }

    pub(crate) fn signal(&self) -> Signal {
        self.signal
    }

    /// The subscriber lines go through (held weakly: the subscriber owns the exporter).
    pub(crate) fn log_through(&self, dispatch: WeakDispatch) {
        let _ = self.dispatch.set(dispatch);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An attempt to export `count` spans (log records, data points) failed; it is tried again
    /// in `retry_in`. Nothing is lost yet.
    pub(crate) fn retrying(&self, error: &ExportError, count: usize, retry_in: Duration) {
        self.attempt_failed(error, count, Some(retry_in));
    }

    /// An export of `lost` spans (log records, data points) failed for good: they are counted.
    pub(crate) fn failed(&self, error: &ExportError, lost: usize) {
        metrics::counter!(self.signal.failed_counter(), "reason" => error.reason())
            .increment(lost as u64);
        self.state().lost += lost as u64;
        self.attempt_failed(error, lost, None);
    }

    /// One WARN line for a failed attempt, when one is due: `retrying` says whether the batch
    /// is tried again (and in how many milliseconds) or was lost.
    fn attempt_failed(&self, error: &ExportError, count: usize, retry_in: Option<Duration>) {
        let mut state = self.state();
        state.failures += 1;
        let due = state.failures == 1
            || state
                .warned_at
                .is_none_or(|warned| warned.elapsed() >= FAILURES_EVERY);
        if !due {
            return;
        }
        state.warned_at = Some(Instant::now());
        drop(state);
        let (signal, endpoint) = (self.signal.name(), &self.endpoint);
        let reason = error.reason();
        let retrying = retry_in.is_some();
        let retry_in_ms = retry_in.map_or(0, |wait| wait.as_millis() as u64);
        self.log(|| match self.signal {
            Signal::Traces => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, reason, error = %error,
                spans = count, retrying, retry_in_ms, "tripod.export.failed"
            ),
            Signal::Logs => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, reason, error = %error,
                log_records = count, retrying, retry_in_ms, "tripod.export.failed"
            ),
            Signal::Metrics => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, reason, error = %error,
                data_points = count, retrying, retry_in_ms, "tripod.export.failed"
            ),
        });
    }

    /// The endpoint accepted an export but rejected `partial.rejected` of its items (or sent a
    /// warning alone): they are counted as lost (`reason="rejected"`) and the endpoint's message
    /// is logged, at most every 30 s.
    pub(crate) fn rejected(&self, partial: &PartialSuccess) {
        let rejected = u64::try_from(partial.rejected).unwrap_or(0);
        if rejected > 0 {
            metrics::counter!(self.signal.failed_counter(), "reason" => "rejected")
                .increment(rejected);
        }
        let mut state = self.state();
        if state
            .rejection_warned_at
            .is_some_and(|warned| warned.elapsed() < REJECTIONS_EVERY)
        {
            return;
        }
        state.rejection_warned_at = Some(Instant::now());
        drop(state);
        let (signal, endpoint) = (self.signal.name(), &self.endpoint);
        let error_message = partial.error_message.as_str();
        self.log(|| match self.signal {
            Signal::Traces => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, reason = "rejected",
                error_message, spans = rejected, "tripod.export.rejected"
            ),
            Signal::Logs => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, reason = "rejected",
                error_message, log_records = rejected, "tripod.export.rejected"
            ),
            Signal::Metrics => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, reason = "rejected",
                error_message, data_points = rejected, "tripod.export.rejected"
            ),
        });
    }

    /// The queue's dropped items so far (a total, kept by the queue).
    pub(crate) fn dropped(&self, total: u64) {
        if let Some(counter) = self.signal.dropped_counter() {
            metrics::counter!(counter).absolute(total);
        }
    }

    /// An export worked; after failures, says so once.
    pub(crate) fn succeeded(&self) {
        let mut state = self.state();
        if state.failures == 0 {
            return;
        }
        let (failures, lost) = (state.failures, state.lost);
        let rejection_warned_at = state.rejection_warned_at;
        *state = State {
            rejection_warned_at,
            ..State::default()
        };
        drop(state);
        let (signal, endpoint) = (self.signal.name(), &self.endpoint);
        self.log(|| match self.signal {
            Signal::Traces => tracing::info!(
                target: "tripod::export", signal, endpoint = %endpoint,
                failed_exports = failures, spans_lost = lost, "tripod.export.recovered"
            ),
            Signal::Logs => tracing::info!(
                target: "tripod::export", signal, endpoint = %endpoint,
                failed_exports = failures, log_records_lost = lost, "tripod.export.recovered"
            ),
            Signal::Metrics => tracing::info!(
                target: "tripod::export", signal, endpoint = %endpoint,
                failed_exports = failures, data_points_lost = lost, "tripod.export.recovered"
            ),
        });
    }

    /// `lost` spans (log records, data points) were still queued when shutdown's deadline
    /// passed.
    pub(crate) fn lost_at_shutdown(&self, lost: usize, waited: Duration) {
        if lost == 0 {
            return;
        }
        metrics::counter!(self.signal.failed_counter(), "reason" => "shutdown")
            .increment(lost as u64);
        let (signal, endpoint) = (self.signal.name(), &self.endpoint);
        let waited_ms = waited.as_millis() as u64;
        self.log(|| match self.signal {
            Signal::Traces => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, spans = lost, waited_ms,
                "tripod.export.lost_at_shutdown"
            ),
            Signal::Logs => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, log_records = lost,
                waited_ms, "tripod.export.lost_at_shutdown"
            ),
            Signal::Metrics => tracing::warn!(
                target: "tripod::export", signal, endpoint = %endpoint, data_points = lost,
                waited_ms, "tripod.export.lost_at_shutdown"
            ),
        });
    }

    fn log(&self, line: impl FnOnce()) {
        match self.dispatch.get().and_then(WeakDispatch::upgrade) {
            Some(dispatch) => tracing::dispatcher::with_default(&dispatch, line),
            None => line(),
        }
    }
}
