//! Log records over OTLP on the composable path: each event, as the log line layer writes it,
//! also becomes an OTLP `LogRecord` (through the same encoder tripod's collector uses), encoded
//! on the calling thread into a shared buffer that is handed to the logs export queue every
//! 512 records and every 100 ms.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, MutexGuard};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::SpanState;
use crate::otlp::{LogEncoder, LogEvent, LogValue};

/// The layer; [`OtlpLogLayer::records`] is what the 100 ms hand-over needs.
pub(crate) struct OtlpLogLayer {
    records: Arc<Mutex<LogEncoder>>,
}

impl OtlpLogLayer {
    pub(crate) fn new(records: LogEncoder) -> Self {
        OtlpLogLayer {
            records: Arc::new(Mutex::new(records)),
        }
    }

    /// The encoder, shared with whoever hands its records over on a timer.
    pub(crate) fn records(&self) -> Arc<Mutex<LogEncoder>> {
        self.records.clone()
    }
}

/// Hands `records`' pending records to the export queue.
pub(crate) fn hand_over(records: &Mutex<LogEncoder>) {
    lock(records).hand_over();
}

fn lock(records: &Mutex<LogEncoder>) -> MutexGuard<'_, LogEncoder> {
    records
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An event's fields, copied.
#[derive(Default)]
struct Fields {
    message: String,
    values: Vec<(&'static str, Owned)>,
}

enum Owned {
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Text(String),
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.values.push((field.name(), Owned::F64(value)));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.values.push((field.name(), Owned::I64(value)));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.values.push((field.name(), Owned::U64(value)));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.values.push((field.name(), Owned::Bool(value)));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.values
                .push((field.name(), Owned::Text(value.to_owned())));
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.values
                .push((field.name(), Owned::Text(format!("{value:?}"))));
        }
    }
}

impl<S> Layer<S> for OtlpLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let scope: Vec<_> = ctx
            .event_scope(event)
            .map(|scope| scope.collect())
            .unwrap_or_default();
        let states: Vec<_> = scope.iter().map(|span| span.extensions()).collect();
        let states: Vec<&SpanState> = states
            .iter()
            .filter_map(|extensions| extensions.get::<SpanState>())
            .collect();
        #[cfg(feature = "json")]
        let span_fields = states
            .iter()
            .flat_map(|state| state.fields.entries())
            .map(|(key, json)| (key, crate::otlp::SpanField::Json(json)));
        #[cfg(not(feature = "json"))]
        let span_fields = std::iter::empty();
        let metadata = event.metadata();
        // Laid out as it happens: observed when it happened.
        let now = crate::clock::since_epoch();
        let mut records = lock(&self.records);
        records.observed_at(now);
        records.record(LogEvent {
            level: metadata.level(),
            time: now,
            target: metadata.target(),
            message: &fields.message,
            fields: fields.values.iter().map(|(key, value)| {
                let value = match value {
                    Owned::I64(value) => LogValue::I64(*value),
                    Owned::U64(value) => LogValue::U64(*value),
                    Owned::F64(value) => LogValue::F64(*value),
                    Owned::Bool(value) => LogValue::Bool(*value),
                    Owned::Text(text) => LogValue::Str(text),
                };
                (*key, value)
            }),
            span_fields,
            ids: states.first().map(|state| state.ids),
        });
    }
}
