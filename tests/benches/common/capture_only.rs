//! The floor with `tracing` as the API (NOTES.md, "The floor with `tracing` as the API"): a
//! subscriber that only captures. Each callback (`new_span`, `record`, `event`, `enter`, `exit`,
//! `try_close`) appends to a thread-local byte buffer what an exporter would later need (the
//! metadata pointer, a TSC timestamp, the span id, the field values copied through `Visit`); ids
//! come from an atomic counter and the current span from a thread-local stack. Nothing is handed
//! to another thread and nothing is ever read: a full buffer starts again from its beginning.
//! What a tripod call costs on the calling thread is judged against this (issue "the floor,
//! third pass": ≤ 1.3× it).

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// Bytes a thread's buffer holds before it starts again from its beginning.
const BUFFER: usize = 1 << 20;

thread_local! {
    static CAPTURED: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(BUFFER + 4096));
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    static CALLBACKS: Cell<u64> = const { Cell::new(0) };
}

/// The callbacks captured on this thread so far.
pub fn callbacks() -> u64 {
    CALLBACKS.get()
}

/// The capture-only subscriber.
#[derive(Default)]
pub struct CaptureOnly {
    next_id: AtomicU64,
}

/// A timestamp as cheap as the machine has: the TSC, read as tripod reads it (`quanta`'s raw
/// counter, unscaled).
#[inline(always)]
fn timestamp() -> u64 {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new).raw()
}

/// Appends a record of `kind` about span `id` (or the current span) to this thread's buffer,
/// then whatever `fields` writes.
#[inline(always)]
fn append(
    kind: u8,
    metadata: Option<&'static Metadata<'static>>,
    id: u64,
    fields: impl FnOnce(&mut Vec<u8>),
) {
    CALLBACKS.set(CALLBACKS.get() + 1);
    CAPTURED.with_borrow_mut(|buffer| {
        if buffer.len() > BUFFER {
            buffer.clear();
        }
        buffer.push(kind);
        let pointer = metadata.map_or(0, |metadata| metadata as *const _ as usize);
        buffer.extend_from_slice(&pointer.to_le_bytes());
        buffer.extend_from_slice(&timestamp().to_le_bytes());
        buffer.extend_from_slice(&id.to_le_bytes());
        fields(buffer);
    });
}

/// Copies field values into the buffer: a tag, then the value's bytes.
struct Copy<'a>(&'a mut Vec<u8>);

impl Visit for Copy<'_> {
    fn record_f64(&mut self, _: &Field, value: f64) {
        self.0.push(1);
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn record_i64(&mut self, _: &Field, value: i64) {
        self.0.push(2);
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn record_u64(&mut self, _: &Field, value: u64) {
        self.0.push(3);
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn record_bool(&mut self, _: &Field, value: bool) {
        self.0.push(4);
        self.0.push(value as u8);
    }
    fn record_str(&mut self, _: &Field, value: &str) {
        self.0.push(5);
        self.0
            .extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.0.extend_from_slice(value.as_bytes());
    }
    fn record_debug(&mut self, _: &Field, value: &dyn std::fmt::Debug) {
        self.0.push(6);
        let at = self.0.len();
        self.0.extend_from_slice(&[0; 4]);
        let mut text = Text(self.0);
        let _ = write!(text, "{value:?}");
        let length = (self.0.len() - at - 4) as u32;
        self.0[at..at + 4].copy_from_slice(&length.to_le_bytes());
    }
}

/// `fmt::Write` into the buffer.
struct Text<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Text<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

fn current() -> u64 {
    ENTERED.with_borrow(|entered| entered.last().copied().unwrap_or(0))
}

impl Subscriber for CaptureOnly {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let parent = attributes
            .parent()
            .map_or_else(current, |parent| parent.into_u64());
        append(b'n', Some(attributes.metadata()), id, |buffer| {
            buffer.extend_from_slice(&parent.to_le_bytes());
            attributes.record(&mut Copy(buffer));
        });
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        append(b'r', None, span.into_u64(), |buffer| {
            values.record(&mut Copy(buffer))
        });
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let parent = event.parent().map_or_else(current, Id::into_u64);
        append(b'e', Some(event.metadata()), parent, |buffer| {
            event.record(&mut Copy(buffer))
        });
    }

    fn enter(&self, span: &Id) {
        ENTERED.with_borrow_mut(|entered| entered.push(span.into_u64()));
        append(b'>', None, span.into_u64(), |_| {});
    }

    fn exit(&self, span: &Id) {
        ENTERED.with_borrow_mut(|entered| entered.pop());
        append(b'<', None, span.into_u64(), |_| {});
    }

    fn try_close(&self, span: Id) -> bool {
        append(b'c', None, span.into_u64(), |_| {});
        true
    }
}
