//! Making export failures visible: every lost span is counted in
//! `tripod_spans_export_failed_total{reason}`, a failure is logged as one WARN line naming the
//! endpoint and the cause at most once per backoff period (a dead collector cannot flood the
//! logs), and the first export that works again after failures is logged at INFO.
//!
//! Lines go through the application's subscriber (the one `tripod::init()` built), never to
//! the exporter itself; header values never appear in them.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tracing::dispatcher::WeakDispatch;

use super::transport::ExportError;
use crate::metric_names::SPANS_EXPORT_FAILED;

/// The export thread's account of failures.
pub(crate) struct Reporter {
    endpoint: String,
    dispatch: OnceLock<WeakDispatch>,
    state: std::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    /// When the last WARN line was written.
    warned_at: Option<Instant>,
    /// Failed exports and spans lost since the last success.
    failures: u64,
    lost: u64,
}

impl Reporter {
    pub(crate) fn new(endpoint: String) -> Reporter {
        Reporter {
            endpoint,
            dispatch: OnceLock::new(),
            state: std::sync::Mutex::default(),
        }
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

    /// An export of `spans` spans failed; the next attempt waits `retry_in`.
    pub(crate) fn failed(&self, error: &ExportError, spans: usize, retry_in: Duration) {
        metrics::counter!(SPANS_EXPORT_FAILED, "reason" => error.reason()).increment(spans as u64);
        let mut state = self.state();
        state.failures += 1;
        state.lost += spans as u64;
        let due = state
            .warned_at
            .is_none_or(|warned| warned.elapsed() >= retry_in);
        if !due {
            return;
        }
        state.warned_at = Some(Instant::now());
        drop(state);
        let endpoint = &self.endpoint;
        let retry_in_s = retry_in.as_secs();
        self.log(|| {
            tracing::warn!(
                target: "tripod::export",
                endpoint = %endpoint,
                reason = error.reason(),
                error = %error,
                spans,
                retry_in_s,
                "tripod.export.failed"
            )
        });
    }

    /// An export worked; after failures, says so once.
    pub(crate) fn succeeded(&self) {
        let mut state = self.state();
        if state.failures == 0 {
            return;
        }
        let (failures, lost) = (state.failures, state.lost);
        *state = State::default();
        drop(state);
        let endpoint = &self.endpoint;
        self.log(|| {
            tracing::info!(
                target: "tripod::export",
                endpoint = %endpoint,
                failed_exports = failures,
                spans_lost = lost,
                "tripod.export.recovered"
            )
        });
    }

    /// `spans` spans were still queued when shutdown's deadline passed.
    pub(crate) fn lost_at_shutdown(&self, spans: usize, waited: Duration) {
        if spans == 0 {
            return;
        }
        metrics::counter!(SPANS_EXPORT_FAILED, "reason" => "shutdown").increment(spans as u64);
        let endpoint = &self.endpoint;
        let waited_ms = waited.as_millis() as u64;
        self.log(|| {
            tracing::warn!(
                target: "tripod::export",
                endpoint = %endpoint,
                spans,
                waited_ms,
                "tripod.export.lost_at_shutdown"
            )
        });
    }

    fn log(&self, line: impl FnOnce()) {
        match self.dispatch.get().and_then(WeakDispatch::upgrade) {
            Some(dispatch) => tracing::dispatcher::with_default(&dispatch, line),
            None => line(),
        }
    }
}
