//! Which way an observed call's `NAME.start`, `NAME.success`, `NAME.failure` and
//! `NAME.cancelled` lines go, by the subscriber its span lives in:
//!
//! - under tripod's subscriber no `tracing` event is dispatched for them: the collector thread
//!   derives the start and success lines from the span's own start and end records, and a failure
//!   or a cancellation is appended to the thread's records as the event would have been;
//! - under tripod's layer in an application's own stack the events are dispatched, for the other
//!   layers only ([`derived`]): tripod's layer ignores them and records the call as the
//!   subscriber does (the start and success lines derived from the span, a failure or a
//!   cancellation appended with the verdict its filters gave the dispatched event);
//! - under any other subscriber they are ordinary `tracing` events.
//!
//! The span's start tells the expansion which ([`set_start`], [`take_start`]); the subscriber and
//! the layer register how a call's end is recorded without dispatch ([`register`]). This module
//! imports nothing of tripod's: both the hot path and the subscriber use it.
// Without `tripod::init()` (no `_init` feature) nothing sets a path: every call dispatches events.
#![cfg_attr(not(feature = "_init"), allow(dead_code))]

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::span::Id;
use tracing::{Dispatch, Metadata};
use tracing_core::field::ValueSet;

/// Which way a call's lines go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum CallPath {
    /// Another subscriber, or the call's span is disabled: `tracing` events, as always.
    #[default]
    Events,
    /// tripod's subscriber: the collector thread derives the lines; nothing is dispatched.
    Derived,
    /// tripod's layer: the lines are derived as under the subscriber; the events are dispatched
    /// for the other layers only ([`derived`]).
    Layer,
}

/// What an observed call's span start recorded, and how its end was marked.
#[derive(Clone, Copy)]
struct State {
    /// Set by the span's start, taken by the expansion right after.
    start: CallPath,
    /// Set while an event tripod's layer derives itself is dispatched.
    derived: bool,
    /// What tripod's layer's filters said of that event: logged, traced.
    verdict: Option<(bool, bool)>,
    /// Set while an observed call under tripod's subscriber or layer drops its span.
    ending: Option<Ending>,
}

/// How an observed call ended, told to its span's close: the collector thread derives
/// `NAME.success` from a success (a failure or a cancellation was recorded as its event already),
/// ends the span's record then, and, when the call left its metrics to it, records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Success,
    Failure { error_type: &'static str },
    Panic,
    Cancelled,
}

/// When a call of an observed function that is still running is reported
/// (`#[observe(still_running_after = "..")]`): after the default threshold (10 s, or what
/// `tripod::init()` was told), after the function's own, or never.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StillRunning {
    /// After the threshold `tripod::init()` configured.
    #[default]
    Default,
    /// After this many milliseconds (above zero).
    AfterMillis(u64),
    /// Never: long-polling and streaming calls are meant to run long.
    Off,
}

/// An observed call site's metrics, recorded by the collector thread from its calls' records
/// when tripod's recorder and collector thread are installed ([`metrics_collected`]): no shared
/// atomic on the calling thread.
pub(crate) trait CallMetrics: Sync {
    /// A call started: the in-flight gauge goes up; `false` when the site's series are not
    /// resolved yet (its first call, collected before it resolved them), so nothing was counted.
    fn started(&'static self) -> bool;
    /// A call ended as `ending` says after `seconds`: its duration sample (with the current
    /// span's exemplar), its error count, and the in-flight gauge down when `started` counted it.
    fn ended(&'static self, ending: Ending, seconds: f64, started: bool);
}

/// Whether observed calls leave their metrics to the collector thread: set while tripod's
/// recorder is the global one and the collector thread runs (`install()`).
static METRICS_COLLECTED: AtomicBool = AtomicBool::new(false);

/// Says whether observed calls leave their metrics to the collector thread.
pub(crate) fn collect_metrics(on: bool) {
    METRICS_COLLECTED.store(on, Ordering::Release);
}

/// Whether observed calls leave their metrics to the collector thread.
#[inline]
pub(crate) fn metrics_collected() -> bool {
    METRICS_COLLECTED.load(Ordering::Relaxed)
}

thread_local! {
    static STATE: Cell<State> = const {
        Cell::new(State { start: CallPath::Events, derived: false, verdict: None, ending: None })
    };
}

fn update(f: impl FnOnce(&mut State)) {
    let _ = STATE.try_with(|cell| {
        let mut state = cell.get();
        f(&mut state);
        cell.set(state);
    });
}

/// Says that the span just started is an observed call's, recorded by `path`.
pub(crate) fn set_start(path: CallPath) {
    update(|state| state.start = path);
}

/// Which way the call whose span was just created goes (and forgets it).
#[inline]
pub(crate) fn take_start() -> CallPath {
    STATE
        .try_with(|cell| {
            let mut state = cell.get();
            let path = std::mem::take(&mut state.start);
            cell.set(state);
            path
        })
        .unwrap_or_default()
}

/// While it lives, the events dispatched are ones tripod's layer derives itself ([`is_derived`]).
pub(crate) struct Derived(());

/// Marks the events about to be dispatched under tripod's layer as derived.
pub(crate) fn derived() -> Derived {
    update(|state| {
        state.derived = true;
        state.verdict = None;
    });
    Derived(())
}

impl Derived {
    /// What tripod's layer's filters said of the event dispatched meanwhile: logged, traced
    /// (`None` when they let it through to no tripod layer).
    pub(crate) fn verdict(self) -> Option<(bool, bool)> {
        STATE.try_with(|cell| cell.get().verdict).ok().flatten()
    }
}

impl Drop for Derived {
    fn drop(&mut self) {
        update(|state| {
            state.derived = false;
            state.verdict = None;
        });
    }
}

/// Whether the event being recorded is one tripod's layer derives itself.
pub(crate) fn is_derived() -> bool {
    STATE.try_with(|cell| cell.get().derived).unwrap_or(false)
}

/// tripod's layer's filters let a derived event through: logged, traced.
pub(crate) fn note_verdict(logged: bool, traced: bool) {
    update(|state| state.verdict = Some((logged, traced)));
}

/// Runs `close` (the drop of a call's span under tripod's subscriber or layer) with `ending` told
/// to the span's close ([`take_ending`]); `false` when no close took it (tripod's layer is told
/// only when the span closes).
#[inline]
pub(crate) fn closing(ending: Ending, close: impl FnOnce()) -> bool {
    update(|state| state.ending = Some(ending));
    close();
    take_ending().is_none()
}

/// How the call whose span is closing ended, when it is an observed call's under tripod's
/// subscriber (taken: only the span the call dropped gets it).
#[inline]
pub(crate) fn take_ending() -> Option<Ending> {
    STATE
        .try_with(|cell| {
            let mut state = cell.get();
            let ending = state.ending.take();
            cell.set(state);
            ending
        })
        .ok()
        .flatten()
}

/// Whether a span's callsite is an observed call's: its first field is `code.function.name`
/// (checked beside the mark its call's reading carries, so a span that a field's expression starts
/// is never taken for the call's).
#[inline]
pub(crate) fn is_call_span(metadata: &Metadata<'_>) -> bool {
    metadata
        .fields()
        .iter()
        .next()
        .is_some_and(|field| field.name() == "code.function.name")
}

/// What a call's end records without dispatch.
#[derive(Clone, Copy)]
pub(crate) enum CallEnd<'a> {
    /// The call ended, its span stays open (another handle holds it).
    Ended(Ending),
    /// Its failure or cancellation event: the callsite, its fields, and, under tripod's layer,
    /// what its filters said of the dispatched event (logged, traced).
    Event {
        metadata: &'static Metadata<'static>,
        values: &'a ValueSet<'a>,
        verdict: Option<(bool, bool)>,
    },
}

/// Records a call's end without dispatch in `dispatch`, which holds the span `span`; `false`
/// when `dispatch` is not the subscriber or the stack this function knows.
pub(crate) type RecordEnd = fn(&Dispatch, &Id, CallEnd<'_>) -> bool;

/// The subscribers that record end events themselves (one per process, at most a few).
static RECORDERS: [OnceLock<RecordEnd>; 4] = [const { OnceLock::new() }; 4];

/// Makes [`record_end`] ask `record` too (once per function; a fifth is ignored).
pub(crate) fn register(record: RecordEnd) {
    for slot in &RECORDERS {
        if slot.get().is_none() {
            let _ = slot.set(record);
        }
        if slot
            .get()
            .is_some_and(|set| std::ptr::fn_addr_eq(*set, record))
        {
            return;
        }
    }
}

/// Records `end` of the call whose span is `id` in `dispatch`; `false` when none of tripod's
/// subscribers or layers holds it.
pub(crate) fn record_end(dispatch: &Dispatch, id: &Id, end: CallEnd<'_>) -> bool {
    RECORDERS
        .iter()
        .map_while(OnceLock::get)
        .any(|record| record(dispatch, id, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_path_is_taken_once() {
        set_start(CallPath::Derived);
        assert_eq!(take_start(), CallPath::Derived);
        assert_eq!(take_start(), CallPath::Events);
    }

    #[test]
    fn an_ending_is_told_only_to_the_close_it_surrounds() {
        let mut told = None;
        assert!(closing(Ending::Success, || told = take_ending()));
        assert_eq!(told, Some(Ending::Success));
        assert!(!closing(Ending::Cancelled, || {}), "no close took it");
        assert_eq!(take_ending(), None, "cleared after the close");
    }

    #[test]
    fn a_derived_event_is_marked_while_its_guard_lives_and_its_verdict_read_once() {
        assert!(!is_derived());
        let guard = derived();
        assert!(is_derived());
        note_verdict(true, false);
        assert_eq!(guard.verdict(), Some((true, false)));
        assert!(!is_derived());
        let guard = derived();
        assert_eq!(
            guard.verdict(),
            None,
            "a verdict is not carried to the next event"
        );
    }
}
