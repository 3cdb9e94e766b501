//! tripod's subscriber's log pipeline: each application thread appends its events' records to a
//! buffer of its own (an uncontended lock, no formatting); tripod's log thread takes every
//! thread's buffer every 100 ms (sooner when one holds 64 KiB, and when a thread exits), lays the
//! records out as lines and writes them.
//!
//! - **Order.** A thread's lines keep their order. Buffers are taken all at once (every
//!   thread's lock held while they are swapped), so an event that happened before another on a
//!   different thread (a task moving between Tokio workers) is never written in a later batch;
//!   within a batch, threads' records are merged by time.
//! - **Bounded, never lost.** A thread whose buffer reaches 4 MiB takes and writes every
//!   buffer itself, waiting for a write in progress: back-pressure, not dropped lines.
//! - **A crash** loses what was recorded since the last take: at most the last 100 ms.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::thread::Thread;
use std::time::Duration;

use thread_local::ThreadLocal;
use tracing::Event;

use super::SpanLog;
use super::format::{Scratch, write_line};
use super::output::SharedOutput;
use super::records::Records;
use super::style::Style;
use crate::background::Background;
use crate::clock::WallClock;

/// How often the log thread takes the threads' records.
const TAKE_EVERY: Duration = Duration::from_millis(100);
/// A thread's buffered records at which the log thread is woken.
const HAND_OFF: usize = 64 * 1024;
/// A thread's buffered records at which it writes them out itself.
const LIMIT: usize = 4 * 1024 * 1024;
/// Formatted lines handed to the output at a time.
const WRITE_CHUNK: usize = 64 * 1024;

/// The per-thread buffers, and what turns them into lines.
pub(crate) struct LogPipeline {
    style: Style,
    output: SharedOutput,
    buffers: ThreadLocal<Mutex<Records>>,
    /// The log thread's state; held while a batch is taken and written, so batches reach the
    /// output in the order they were taken.
    writer: Mutex<Writer>,
    thread: OnceLock<Thread>,
    /// Set when the log thread has been woken and has not taken the buffers since.
    woken: AtomicBool,
    /// This pipeline, for the exit watch of each thread that records.
    me: Weak<LogPipeline>,
}

#[derive(Default)]
struct Writer {
    clock: WallClock,
    /// Emptied buffers, swapped in for the full ones taken.
    spare: Vec<Records>,
    lines: Vec<u8>,
    scratch: Scratch,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl LogPipeline {
    pub(crate) fn new(output: SharedOutput, style: Style) -> Arc<LogPipeline> {
        Arc::new_cyclic(|me| LogPipeline {
            style,
            output,
            buffers: ThreadLocal::new(),
            writer: Mutex::new(Writer::default()),
            thread: OnceLock::new(),
            woken: AtomicBool::new(false),
            me: me.clone(),
        })
    }

    /// Starts the log thread; it stops when the handle drops.
    pub(crate) fn start(self: &Arc<Self>) -> Background {
        let pipeline = self.clone();
        let background = Background::every("tripod-log", TAKE_EVERY, move || pipeline.write_out());
        if let Some(thread) = background.thread() {
            let _ = self.thread.set(thread.clone());
        }
        background
    }

    /// Records `event`, which happened in `span`, in this thread's buffer.
    pub(crate) fn record(&self, event: &Event<'_>, span: Option<Arc<SpanLog>>) {
        let buffer = self.buffers.get_or(|| {
            exit_watch::add(self.me.clone());
            Mutex::new(Records::default())
        });
        let bytes = {
            let mut records = lock(buffer);
            records.push(event, span);
            records.bytes()
        };
        if bytes < HAND_OFF {
            return;
        }
        match self.thread.get() {
            Some(_) if bytes < LIMIT => self.wake(),
            _ => self.write_out(),
        }
    }

    /// Wakes the log thread, unless it was woken and has not run since.
    fn wake(&self) {
        if let Some(thread) = self.thread.get()
            && !self.woken.load(Ordering::Relaxed)
            && !self.woken.swap(true, Ordering::AcqRel)
        {
            thread.unpark();
        }
    }

    /// Takes every thread's records and writes them out as lines, then flushes the output.
    pub(crate) fn write_out(&self) {
        let mut writer = lock(&self.writer);
        self.woken.store(false, Ordering::Release);
        let Writer {
            clock,
            spare,
            lines,
            scratch,
        } = &mut *writer;
        // Every buffer's lock at once, so the batch is a consistent cut.
        let mut taken = Vec::new();
        {
            let mut buffers: Vec<_> = self.buffers.iter().map(lock).collect();
            for buffer in &mut buffers {
                if !buffer.is_empty() {
                    taken.push(std::mem::replace(
                        &mut **buffer,
                        spare.pop().unwrap_or_default(),
                    ));
                }
            }
        }
        clock.refresh();
        // Merged by time; a thread's records stay in their order.
        let mut next: BinaryHeap<Reverse<(quanta::Instant, usize, usize)>> = taken
            .iter()
            .enumerate()
            .map(|(thread, records)| Reverse((records.entries[0].at, thread, 0)))
            .collect();
        while let Some(Reverse((at, thread, index))) = next.pop() {
            let records = &taken[thread];
            write_line(
                lines,
                self.style,
                records,
                &records.entries[index],
                clock.at(at),
                scratch,
            );
            if let Some(entry) = records.entries.get(index + 1) {
                next.push(Reverse((entry.at, thread, index + 1)));
            }
            if lines.len() >= WRITE_CHUNK {
                self.output.write_line(lines);
                lines.clear();
            }
        }
        if !lines.is_empty() {
            self.output.write_line(lines);
            lines.clear();
        }
        self.output.flush();
        for mut records in taken {
            records.clear();
            spare.push(records);
        }
    }
}

/// Wakes the log threads of the pipelines a thread recorded in when the thread exits, so its
/// last records are written out at once.
mod exit_watch {
    use std::cell::RefCell;
    use std::sync::Weak;

    use super::LogPipeline;

    struct Watch(RefCell<Vec<Weak<LogPipeline>>>);

    impl Drop for Watch {
        fn drop(&mut self) {
            for pipeline in self.0.borrow().iter().filter_map(Weak::upgrade) {
                pipeline.wake();
            }
        }
    }

    thread_local! {
        static WATCH: Watch = const { Watch(RefCell::new(Vec::new())) };
    }

    pub(super) fn add(pipeline: Weak<LogPipeline>) {
        let _ = WATCH.try_with(|watch| {
            if let Ok(mut pipelines) = watch.0.try_borrow_mut() {
                pipelines.retain(|existing| existing.strong_count() > 0);
                pipelines.push(pipeline);
            }
        });
    }
}
