//! Which recorder a call sees: none, the global one, or a thread-local one.
//!
//! The `metrics` crate offers no "is a recorder installed" query, so recorders are told apart by
//! identity (their address). The global recorder is leaked and never replaced, so once known its
//! address is its own for good: handles resolved from it are cached per call site. Thread-local
//! recorders live on a caller's stack or heap, and a later one may reuse a dropped one's address,
//! so nothing resolved from them is cached. Both identities are learned the one way that cannot
//! see a thread-local recorder: asking from a fresh thread, at most once per thread that meets an
//! unknown recorder.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use metrics::Recorder;

/// The global recorder's address, once seen; 0 until then.
static GLOBAL: AtomicUsize = AtomicUsize::new(0);
/// The no-op recorder's address (a static in `metrics`), once seen; 0 until then.
static NOOP: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The last recorder this thread identified as thread-local, so it is not asked about again.
    static LAST_LOCAL: Cell<usize> = const { Cell::new(0) };
}

/// What the current recorder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecorderKind {
    /// Nothing installed: metrics go nowhere.
    Noop,
    /// The process-wide recorder.
    Global,
    /// A recorder installed for this thread (`metrics::with_local_recorder`), as tests do.
    Local,
}

fn address(recorder: &dyn Recorder) -> usize {
    (recorder as *const dyn Recorder).cast::<()>() as usize
}

/// Identifies `recorder`: two relaxed loads once the process has seen it.
#[inline]
pub(crate) fn kind_of(recorder: &dyn Recorder) -> RecorderKind {
    let id = address(recorder);
    if id == GLOBAL.load(Relaxed) {
        RecorderKind::Global
    } else if id == NOOP.load(Relaxed) {
        RecorderKind::Noop
    } else {
        identify(id)
    }
}

#[cold]
#[inline(never)]
fn identify(id: usize) -> RecorderKind {
    if LAST_LOCAL.with(Cell::get) == id {
        return RecorderKind::Local;
    }
    learn_from_a_fresh_thread();
    if id == GLOBAL.load(Relaxed) {
        RecorderKind::Global
    } else if id == NOOP.load(Relaxed) {
        RecorderKind::Noop
    } else {
        LAST_LOCAL.with(|last| last.set(id));
        RecorderKind::Local
    }
}

/// A fresh thread has no thread-local recorder, so it sees the global one, or the no-op one
/// (zero-sized, but a real static: a leaked zero-sized global sits at a dangling address instead).
fn learn_from_a_fresh_thread() {
    let seen = std::thread::Builder::new()
        .name("tripod-recorder-probe".into())
        .spawn(|| metrics::with_recorder(|recorder| (address(recorder), size_of_val(recorder))))
        .ok()
        .and_then(|probe| probe.join().ok());
    match seen {
        Some((id, 0)) if id >= 4096 => NOOP.store(id, Relaxed),
        Some((id, size)) if size > 0 => GLOBAL.store(id, Relaxed),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics_util::debugging::DebuggingRecorder;

    #[test]
    fn nothing_installed_is_the_noop_recorder_and_a_local_one_is_local() {
        assert_eq!(metrics::with_recorder(kind_of), RecorderKind::Noop);
        let recorder = DebuggingRecorder::new();
        metrics::with_local_recorder(&recorder, || {
            assert_eq!(metrics::with_recorder(kind_of), RecorderKind::Local);
            assert_eq!(metrics::with_recorder(kind_of), RecorderKind::Local);
        });
        assert_eq!(metrics::with_recorder(kind_of), RecorderKind::Noop);
    }
}
