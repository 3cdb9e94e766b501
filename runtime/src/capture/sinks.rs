//! Where finished spans go ([`SpanSink`]: the OTLP export queue, the trace viewer's store), and
//! [`Capture`], which starts each captured span's record and hands it to every sink when the span
//! ends, shared, not copied. The collector thread and the composable path's capture layer both
//! record spans through it.

use std::sync::Arc;
use std::time::SystemTime;

use tracing::Metadata;

use super::SpanLimits;
use super::span::{FieldValue, FieldWriter as _, SpanRecord};
use crate::trace::{SpanIds, TraceState};

/// Where finished spans go.
pub(crate) trait SpanSink: Send + Sync {
    /// Takes a span that just closed. Called on the application's thread (or the
    /// collector thread): it must not block.
    fn span_closed(&self, span: Arc<SpanRecord>);

    /// Takes spans that closed, in the order they did (the collector thread hands them over in
    /// batches).
    fn spans_closed(&self, spans: &[Arc<SpanRecord>]) {
        for span in spans {
            self.span_closed(span.clone());
        }
    }
}

/// The spans that started and have not ended, as the collector thread holds them: what the viewer
/// shows of unfinished traces (without the viewer nothing asks).
#[cfg_attr(not(feature = "viewer"), allow(dead_code))]
pub(crate) trait OpenSpans: Send + Sync {
    /// A copy of each captured span that still runs, ended now, as far as it got (what the
    /// application's threads recorded is collected first: what ended is handed to the sinks).
    fn open_spans(&self) -> Vec<SpanRecord>;
}

/// The sinks finished spans go to, and the limits spans are recorded within.
pub(crate) struct Capture {
    sinks: Vec<Arc<dyn SpanSink>>,
    limits: SpanLimits,
}

impl Capture {
    pub(crate) fn new(sinks: Vec<Arc<dyn SpanSink>>, limits: SpanLimits) -> Self {
        Capture { sinks, limits }
    }

    /// The record of a span that started at `start`, before its fields: its name, and its
    /// callsite's file and line; made in `reused` (a record the sinks handed back,
    /// `super::spare`) when there is one.
    pub(crate) fn begin(
        &self,
        reused: Option<Arc<SpanRecord>>,
        ids: SpanIds,
        trace_state: &TraceState,
        metadata: &'static Metadata<'static>,
        start: SystemTime,
    ) -> Arc<SpanRecord> {
        let (name, fields) = (metadata.name(), metadata.fields().len());
        let mut shared = match reused {
            Some(reused) if Arc::strong_count(&reused) == 1 && Arc::weak_count(&reused) == 0 => {
                reused
            }
            _ => Arc::new(SpanRecord::started_at(
                ids,
                name,
                fields,
                self.limits,
                start,
            )),
        };
        let Some(record) = Arc::get_mut(&mut shared) else {
            unreachable!("a record nothing else holds")
        };
        record.restart(ids, name, fields, self.limits, start);
        record.trace_state = trace_state.clone();
        if let Some(file) = metadata.file() {
            record.set_static("code.file.path", file);
        }
        if let Some(line) = metadata.line() {
            record.field("code.line.number", FieldValue::I64(i64::from(line)));
        }
        shared
    }

    /// The limits spans are recorded within.
    pub(crate) fn limits(&self) -> SpanLimits {
        self.limits
    }

    /// Hands ended spans to every sink, all at once, and empties `records`.
    pub(crate) fn finish_all(&self, records: &mut Vec<Arc<SpanRecord>>) {
        if records.is_empty() {
            return;
        }
        for sink in &self.sinks {
            sink.spans_closed(records);
        }
        records.clear();
    }
}
