//! A lean `tracing` → OpenTelemetry bridge: each sampled span is collected in its extensions and,
//! when it closes, handed to the export queue as the SDK's `SpanData`. No SDK tracer, no
//! per-span context objects: ids come from tripod's trace context layer.
//!
//! Attributes follow the fields' types (unsigned integers become `i64` when they fit, else
//! strings); `otel.name`, `otel.kind`, `otel.status_code` and `otel.status_description` set the
//! span's name, kind and status; the metadata's file and line become `code.file.path` and
//! `code.line.number`. Events become span events named by their message.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use opentelemetry::trace::{self as otel, SpanKind, Status, TraceFlags, TraceState};
use opentelemetry::{InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::pipeline::Queue;
use crate::trace::SpanIds;

/// Collects sampled spans and queues them for export when they close.
pub(crate) struct OtlpLayer {
    queue: Arc<Queue>,
    scope: InstrumentationScope,
}

impl OtlpLayer {
    pub(crate) fn new(queue: Arc<Queue>) -> Self {
        let scope = InstrumentationScope::builder("tripod")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        OtlpLayer { queue, scope }
    }
}

/// A span being recorded.
struct Recording {
    name: Cow<'static, str>,
    kind: SpanKind,
    start: SystemTime,
    attributes: Vec<KeyValue>,
    events: Vec<otel::Event>,
    status: Status,
}

impl<S> Layer<S> for OtlpLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if !extensions
            .get_mut::<SpanIds>()
            .is_some_and(|ids| ids.sampled)
        {
            return;
        }
        let metadata = attrs.metadata();
        let mut recording = Recording {
            name: Cow::Borrowed(metadata.name()),
            kind: SpanKind::Internal,
            start: crate::clock::now(),
            attributes: Vec::with_capacity(metadata.fields().len() + 2),
            events: Vec::new(),
            status: Status::Unset,
        };
        if let Some(file) = metadata.file() {
            recording
                .attributes
                .push(KeyValue::new("code.file.path", file));
        }
        if let Some(line) = metadata.line() {
            recording
                .attributes
                .push(KeyValue::new("code.line.number", i64::from(line)));
        }
        attrs.record(&mut SpanVisitor(&mut recording));
        extensions.insert(recording);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if let Some(recording) = span.extensions_mut().get_mut::<Recording>() {
            values.record(&mut SpanVisitor(recording));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        let Some(recording) = extensions.get_mut::<Recording>() else {
            return;
        };
        let mut visitor = EventVisitor {
            name: None,
            attributes: Vec::new(),
        };
        event.record(&mut visitor);
        let name = visitor
            .name
            .map_or(Cow::Borrowed(event.metadata().name()), Cow::Owned);
        recording.events.push(otel::Event::new(
            name,
            crate::clock::now(),
            visitor.attributes,
            0,
        ));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let mut extensions = span.extensions_mut();
        let (Some(recording), Some(ids)) = (
            extensions.remove::<Recording>(),
            extensions.get_mut::<SpanIds>().map(|ids| *ids),
        ) else {
            return;
        };
        self.queue.push_with(|| SpanData {
            span_context: otel::SpanContext::new(
                otel::TraceId::from(ids.trace_id.0),
                otel::SpanId::from(ids.span_id.0),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: ids
                .parent
                .map_or(otel::SpanId::INVALID, |parent| otel::SpanId::from(parent.0)),
            parent_span_is_remote: ids.parent_is_remote,
            span_kind: recording.kind,
            name: recording.name,
            start_time: recording.start,
            end_time: crate::clock::now(),
            attributes: recording.attributes,
            dropped_attributes_count: 0,
            events: span_events(recording.events),
            links: SpanLinks::default(),
            status: recording.status,
            instrumentation_scope: self.scope.clone(),
        });
    }
}

/// `SpanEvents` is non-exhaustive: built from its default.
fn span_events(list: Vec<otel::Event>) -> SpanEvents {
    let mut events = SpanEvents::default();
    events.events = list;
    events
}

/// Turns span fields into attributes, and the `otel.*` fields into name, kind and status.
struct SpanVisitor<'a>(&'a mut Recording);

impl SpanVisitor<'_> {
    fn attribute(&mut self, field: &Field, value: Value) {
        let attributes = &mut self.0.attributes;
        match attributes
            .iter_mut()
            .find(|kv| kv.key.as_str() == field.name())
        {
            Some(existing) => existing.value = value,
            None => attributes.push(KeyValue::new(field.name(), value)),
        }
    }

    fn special(&mut self, field: &Field, value: &str) -> bool {
        match field.name() {
            "otel.name" => self.0.name = Cow::Owned(value.to_owned()),
            "otel.kind" => {
                self.0.kind = match value.to_ascii_lowercase().as_str() {
                    "server" => SpanKind::Server,
                    "client" => SpanKind::Client,
                    "producer" => SpanKind::Producer,
                    "consumer" => SpanKind::Consumer,
                    _ => SpanKind::Internal,
                }
            }
            "otel.status_code" => {
                self.0.status = match value.to_ascii_lowercase().as_str() {
                    "ok" => Status::Ok,
                    "error" if !matches!(self.0.status, Status::Error { .. }) => Status::error(""),
                    "error" => return true,
                    _ => Status::Unset,
                }
            }
            "otel.status_description" => self.0.status = Status::error(value.to_owned()),
            _ => return false,
        }
        true
    }
}

impl Visit for SpanVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.attribute(field, Value::F64(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.attribute(field, Value::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.attribute(field, unsigned(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.attribute(field, Value::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.special(field, value) {
            self.attribute(field, Value::from(value.to_owned()));
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if !self.special(field, &text) {
            self.attribute(field, Value::from(text));
        }
    }
}

/// OTLP has no unsigned integers: `i64` when the value fits, else its decimal string.
fn unsigned(value: u64) -> Value {
    i64::try_from(value).map_or_else(|_| Value::from(value.to_string()), Value::I64)
}

/// An event's message (its name) and other fields (its attributes).
struct EventVisitor {
    name: Option<String>,
    attributes: Vec<KeyValue>,
}

impl Visit for EventVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.attributes
            .push(KeyValue::new(field.name(), unsigned(value)));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.name = Some(value.to_owned());
        } else {
            self.attributes
                .push(KeyValue::new(field.name(), value.to_owned()));
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.name = Some(format!("{value:?}"));
        } else {
            self.attributes
                .push(KeyValue::new(field.name(), format!("{value:?}")));
        }
    }
}
