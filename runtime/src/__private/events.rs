//! Emitting a call's end events through its site's callsites.
//!
//! Each event is checked as `tracing`'s own macros check theirs (global level, cached callsite
//! interest, then the subscriber) before any value is formatted. Events are children of the
//! call's span when it is enabled; otherwise they take the current span as parent.

use std::fmt::{Debug, Display};

use tracing::field::{Value, debug, display};
use tracing::{Event, Span};
use tracing_core::Callsite as _;
use tracing_core::field::ValueSet;

use super::lazy_callsite::LazyCallsite;
use super::level_enabled;
use super::outcome::Sources;
use crate::call_path::{self, CallEnd, CallPath};

/// Whether anyone wants events from `callsite`.
#[inline]
pub(crate) fn enabled(callsite: &'static LazyCallsite) -> bool {
    let metadata = callsite.metadata();
    if !level_enabled(metadata.level()) {
        return false;
    }
    let interest = callsite.interest();
    !interest.is_never()
        && (interest.is_always()
            || tracing::dispatcher::get_default(|dispatch| dispatch.enabled(metadata)))
}

/// Dispatches the event; under tripod's subscriber records it without dispatch instead; under
/// tripod's layer dispatches it for the other layers and, when `record`, records it with the
/// verdict the layer's filters gave it (a success is not recorded: the collector thread derives
/// it).
fn dispatch(
    callsite: &'static LazyCallsite,
    parent: &Span,
    path: CallPath,
    record: bool,
    values: &ValueSet<'_>,
) {
    let metadata = callsite.metadata();
    let record_end = |verdict| {
        parent
            .with_subscriber(|(id, dispatch)| {
                call_path::record_end(
                    dispatch,
                    id,
                    CallEnd::Event {
                        metadata,
                        values,
                        verdict,
                    },
                )
            })
            .unwrap_or(false)
    };
    match path {
        CallPath::Derived if record_end(None) => {}
        CallPath::Layer => {
            let derived = call_path::derived();
            send(metadata, parent, values);
            if let Some(verdict) = derived.verdict()
                && record
            {
                record_end(Some(verdict));
            }
        }
        _ => send(metadata, parent, values),
    }
}

/// Dispatches the event, a child of `parent` when it is enabled.
fn send(metadata: &'static tracing::Metadata<'static>, parent: &Span, values: &ValueSet<'_>) {
    match parent.id() {
        Some(id) => Event::child_of(id, metadata, values),
        None => Event::dispatch(metadata, values),
    }
}

/// `NAME.start`: the attribute's fields (in `span_values` after the span's first field,
/// `code.function.name`), then `message`; a child of the call's span, or, when that span is
/// disabled, of the current span (what entering the disabled span would leave current: naming
/// the parent spares the subscriber entering and exiting the span around the event).
pub(crate) fn start(
    callsite: &'static LazyCallsite,
    span: &Span,
    message: &'static str,
    span_values: &[Option<&dyn Value>],
) {
    if !enabled(callsite) {
        return;
    }
    let metadata = callsite.metadata();
    let fields = metadata.fields();
    let own = fields.len() - 1;
    let Some(own_values) = span_values.get(1..=own) else {
        return;
    };
    // The values in the event's order, on the stack for as many fields as a callsite usually has.
    let mut inline: [Option<&dyn Value>; 32] = [None; 32];
    let mut spilled = Vec::new();
    let values: &mut [Option<&dyn Value>] = if own < inline.len() {
        &mut inline[..=own]
    } else {
        spilled.resize(own + 1, None);
        &mut spilled
    };
    values[..own].copy_from_slice(own_values);
    values[own] = Some(&message as &dyn Value);
    let parent = span.id().or_else(|| Span::current().id());
    Event::child_of(parent, metadata, &fields.value_set_all(values));
}

/// `NAME.success` with `duration_ms` and, for `ret`, `return`.
pub(crate) fn success(
    callsite: &'static LazyCallsite,
    message: &'static str,
    parent: &Span,
    path: CallPath,
    duration_ms: Option<f64>,
    ret: Option<&dyn Debug>,
) {
    let fields = callsite.metadata().fields();
    let mut names = fields.iter();
    let (Some(message_field), Some(duration_field), Some(return_field)) =
        (names.next(), names.next(), names.next())
    else {
        return;
    };
    let ret = ret.map(debug);
    dispatch(
        callsite,
        parent,
        path,
        false,
        &fields.value_set(&[
            (&message_field, Some(&message as &dyn Value)),
            (
                &duration_field,
                duration_ms.as_ref().map(|d| d as &dyn Value),
            ),
            (&return_field, ret.as_ref().map(|r| r as &dyn Value)),
        ]),
    );
}

/// What a failure event says about the error.
pub(crate) struct FailureFields<'a> {
    pub(crate) error: Option<&'a dyn Display>,
    pub(crate) error_type: &'static str,
    pub(crate) sources: Option<Sources<'a>>,
    pub(crate) duration_ms: Option<f64>,
    /// `db.response.status_code`, when the error gives one.
    pub(crate) db_status_code: Option<&'a str>,
}

/// `NAME.failure` at ERROR with `error`, `error.type`, `error.sources`, `duration_ms` and, when
/// the error gives one, `db.response.status_code`.
pub(crate) fn failure(
    callsite: &'static LazyCallsite,
    message: &'static str,
    parent: &Span,
    path: CallPath,
    failure: FailureFields<'_>,
) {
    let fields = callsite.metadata().fields();
    let mut names = fields.iter();
    let (
        Some(message_field),
        Some(error_field),
        Some(type_field),
        Some(sources_field),
        Some(duration_field),
        Some(status_field),
    ) = (
        names.next(),
        names.next(),
        names.next(),
        names.next(),
        names.next(),
        names.next(),
    )
    else {
        return;
    };
    let error = failure.error.map(display);
    let sources = failure
        .sources
        .filter(|sources| !sources.is_empty())
        .map(display);
    dispatch(
        callsite,
        parent,
        path,
        true,
        &fields.value_set(&[
            (&message_field, Some(&message as &dyn Value)),
            (&error_field, error.as_ref().map(|e| e as &dyn Value)),
            (&type_field, Some(&failure.error_type as &dyn Value)),
            (&sources_field, sources.as_ref().map(|s| s as &dyn Value)),
            (
                &duration_field,
                failure.duration_ms.as_ref().map(|d| d as &dyn Value),
            ),
            (
                &status_field,
                failure.db_status_code.as_ref().map(|s| s as &dyn Value),
            ),
        ]),
    );
}

/// `NAME.cancelled` at WARN with `duration_ms`.
pub(crate) fn cancelled(
    callsite: &'static LazyCallsite,
    message: &'static str,
    parent: &Span,
    path: CallPath,
    duration_ms: Option<f64>,
) {
    let fields = callsite.metadata().fields();
    let mut names = fields.iter();
    let (Some(message_field), Some(duration_field)) = (names.next(), names.next()) else {
        return;
    };
    dispatch(
        callsite,
        parent,
        path,
        true,
        &fields.value_set(&[
            (&message_field, Some(&message as &dyn Value)),
            (
                &duration_field,
                duration_ms.as_ref().map(|d| d as &dyn Value),
            ),
        ]),
    );
}
