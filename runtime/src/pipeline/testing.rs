//! What the collector thread's tests share: a collector writing lines into memory and keeping the
//! spans it ends, and an observed call's span.
#![cfg(test)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use super::collector::Collector;
use super::unfinished::Unfinished;
use crate::call_path::StillRunning;
use crate::capture::{Capture, SpanLimits, SpanRecord, SpanSink};
use crate::local::CallStart;
use crate::logs::{LineOutput, LineSink, Style};
use crate::trace::{SpanId, SpanIds, TraceId};

/// Lines written, as text.
#[derive(Clone, Default)]
pub(super) struct Written(pub(super) Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Spans handed to the sinks.
#[derive(Default)]
pub(super) struct Ended(pub(super) Mutex<Vec<Arc<SpanRecord>>>);

impl SpanSink for Ended {
    fn span_closed(&self, span: Arc<SpanRecord>) {
        self.0.lock().unwrap().push(span);
    }
}

/// A collector thread's state writing JSON lines into memory and keeping the spans it ends.
pub(super) fn collector() -> (Collector, Written, Arc<Ended>) {
    collector_with(Unfinished::new(Default::default(), None, None))
}

/// [`collector`], telling of unfinished spans as `unfinished` says.
pub(super) fn collector_with(unfinished: Unfinished) -> (Collector, Written, Arc<Ended>) {
    let written = Written::default();
    let ended = Arc::new(Ended::default());
    let collector = Collector::new(
        vec![Box::new(LineSink::new(
            Style::Json,
            LineOutput::new(Box::new(written.clone())),
        ))],
        Some(Capture::new(vec![ended.clone()], SpanLimits::default())),
        None,
        unfinished,
        super::RepeatedLines::new(None),
        None,
    );
    (collector, written, ended)
}

/// The ids of span `span` of trace 7, a root.
pub(super) fn ids(span: u64) -> SpanIds {
    SpanIds {
        trace_id: TraceId(7),
        span_id: SpanId(span),
        parent: None,
        parent_is_remote: false,
        sampled: true,
    }
}

/// An observed call's span callsite: `code.function.name` first, then the user's field.
pub(super) fn call_metadata() -> &'static tracing::Metadata<'static> {
    let registry = tracing_subscriber::registry();
    tracing::subscriber::with_default(registry, || {
        tracing::info_span!(
            "todo.create",
            code.function.name = "app::create",
            user.id = 42_u64,
            return = tracing::field::Empty
        )
        .metadata()
        .expect("an enabled span")
    })
}

/// What an observed call's start records, reported as `still_running` says.
pub(super) fn call_start(still_running: StillRunning) -> CallStart {
    CallStart {
        logged: true,
        metrics: None,
        still_running,
    }
}

/// Records [`call_metadata`]'s function name and `user.id`.
pub(super) fn call_fields(
    metadata: &'static tracing::Metadata<'static>,
) -> impl FnOnce(&mut dyn tracing::field::Visit) {
    move |visitor| {
        let fields = metadata.fields();
        visitor.record_str(&fields.field("code.function.name").unwrap(), "app::create");
        visitor.record_u64(&fields.field("user.id").unwrap(), 42);
    }
}
