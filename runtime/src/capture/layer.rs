//! The capture layer: each sampled span is recorded in its extensions as a compact
//! [`SpanRecord`] and, when it closes, handed to every [`SpanSink`] (the export queue, the trace
//! viewer's store), shared, not copied. No SDK tracer, no per-span context objects: ids come from
//! tripod's trace context layer.
//!
//! Attributes follow the fields' types (unsigned integers become `i64` when they fit, else
//! strings); `otel.name`, `otel.kind`, `otel.status_code` and `otel.status_description` set the
//! span's name, kind and status; the metadata's file and line become `code.file.path` and
//! `code.line.number`. Events become span events named by their message.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::span::{FieldSink, FieldValue, SpanRecord};
use super::{SpanLimits, SpanSink};
use crate::trace::{SpanIds, SpanState, TraceState};

/// Records sampled spans (within the span limits) and hands them to the sinks when they close:
/// what the capture layer and tripod's own subscriber do with each span's [`SpanState`].
pub(crate) struct Capture {
    sinks: Vec<Arc<dyn SpanSink>>,
    limits: SpanLimits,
}

impl Capture {
    pub(crate) fn new(sinks: Vec<Arc<dyn SpanSink>>, limits: SpanLimits) -> Self {
        Capture { sinks, limits }
    }

    /// Starts the record of a new span, when it is sampled.
    pub(crate) fn start(&self, state: &mut SpanState, attrs: &Attributes<'_>) {
        if !state.ids.sampled {
            return;
        }
        let mut record = self.begin(
            state.ids,
            &state.trace_state,
            attrs.metadata(),
            crate::clock::now(),
        );
        attrs.record(&mut Fields(&mut record));
        state.record = Some(record);
    }

    /// The record of a span that started at `start`, before its fields: its name, and its
    /// callsite's file and line.
    pub(crate) fn begin(
        &self,
        ids: SpanIds,
        trace_state: &TraceState,
        metadata: &'static Metadata<'static>,
        start: SystemTime,
    ) -> SpanRecord {
        let mut record = SpanRecord::started_at(
            ids,
            metadata.name(),
            metadata.fields().len(),
            self.limits,
            start,
        );
        record.trace_state = trace_state.clone();
        if let Some(file) = metadata.file() {
            record.set_static("code.file.path", file);
        }
        if let Some(line) = metadata.line() {
            record.field("code.line.number", FieldValue::I64(i64::from(line)));
        }
        record
    }

    /// Hands an ended span to every sink.
    pub(crate) fn finish(&self, record: SpanRecord) {
        let record = Arc::new(record);
        for sink in &self.sinks {
            sink.span_closed(record.clone());
        }
    }

    /// Hands ended spans to every sink, all at once, and empties `records`.
    #[cfg(feature = "json")]
    pub(crate) fn finish_all(&self, records: &mut Vec<Arc<SpanRecord>>) {
        if records.is_empty() {
            return;
        }
        for sink in &self.sinks {
            sink.spans_closed(records);
        }
        records.clear();
    }

    /// Records fields given to `Span::record`.
    pub(crate) fn record(state: &mut SpanState, values: &Record<'_>) {
        if let Some(record) = state.record.as_mut() {
            values.record(&mut Fields(record));
        }
    }

    /// Adds `event` to the span it happened in.
    pub(crate) fn event(state: &mut SpanState, event: &Event<'_>) {
        if let Some(record) = state.record.as_mut() {
            record.event(event.metadata().name(), |sink| {
                event.record(&mut Fields(sink));
            });
        }
    }

    /// Adds a link to `to`, a span this one follows from.
    pub(crate) fn link(state: &mut SpanState, to: SpanIds, trace_state: &TraceState) {
        if let Some(record) = state.record.as_mut() {
            record.link(to, trace_state);
        }
    }

    /// Ends the span's record and hands it to every sink.
    pub(crate) fn close(&self, state: &mut SpanState) {
        let Some(mut record) = state.record.take() else {
            return;
        };
        record.end();
        self.finish(record);
    }
}

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
        with_state(&ctx, id, |state| self.0.start(state, attrs));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        with_state(&ctx, id, |state| Capture::record(state, values));
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
        with_state(&ctx, id, |state| Capture::link(state, ids, &trace_state));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        with_state(&ctx, &span.id(), |state| Capture::event(state, event));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        with_state(&ctx, &id, |state| self.0.close(state));
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
