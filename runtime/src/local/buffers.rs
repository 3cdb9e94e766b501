//! Each application thread's buffer of records, and taking them all at once.
//!
//! A thread appends to its own buffer under a lock nobody else takes but the pipeline, once per
//! collection: a spin lock, whose release is a plain store where a `Mutex`'s is a second atomic
//! exchange (one atomic instruction a record instead of two; a call makes four records), and
//! which yields to the scheduler while the pipeline holds it (for as long as it takes to swap the
//! buffers). Buffers are taken all at once (every thread's lock held while they are swapped),
//! so a record made before another on a different thread (a task moving between Tokio workers,
//! a span ending on another thread than it started) is never taken in a later batch. Past 64 KiB
//! a thread asks for a collection; past 4 MiB it asks to collect itself, waiting for a collection
//! in progress: back-pressure on the thread that logs, never dropped records. A thread that exits
//! asks for a collection too. Whoever collects (the pipeline) says how, with
//! [`on_pressure`](ThreadBuffers::on_pressure).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, Weak};

use thread_local::ThreadLocal;

use tracing::Metadata;
use tracing::field::Visit;

use super::records::{CallStart, Records};
use crate::call_path::{self, CallEnd, CallPath, Ending};
use crate::trace::{SpanId, SpanIds, TraceState};

/// A thread's buffered records at which it asks for a collection: small enough that a busy
/// caller's buffer stays in cache (a larger one, for fewer wake-ups, made every call slower).
const HAND_OFF: usize = 64 * 1024;
/// A thread's buffered records at which it collects them itself.
const LIMIT: usize = 4 * 1024 * 1024;
/// A thread that recorded at least this much since the last collection gets an emptied buffer
/// that has room already; a quieter one (or one that exited) an empty one, so idle threads hold
/// no memory.
const BUSY: usize = 16 * 1024;
/// Emptied buffers kept for busy threads, and the largest kept.
const SPARES: usize = 8;
const LARGEST_SPARE: usize = 1024 * 1024;

/// What a thread asks of whoever collects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pressure {
    /// Collect soon: a thread holds 64 KiB, or exited.
    Soon,
    /// Collect now, on this thread: it holds 4 MiB.
    Now,
}

/// What to do when a thread asks.
type OnPressure = Box<dyn Fn(Pressure) + Send + Sync>;

/// The per-thread buffers.
pub(crate) struct ThreadBuffers {
    buffers: ThreadLocal<Buffer>,
    /// Span ends recorded while their thread held its own buffer (a span dropped by a field's
    /// `Debug` being copied).
    reentrant: Buffer,
    on_pressure: OnceLock<OnPressure>,
    /// Set once a thread has asked for a collection soon, until the next collection takes the
    /// buffers: a thread past 64 KiB asks once, not on every record.
    asked: AtomicBool,
    /// Emptied buffers to swap in for busy threads' full ones.
    spare: Mutex<Vec<Records>>,
    /// These buffers, for the exit watch of each thread that records.
    me: Weak<ThreadBuffers>,
}

/// One thread's buffer. The lock is only ever contended by the pipeline's take.
type Buffer = spin::mutex::SpinMutex<Records, spin::relax::Yield>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ThreadBuffers {
    pub(crate) fn new() -> std::sync::Arc<ThreadBuffers> {
        std::sync::Arc::new_cyclic(|me| ThreadBuffers {
            buffers: ThreadLocal::new(),
            reentrant: Buffer::new(Records::default()),
            on_pressure: OnceLock::new(),
            asked: AtomicBool::new(false),
            spare: Mutex::new(Vec::new()),
            me: me.clone(),
        })
    }

    /// Says what to do when a thread asks for a collection (once; later calls are ignored).
    pub(crate) fn on_pressure(&self, act: impl Fn(Pressure) + Send + Sync + 'static) {
        let _ = self.on_pressure.set(Box::new(act));
    }

    fn press(&self, pressure: Pressure) {
        if let Some(act) = self.on_pressure.get() {
            act(pressure);
        }
    }

    /// Appends to this thread's buffer with `record`; past the bounds, asks for a collection.
    /// What the application's code run by `record` (a field's `Debug`) records in turn is
    /// dropped, except span ends ([`end`](ThreadBuffers::end)).
    pub(crate) fn record(&self, record: impl FnOnce(&mut Records)) {
        let Some(bytes) = this_thread::holding(&self.me, || {
            let buffer = self.buffers.get_or(|| Buffer::new(Records::default()));
            let mut records = buffer.lock();
            record(&mut records);
            records.bytes()
        }) else {
            return;
        };
        if bytes >= LIMIT {
            self.press(Pressure::Now);
        } else if bytes >= HAND_OFF
            && !self.asked.load(Ordering::Relaxed)
            && !self.asked.swap(true, Ordering::Relaxed)
        {
            self.press(Pressure::Soon);
        }
    }

    /// Records a span's start, with the fields `record` gives. When it is an observed call's span
    /// (its call lent the reading marked, and it has a call's shape), it tells the expansion
    /// that `path` derives the call's lines, and the record carries whether the log directives
    /// let them through (`logged`, asked only then).
    pub(crate) fn start(
        &self,
        span: (&'static Metadata<'static>, SpanIds, &TraceState),
        captured: bool,
        path: CallPath,
        logged: impl FnOnce() -> bool,
        record: impl FnOnce(&mut dyn Visit),
    ) {
        let (metadata, ids, trace_state) = span;
        let call = crate::tick::take_call_mark()
            .filter(|_| call_path::is_call_span(metadata))
            .map(|mark| {
                call_path::set_start(path);
                CallStart {
                    logged: logged(),
                    metrics: mark.metrics,
                    still_running: mark.still_running,
                }
            });
        self.record(|records| {
            records.start(metadata, ids, trace_state.clone(), captured, call, record)
        });
    }

    /// Records an observed call's end told without dispatch (`call_path::record_end`): that it
    /// ended while its span `span` stays open, or its failure or cancellation event, logged and
    /// traced as the event's own verdict says, else as `verdict` decides for its callsite.
    pub(crate) fn call_end(
        &self,
        span: SpanId,
        end: CallEnd<'_>,
        verdict: impl FnOnce(&'static Metadata<'static>) -> Option<(bool, bool)>,
    ) {
        match end {
            CallEnd::Ended(ending) => self.record(|records| records.call_ended(span, ending)),
            CallEnd::Event {
                metadata,
                values,
                verdict: given,
            } => {
                let Some((logged, traced)) = given.or_else(|| verdict(metadata)) else {
                    return;
                };
                if logged || traced {
                    self.record(|records| {
                        records.event_of(metadata, Some(span), logged, traced, |visitor| {
                            values.record(visitor)
                        })
                    });
                }
            }
        }
    }

    /// Records the end of the span `span` (`ending` when it is an observed call's that ended as
    /// the call returned), also from inside another record.
    pub(crate) fn end(&self, span: SpanId, ending: Option<Ending>) {
        if this_thread::is_holding() {
            self.reentrant.lock().end(span, ending);
        } else {
            self.record(|records| records.end(span, ending));
        }
    }

    /// Takes every thread's records, all at once, so the batch is a consistent cut.
    pub(crate) fn take(&self) -> Vec<Records> {
        let mut spare = lock(&self.spare);
        // Cleared before the buffers are taken: a thread that fills up again meanwhile asks again.
        self.asked.store(false, Ordering::Relaxed);
        let mut taken = Vec::new();
        let mut buffers: Vec<_> = self
            .buffers
            .iter()
            .chain([&self.reentrant])
            .map(Buffer::lock)
            .collect();
        for buffer in &mut buffers {
            if !buffer.is_empty() {
                let fresh = if buffer.bytes() >= BUSY {
                    spare.pop().unwrap_or_default()
                } else {
                    Records::default()
                };
                taken.push(std::mem::replace(&mut **buffer, fresh));
            }
        }
        taken
    }

    /// Takes back buffers once collected, keeping a few for busy threads.
    pub(crate) fn give_back(&self, taken: Vec<Records>) {
        let mut spare = lock(&self.spare);
        for mut records in taken {
            if spare.len() < SPARES && records.capacity_bytes() <= LARGEST_SPARE {
                records.clear();
                spare.push(records);
            }
        }
    }
}

/// What this thread knows of the buffers: whether it is holding its own (running the
/// application's code in the middle of a record), and which buffers to ask for a collection when
/// it exits, so its last records are collected at once.
mod this_thread {
    use std::cell::{Cell, RefCell};
    use std::sync::Weak;

    use super::{Pressure, ThreadBuffers};

    struct ThisThread {
        holding: Cell<bool>,
        /// The buffers recorded in last (checked on every record), and all of them.
        last: RefCell<Weak<ThreadBuffers>>,
        all: RefCell<Vec<Weak<ThreadBuffers>>>,
    }

    impl ThisThread {
        fn watch(&self, buffers: &Weak<ThreadBuffers>) {
            let Ok(mut last) = self.last.try_borrow_mut() else {
                return;
            };
            if last.ptr_eq(buffers) && last.strong_count() > 0 {
                return;
            }
            *last = buffers.clone();
            if let Ok(mut all) = self.all.try_borrow_mut() {
                all.retain(|existing| existing.strong_count() > 0);
                if !all.iter().any(|existing| existing.ptr_eq(buffers)) {
                    all.push(buffers.clone());
                }
            }
        }
    }

    impl Drop for ThisThread {
        fn drop(&mut self) {
            for buffers in self.all.borrow().iter().filter_map(Weak::upgrade) {
                buffers.press(Pressure::Soon);
            }
        }
    }

    thread_local! {
        static THIS: ThisThread = const {
            ThisThread {
                holding: Cell::new(false),
                last: RefCell::new(Weak::new()),
                all: RefCell::new(Vec::new()),
            }
        };
    }

    /// Clears `holding` when the record returns or unwinds.
    struct Release<'a>(&'a Cell<bool>);

    impl Drop for Release<'_> {
        fn drop(&mut self) {
            self.0.set(false);
        }
    }

    /// Runs `f` holding this thread's buffer, having made sure the thread's exit asks `buffers`
    /// for a collection; `None`, without running `f`, when the thread holds it already. While
    /// the thread is being torn down, `f` just runs.
    pub(super) fn holding<R>(buffers: &Weak<ThreadBuffers>, f: impl FnOnce() -> R) -> Option<R> {
        let mut f = Some(f);
        let result = THIS.try_with(|this| {
            if this.holding.replace(true) {
                return None;
            }
            let _release = Release(&this.holding);
            this.watch(buffers);
            f.take().map(|f| f())
        });
        match result {
            Ok(result) => result,
            Err(_) => f.map(|f| f()),
        }
    }

    /// Whether this thread is holding its buffer.
    pub(super) fn is_holding() -> bool {
        THIS.try_with(|this| this.holding.get()).unwrap_or(false)
    }
}
