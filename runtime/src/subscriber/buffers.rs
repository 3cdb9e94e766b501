//! Each application thread's buffer of records, and the collector thread that takes them: every
//! 100 ms, sooner when a thread holds 64 KiB of records, and when a thread exits.
//!
//! - **Order.** Buffers are taken all at once (every thread's lock held while they are swapped),
//!   so a record made before another on a different thread (a task moving between Tokio
//!   workers, a span ending on another thread than it started) is never collected in a later
//!   batch; within a batch, threads' records are merged by time, and a thread's stay in order.
//! - **Bounded, never lost.** A thread whose buffer reaches 4 MiB collects every buffer itself,
//!   waiting for a collection in progress: back-pressure on the thread that logs, not dropped
//!   lines. (Span records the export queue has no room for are dropped and counted there.)
//! - **A crash** loses what was recorded since the last collection: at most the last 100 ms.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::thread::Thread;
use std::time::Duration;

use thread_local::ThreadLocal;

use super::collector::Collector;
use super::records::Records;
use crate::background::Background;

/// How often the collector takes the threads' records.
const COLLECT_EVERY: Duration = Duration::from_millis(100);
/// A thread's buffered records at which the collector is woken.
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

/// The per-thread buffers and the collector.
pub(crate) struct Buffers {
    buffers: ThreadLocal<Mutex<Records>>,
    /// Span ends recorded while their thread held its own buffer (a span dropped by a field's
    /// `Debug` being copied).
    reentrant: Mutex<Records>,
    /// The collector, and emptied buffers to swap in for full ones; held while a batch is
    /// taken and collected, so batches are collected in the order they were taken.
    collector: Mutex<(Collector, Vec<Records>)>,
    thread: OnceLock<Thread>,
    /// Set when the collector thread has been woken and has not collected since.
    woken: AtomicBool,
    /// These buffers, for the exit watch of each thread that records.
    me: Weak<Buffers>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Buffers {
    pub(crate) fn new(collector: Collector) -> Arc<Buffers> {
        Arc::new_cyclic(|me| Buffers {
            buffers: ThreadLocal::new(),
            reentrant: Mutex::new(Records::default()),
            collector: Mutex::new((collector, Vec::new())),
            thread: OnceLock::new(),
            woken: AtomicBool::new(false),
            me: me.clone(),
        })
    }

    /// Starts the collector thread; it stops when the handle drops.
    pub(crate) fn start(self: &Arc<Self>) -> Background {
        let buffers = self.clone();
        let background =
            Background::every("tripod-collector", COLLECT_EVERY, move || buffers.collect());
        if let Some(thread) = background.thread() {
            let _ = self.thread.set(thread.clone());
        }
        background
    }

    /// Appends to this thread's buffer with `record`; past the bounds, wakes the collector or
    /// collects. What the application's code run by `record` (a field's `Debug`) records in turn
    /// is dropped, except span ends ([`end`](Buffers::end)).
    pub(crate) fn record(&self, record: impl FnOnce(&mut Records)) {
        let Some(bytes) = this_thread::holding(&self.me, || {
            let buffer = self.buffers.get_or(|| Mutex::new(Records::default()));
            let mut records = lock(buffer);
            record(&mut records);
            records.bytes()
        }) else {
            return;
        };
        if bytes < HAND_OFF {
            return;
        }
        match self.thread.get() {
            Some(_) if bytes < LIMIT => self.wake(),
            _ => self.collect(),
        }
    }

    /// Records the end of the span `span`, also from inside another record.
    pub(crate) fn end(&self, span: crate::trace::SpanId) {
        if this_thread::is_holding() {
            lock(&self.reentrant).end(span);
        } else {
            self.record(|records| records.end(span));
        }
    }

    /// Wakes the collector thread, unless it was woken and has not run since.
    fn wake(&self) {
        if let Some(thread) = self.thread.get()
            && !self.woken.load(Ordering::Relaxed)
            && !self.woken.swap(true, Ordering::AcqRel)
        {
            thread.unpark();
        }
    }

    /// Takes every thread's records and collects them: lines written out, ended spans handed to
    /// the sinks.
    pub(crate) fn collect(&self) {
        let mut guard = lock(&self.collector);
        self.woken.store(false, Ordering::Release);
        let (collector, spare) = &mut *guard;
        // Every buffer's lock at once, so the batch is a consistent cut.
        let mut taken = Vec::new();
        {
            let mut buffers: Vec<_> = self
                .buffers
                .iter()
                .chain([&self.reentrant])
                .map(lock)
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
        }
        collector.collect(&taken);
        for mut records in taken {
            if spare.len() < SPARES && records.capacity_bytes() <= LARGEST_SPARE {
                records.clear();
                spare.push(records);
            }
        }
    }
}

/// What this thread knows of the buffers: whether it is holding its own (running the
/// application's code in the middle of a record), and which collectors to wake when it exits, so
/// its last records are collected at once.
mod this_thread {
    use std::cell::{Cell, RefCell};
    use std::sync::Weak;

    use super::Buffers;

    struct ThisThread {
        holding: Cell<bool>,
        /// The buffers recorded in last (checked on every record), and all of them.
        last: RefCell<Weak<Buffers>>,
        all: RefCell<Vec<Weak<Buffers>>>,
    }

    impl ThisThread {
        fn watch(&self, buffers: &Weak<Buffers>) {
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
                buffers.wake();
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

    /// Runs `f` holding this thread's buffer, having made sure the thread's exit wakes
    /// `buffers`' collector; `None`, without running `f`, when the thread holds it already. While
    /// the thread is being torn down, `f` just runs.
    pub(super) fn holding<R>(buffers: &Weak<Buffers>, f: impl FnOnce() -> R) -> Option<R> {
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
