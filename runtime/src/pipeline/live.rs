//! A span the collector thread holds from its start to its end ([`Live`]), kept by id ([`Spans`]).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::calls;
use super::watched::Watched;
use crate::capture::SpanRecord;
use crate::sink::SpanFields;
use crate::tick::Tick;
use crate::trace::{SpanId, SpanIds};

/// A span that started and has not ended.
pub(super) struct Live {
    pub(super) ids: SpanIds,
    /// Its callsite's name.
    pub(super) name: &'static str,
    /// Its fields as each log sink encodes them (in the order of the sinks), for the events
    /// inside it and inside its descendants.
    pub(super) fields: Vec<SpanFields>,
    /// Its record, when it is captured: shared with nothing until it ends (the sinks take it
    /// then, and hand it back for reuse, `crate::capture::SpareRecords`).
    pub(super) record: Option<Arc<SpanRecord>>,
    /// What is kept of the observed call it is the span of.
    pub(super) call: Option<calls::Call>,
    /// The reading it started at: its record ends at its start plus the time between the two
    /// readings, so its duration is the one its call's histogram got (converting each reading
    /// to wall-clock time apart, in two collections, could move the end by the clock's
    /// recalibration between them: a span a few µs longer than its call's exemplar bucket).
    pub(super) started: Tick,
    /// What is reported of it while it runs, when it is an observed call's span or a served
    /// request's.
    pub(super) watched: Option<Watched>,
}

impl Live {
    /// Its parent, when that runs in this process.
    pub(super) fn local_parent(&self) -> Option<SpanId> {
        self.ids.parent.filter(|_| !self.ids.parent_is_remote)
    }

    /// Its record, to write: nothing shares it while the span runs.
    pub(super) fn record_mut(&mut self) -> Option<&mut SpanRecord> {
        self.record.as_mut().and_then(Arc::get_mut)
    }

    /// Whether what it stands for still runs: not an observed call that returned while another
    /// handle keeps its span open.
    pub(super) fn running(&self) -> bool {
        self.call.as_ref().is_none_or(|call| call.ended.is_none())
    }

    /// The bytes it holds: itself, its fields and its record.
    pub(super) fn bytes(&self) -> usize {
        std::mem::size_of::<Live>()
            + self.fields.capacity() * std::mem::size_of::<SpanFields>()
            + self
                .fields
                .iter()
                .map(SpanFields::heap_bytes)
                .sum::<usize>()
            + self.record.as_deref().map_or(0, SpanRecord::heap_bytes)
    }

    /// Frees its fields and its record (it will not be exported, and the events inside it no
    /// longer carry its fields), keeping what its call's end and its reports need; the bytes
    /// freed.
    pub(super) fn trim(&mut self) -> usize {
        let before = self.bytes();
        self.record = None;
        for fields in &mut self.fields {
            *fields = SpanFields::default();
        }
        before - self.bytes()
    }
}

/// The live spans, by id.
pub(super) type Spans = HashMap<SpanId, Live, BuildHasherDefault<IdHasher>>;

/// Span ids are random: their low bits hash them as well as any hash function would.
/// (Hand-written: SipHash, the default, showed in the collector thread's profile.)
#[derive(Default)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id;
    }
}
