//! tripod's background pipeline: the collector thread takes every application thread's records
//! ([`ThreadBuffers`]) every 100 ms, sooner when a thread asks (64 KiB buffered, or it exited),
//! and the [`Collector`] turns them into log lines and span records for the sinks. A thread
//! holding 4 MiB collects on its own thread, waiting for a collection in progress. A crash loses
//! what was recorded since the last collection: at most the last 100 ms. Dropping the
//! [`Telemetry`](crate::Telemetry) guard, or flushing it, collects everything.

mod calls;
mod collector;
mod live;
mod repeated;
mod tail;
#[cfg(test)]
mod testing;
mod unfinished;
mod watched;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::thread::Thread;
use std::time::Duration;

pub(crate) use collector::{Collector, Databases};
pub(crate) use repeated::{DEFAULT_PER_SECOND as DEFAULT_LOG_RATE_LIMIT, RepeatedLines};
pub(crate) use tail::{DEFAULT_MAX_BYTES as TAIL_MAX_BYTES, Tail};
pub(crate) use unfinished::{Unfinished, UnfinishedSettings};

use crate::background::Background;
use crate::local::{Pressure, ThreadBuffers};

/// How often the collector thread takes the threads' records.
const COLLECT_EVERY: Duration = Duration::from_millis(100);

/// The pipeline.
pub(crate) struct Pipeline {
    buffers: Arc<ThreadBuffers>,
    /// Held while a batch is taken and collected, so batches are collected in the order they
    /// were taken.
    collector: Mutex<Collector>,
    thread: OnceLock<Thread>,
    /// Set when the collector thread has been woken and has not collected since.
    woken: AtomicBool,
}

impl Pipeline {
    /// The pipeline collecting `buffers` into `collector`, with its thread started (it stops
    /// when the handle drops). Without a thread (the system refused one), threads collect
    /// their own records once they hold 64 KiB, and the guard collects the rest.
    pub(crate) fn start(
        buffers: Arc<ThreadBuffers>,
        collector: Collector,
    ) -> (Arc<Pipeline>, Background) {
        let pipeline = Arc::new(Pipeline {
            buffers,
            collector: Mutex::new(collector),
            thread: OnceLock::new(),
            woken: AtomicBool::new(false),
        });
        let collecting = pipeline.clone();
        let background = Background::every("tripod-collector", COLLECT_EVERY, move || {
            collecting.collect();
        });
        if let Some(thread) = background.thread() {
            let _ = pipeline.thread.set(thread.clone());
        }
        let weak: Weak<Pipeline> = Arc::downgrade(&pipeline);
        pipeline.buffers.on_pressure(move |pressure| {
            if let Some(pipeline) = weak.upgrade() {
                pipeline.pressed(pressure);
            }
        });
        (pipeline, background)
    }

    fn pressed(&self, pressure: Pressure) {
        match (pressure, self.thread.get()) {
            (Pressure::Soon, Some(thread)) => {
                // A load first: until the thread has run, later records pass with no wake-up.
                if !self.woken.load(Ordering::Relaxed) && !self.woken.swap(true, Ordering::AcqRel) {
                    thread.unpark();
                }
            }
            _ => self.collect(),
        }
    }

    /// Takes every thread's records and collects them: lines written out, ended spans handed
    /// to the sinks.
    pub(crate) fn collect(&self) {
        let mut collector = lock(&self.collector);
        self.woken.store(false, Ordering::Release);
        let taken = self.buffers.take();
        collector.collect(&taken);
        self.buffers.give_back(taken);
    }

    /// Collects, then writes the summary of every line held back so far: at shutdown.
    pub(crate) fn finish(&self) {
        self.collect();
        lock(&self.collector).summarise_all_suppressed();
    }
}

/// Collects, then copies each captured span that still runs, ended now.
impl crate::capture::OpenSpans for Pipeline {
    fn open_spans(&self) -> Vec<crate::capture::SpanRecord> {
        self.collect();
        lock(&self.collector).open_records()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
