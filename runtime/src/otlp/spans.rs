//! The traces signal: finished spans wait in the export queue as the records the capture made
//! (shared with the viewer, not copied), and are encoded when their batch is sent.

use std::sync::Arc;

use super::export::Encode;
use super::queue::{Item, Queue};
use super::resource::Preamble;
use crate::capture::{SpanRecord, SpanSink};

impl Item for Arc<SpanRecord> {
    fn count(&self) -> usize {
        1
    }

    fn bytes(&self) -> usize {
        std::mem::size_of::<SpanRecord>() + self.heap_bytes()
    }
}

impl SpanSink for Queue<Arc<SpanRecord>> {
    fn span_closed(&self, span: Arc<SpanRecord>) {
        self.push([span]);
    }

    fn spans_closed(&self, spans: &[Arc<SpanRecord>]) {
        self.push(spans.iter().cloned());
    }
}

/// The traces signal's batches.
pub(crate) struct SpanBatches {
    pub(crate) preamble: Arc<Preamble>,
}

impl Encode for SpanBatches {
    type Item = Arc<SpanRecord>;

    fn encode(&mut self, batch: &[Arc<SpanRecord>]) -> Vec<u8> {
        self.preamble.encode(batch)
    }

    /// The records the viewer does not also hold go back to the collector thread, to be filled
    /// again.
    fn done(&mut self, batch: Vec<Arc<SpanRecord>>) {
        crate::capture::SPARE.give_back(batch);
    }
}
