//! The capture layer: each sampled span is recorded in its [`SpanState`] as a compact
//! [`SpanRecord`] and, when it closes, handed to every sink (the export queue, the trace viewer's
//! store) through [`Capture`]. No SDK tracer, no per-span context objects: ids come from the
//! trace context layer.
//!
//! Attributes follow the fields' types (unsigned integers become `i64` when they fit, else
//! strings); `otel.name`, `otel.kind`, `otel.status_code` and `otel.status_description` set the
//! span's name, kind and status; the metadata's file and line become `code.file.path` and
//! `code.line.number`. Events become span events named by their message.

use std::fmt;
use std::sync::Arc;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::SpanState;
use crate::capture::{Capture, FieldSink, FieldValue, SpanLimits, SpanSink};

/// The capture layer: [`Capture`] over the registry's span data.
pub(crate) struct CaptureLayer(Capture);

impl CaptureLayer {
    pub(crate) fn new(sinks: Vec<Arc<dyn SpanSink>>, limits: SpanLimits) -> Self {
        CaptureLayer(Capture::new(sinks, limits))
    }
}

/// `f` with `id`'s span state, when the span has one.
fn with_state<S>(ctx: &Context<'_, S>, id: &Id, f: impl FnOnce(&mut SpanState))
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(span) = ctx.span(id) else { return };
    if let Some(state) = span.extensions_mut().get_mut::<SpanState>() {
        f(state);
    }
}

impl<S> Layer<S> for CaptureLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        with_state(&ctx, id, |state| {
            if !state.ids.sampled {
                return;
            }
            let mut record = self.0.begin(
                state.ids,
                &state.trace_state,
                attrs.metadata(),
                crate::clock::now(),
            );
            attrs.record(&mut Fields(&mut record));
            state.record = Some(record);
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        with_state(&ctx, id, |state| {
            if let Some(record) = state.record.as_mut() {
                values.record(&mut Fields(record));
            }
        });
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        let Some(to) = ctx.span(follows) else { return };
        let Some((ids, trace_state)) = to
            .extensions()
            .get::<SpanState>()
            .map(|state| (state.ids, state.trace_state.clone()))
        else {
            return;
        };
        with_state(&ctx, id, |state| {
            if let Some(record) = state.record.as_mut() {
                record.link(ids, &trace_state);
            }
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        with_state(&ctx, &span.id(), |state| {
            if let Some(record) = state.record.as_mut() {
                record.event(event.metadata().name(), |sink| {
                    event.record(&mut Fields(sink));
                });
            }
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        with_state(&ctx, &id, |state| {
            if let Some(mut record) = state.record.take() {
                record.end();
                self.0.finish(record);
            }
        });
    }
}

/// Hands each field to a span record (as an attribute or an `otel.*` directive) or to an event
/// (its message as the name, other fields as attributes).
struct Fields<'a, T>(&'a mut T);

impl<T: FieldSink> Visit for Fields<'_, T> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.field(field.name(), FieldValue::F64(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.field(field.name(), FieldValue::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.field(field.name(), FieldValue::U64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.field(field.name(), FieldValue::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.field(field.name(), FieldValue::Str(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.field(field.name(), FieldValue::Debug(value));
    }
}
