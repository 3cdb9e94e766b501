//! Which way an observed call's `NAME.start`, `NAME.success`, `NAME.failure` and
//! `NAME.cancelled` lines go, by the subscriber its span lives in:
//!
//! - under tripod's subscriber no `tracing` event is dispatched for them: the collector derives
//!   the start and success lines from the span's own start and end records, and a failure or a
//!   cancellation is appended to the thread's records as the event would have been;
//! - under tripod's layer in an application's own stack the events are dispatched, for the other
//!   layers; tripod's layer derives the start line from the span's start record like the
//!   subscriber does, and records the end events as it records any event;
//! - under any other subscriber they are ordinary `tracing` events.
//!
//! The span's start tells the expansion which ([`set_start`], [`take_start`]); the subscriber
//! registers how a failure is recorded without dispatch ([`register`]). This module imports
//! nothing of tripod's: both the hot path and the subscriber use it.
// Without `tripod::init()` (no `_init` feature) nothing sets a path: every call dispatches events.
#![cfg_attr(not(feature = "_init"), allow(dead_code))]

use std::cell::Cell;
use std::sync::OnceLock;

use tracing::span::Id;
use tracing::{Dispatch, Metadata};
use tracing_core::field::ValueSet;

/// Which way a call's lines go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum CallPath {
    /// Another subscriber, or the call's span is disabled: `tracing` events, as always.
    #[default]
    Events,
    /// tripod's subscriber: the collector derives the lines; nothing is dispatched.
    Derived,
    /// tripod's layer: the start line is derived (the start event is dispatched for the other
    /// layers only, [`derived_start`]); the end events are dispatched.
    Layer,
}

/// What an observed call's span start recorded, and how its end was marked.
#[derive(Clone, Copy)]
struct State {
    /// Set by the span's start, taken by the expansion right after.
    start: CallPath,
    /// Set while the layer's start event is dispatched.
    derived_start: bool,
    /// Set while a call under tripod's subscriber drops its span.
    ending: Option<Ending>,
}

/// How a call under tripod's subscriber ended, told to its span's close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// It returned a success: the collector derives `NAME.success` at the span's end.
    Success,
    /// Its outcome was recorded already (a failure): only the end's time matters.
    Recorded,
}

thread_local! {
    static STATE: Cell<State> = const {
        Cell::new(State { start: CallPath::Events, derived_start: false, ending: None })
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

/// While it lives, the start event being dispatched is one tripod's layer derives from the span
/// instead ([`is_derived_start`]).
pub(crate) struct DerivedStart(());

/// Marks the start event about to be dispatched under tripod's layer.
pub(crate) fn derived_start() -> DerivedStart {
    update(|state| state.derived_start = true);
    DerivedStart(())
}

impl Drop for DerivedStart {
    fn drop(&mut self) {
        update(|state| state.derived_start = false);
    }
}

/// Whether the event being recorded is a start event tripod's layer derives instead.
pub(crate) fn is_derived_start() -> bool {
    STATE
        .try_with(|cell| cell.get().derived_start)
        .unwrap_or(false)
}

/// Runs `close` (the drop of a call's span under tripod's subscriber) with `ending` told to the
/// span's close ([`take_ending`]).
#[inline]
pub(crate) fn closing(ending: Ending, close: impl FnOnce()) {
    update(|state| state.ending = Some(ending));
    close();
    update(|state| state.ending = None);
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

/// Records an end event of a call under tripod's subscriber without dispatching it: `dispatch`
/// holds the span `span`, the event's callsite is `metadata`, its fields `values`. `false` when
/// `dispatch` is not tripod's subscriber.
pub(crate) type RecordEnd = fn(&Dispatch, &Id, &'static Metadata<'static>, &ValueSet<'_>) -> bool;

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

/// Records the end event `metadata` with `values` of the call whose span is `span`, in the
/// subscriber that holds it; `false` when none of tripod's did.
pub(crate) fn record_end(
    span: &tracing::Span,
    metadata: &'static Metadata<'static>,
    values: &ValueSet<'_>,
) -> bool {
    span.with_subscriber(|(id, dispatch)| {
        RECORDERS
            .iter()
            .map_while(OnceLock::get)
            .any(|record| record(dispatch, id, metadata, values))
    })
    .unwrap_or(false)
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
        closing(Ending::Success, || told = take_ending());
        assert_eq!(told, Some(Ending::Success));
        closing(Ending::Recorded, || {});
        assert_eq!(take_ending(), None, "cleared after the close");
    }

    #[test]
    fn a_derived_start_is_marked_while_its_guard_lives() {
        assert!(!is_derived_start());
        let guard = derived_start();
        assert!(is_derived_start());
        drop(guard);
        assert!(!is_derived_start());
    }
}
