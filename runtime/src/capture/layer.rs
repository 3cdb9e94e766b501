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

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::span::{FieldSink, FieldValue, SpanRecord};
use super::{SpanLimits, SpanSink};
use crate::trace::SpanState;

/// Records sampled spans (within the span limits) and hands them to the sinks when they close.
pub(crate) struct CaptureLayer {
    sinks: Vec<Arc<dyn SpanSink>>,
    limits: SpanLimits,
}

impl CaptureLayer {
    pub(crate) fn new(sinks: Vec<Arc<dyn SpanSink>>, limits: SpanLimits) -> Self {
        CaptureLayer { sinks, limits }
    }
}

impl<S> Layer<S> for CaptureLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        let Some(state) = extensions.get_mut::<SpanState>() else {
            return;
        };
        if !state.ids.sampled {
            return;
        }
        let ids = state.ids;
        let metadata = attrs.metadata();
        let mut record =
            SpanRecord::new(ids, metadata.name(), metadata.fields().len(), self.limits);
        record.trace_state = state.trace_state.clone();
        if let Some(file) = metadata.file() {
            record.set_static("code.file.path", file);
        }
        if let Some(line) = metadata.line() {
            record.field("code.line.number", FieldValue::I64(i64::from(line)));
        }
        attrs.record(&mut Fields(&mut record));
        state.record = Some(record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if let Some(record) = span
            .extensions_mut()
            .get_mut::<SpanState>()
            .and_then(|state| state.record.as_mut())
        {
            values.record(&mut Fields(record));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        let Some(record) = extensions
            .get_mut::<SpanState>()
            .and_then(|state| state.record.as_mut())
        else {
            return;
        };
        record.event(event.metadata().name(), |sink| {
            event.record(&mut Fields(sink));
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(mut record) = span
            .extensions_mut()
            .get_mut::<SpanState>()
            .and_then(|state| state.record.take())
        else {
            return;
        };
        record.end();
        let record = Arc::new(record);
        for sink in &self.sinks {
            sink.span_closed(record.clone());
        }
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
