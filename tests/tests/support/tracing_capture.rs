//! A `tracing-subscriber` layer that records spans and events with all their fields.
//!
//! One recording subscriber is installed globally, once, and routes what it sees to the capture
//! of the current thread (or to a process-wide capture). Thread-local subscribers created and
//! dropped by tests running in parallel would race in `tracing-core`'s callsite interest cache
//! and could lose events; one global dispatcher cannot.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field as TracingField, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A recorded field value, typed as the emitter recorded it.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    /// Recorded through `Debug` (also `Display` values, via `format_args!`).
    Debug(String),
}

impl Field {
    /// The value as text, whatever its type.
    pub fn text(&self) -> String {
        match self {
            Field::Str(s) | Field::Debug(s) => s.clone(),
            Field::I64(v) => v.to_string(),
            Field::U64(v) => v.to_string(),
            Field::F64(v) => v.to_string(),
            Field::Bool(v) => v.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SpanRecord {
    pub id: u64,
    pub name: String,
    pub target: String,
    pub level: Level,
    /// The metadata's `file()` and `line()`: exported as `code.file.path`, `code.line.number`.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub parent: Option<u64>,
    pub fields: BTreeMap<String, Field>,
}

#[derive(Clone, Debug)]
pub struct EventRecord {
    pub message: String,
    pub level: Level,
    pub target: String,
    pub fields: BTreeMap<String, Field>,
    /// The span the event belongs to (explicit or contextual parent).
    pub span: Option<u64>,
}

impl EventRecord {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.get(name)
    }
}

#[derive(Default)]
struct Store {
    spans: Vec<SpanRecord>,
    events: Vec<EventRecord>,
}

/// The spans and events seen while it was installed.
#[derive(Clone, Default)]
pub struct Telemetry(Arc<Mutex<Store>>);

impl Telemetry {
    /// Records what this thread emits while `f` runs.
    pub fn record<R>(&self, f: impl FnOnce() -> R) -> R {
        install();
        let previous = CURRENT.with(|current| current.replace(Some(self.clone())));
        struct Restore(Option<Telemetry>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|current| *current.borrow_mut() = self.0.take());
            }
        }
        let _restore = Restore(previous);
        f()
    }

    /// Records what every thread without a capture of its own emits, from now on.
    pub fn record_process_wide(&self) {
        install();
        assert!(
            PROCESS.set(self.clone()).is_ok(),
            "one process-wide capture per test binary"
        );
    }

    pub fn events(&self) -> Vec<EventRecord> {
        self.0.lock().unwrap().events.clone()
    }

    pub fn spans(&self) -> Vec<SpanRecord> {
        self.0.lock().unwrap().spans.clone()
    }

    /// The messages of all events, in order.
    pub fn messages(&self) -> Vec<String> {
        self.events().into_iter().map(|e| e.message).collect()
    }

    /// The one event with this message.
    pub fn event(&self, message: &str) -> EventRecord {
        let matching: Vec<_> = self
            .events()
            .into_iter()
            .filter(|e| e.message == message)
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "expected one `{message}` event, saw {:?}",
            self.messages()
        );
        matching.into_iter().next().unwrap()
    }

    /// The one span with this name.
    pub fn span(&self, name: &str) -> SpanRecord {
        let matching: Vec<_> = self
            .spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "expected one `{name}` span, saw {:?}",
            self.spans()
        );
        matching.into_iter().next().unwrap()
    }

    /// Every field value of every span and event, as text: for "never recorded" checks.
    pub fn all_text(&self) -> String {
        let store = self.0.lock().unwrap();
        let spans = store.spans.iter().flat_map(|s| s.fields.iter());
        let events = store.events.iter().flat_map(|e| e.fields.iter());
        spans
            .chain(events)
            .map(|(k, v)| format!("{k}={}\n", v.text()))
            .collect()
    }
}

/// The messages recorded so far by the capture installed on this thread.
pub fn current_messages() -> Vec<String> {
    CURRENT.with(|current| {
        current
            .borrow()
            .as_ref()
            .map(Telemetry::messages)
            .unwrap_or_default()
    })
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Telemetry>> = const { std::cell::RefCell::new(None) };
}

static PROCESS: std::sync::OnceLock<Telemetry> = std::sync::OnceLock::new();

/// Installs the routing subscriber, once per test binary.
fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        tracing::subscriber::set_global_default(Registry::default().with(Recording))
            .expect("no other global subscriber in a test binary using the capture");
    });
}

/// Runs `f` on the capture of this thread, or the process-wide one.
fn with_capture(f: impl FnOnce(&Telemetry)) {
    let routed = CURRENT
        .with(|current| current.borrow().clone())
        .or_else(|| PROCESS.get().cloned());
    if let Some(telemetry) = routed {
        f(&telemetry);
    }
}

struct Recording;

#[derive(Default)]
struct Fields(BTreeMap<String, Field>);

impl Visit for Fields {
    fn record_str(&mut self, field: &TracingField, value: &str) {
        self.0.insert(field.name().into(), Field::Str(value.into()));
    }
    fn record_i64(&mut self, field: &TracingField, value: i64) {
        self.0.insert(field.name().into(), Field::I64(value));
    }
    fn record_u64(&mut self, field: &TracingField, value: u64) {
        self.0.insert(field.name().into(), Field::U64(value));
    }
    fn record_f64(&mut self, field: &TracingField, value: f64) {
        self.0.insert(field.name().into(), Field::F64(value));
    }
    fn record_bool(&mut self, field: &TracingField, value: bool) {
        self.0.insert(field.name().into(), Field::Bool(value));
    }
    fn record_debug(&mut self, field: &TracingField, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Field::Debug(format!("{value:?}")));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recording {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let parent = ctx
            .span_scope(id)
            .and_then(|mut scope| scope.nth(1))
            .map(|parent| parent.id().into_u64());
        let metadata = attrs.metadata();
        with_capture(|telemetry| {
            telemetry.0.lock().unwrap().spans.push(SpanRecord {
                id: id.into_u64(),
                name: metadata.name().into(),
                target: metadata.target().into(),
                level: *metadata.level(),
                file: metadata.file().map(Into::into),
                line: metadata.line(),
                parent,
                fields: fields.0,
            })
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        with_capture(|telemetry| {
            let mut store = telemetry.0.lock().unwrap();
            if let Some(span) = store.spans.iter_mut().rev().find(|s| s.id == id.into_u64()) {
                span.fields.extend(fields.0);
            }
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields
            .0
            .remove("message")
            .map(|m| m.text())
            .unwrap_or_default();
        let metadata = event.metadata();
        let span = ctx.event_span(event).map(|span| span.id().into_u64());
        with_capture(|telemetry| {
            telemetry.0.lock().unwrap().events.push(EventRecord {
                message,
                level: *metadata.level(),
                target: metadata.target().into(),
                fields: fields.0,
                span,
            })
        });
    }
}
