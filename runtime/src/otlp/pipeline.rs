//! The export pipeline: a bounded queue that never blocks the caller, and one thread that sends
//! batches to the collector.
//!
//! A full queue drops the span and counts it (`tripod_spans_dropped_total`). The export thread
//! runs a small Tokio runtime of its own (gRPC and the HTTP client need one), so the application
//! needs none. Every export is bounded by a timeout, and so are flush and shutdown: a collector
//! that is down or never answers costs dropped spans, never a blocked or failed application.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::SpanExporter;

use super::record::SpanRecord;
use crate::metric_names::SPANS_DROPPED;

/// Queue and batch sizes, per the OpenTelemetry batch span processor defaults.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueueConfig {
    pub(crate) max_queue_size: usize,
    pub(crate) max_batch_size: usize,
    pub(crate) schedule_delay: Duration,
    pub(crate) export_timeout: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            max_queue_size: 2048,
            max_batch_size: 512,
            schedule_delay: Duration::from_secs(5),
            export_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Default)]
struct State {
    spans: VecDeque<SpanRecord>,
    /// Flushes asked for, and done: the thread drains the queue, then catches up.
    flush_requested: u64,
    flush_done: u64,
    shutdown: bool,
    stopped: bool,
}

/// The queue shared by the bridge (producer) and the export thread (consumer).
pub(crate) struct Queue {
    state: Mutex<State>,
    wake_exporter: Condvar,
    wake_waiters: Condvar,
    config: QueueConfig,
    dropped: AtomicU64,
}

impl Queue {
    pub(crate) fn new(config: QueueConfig) -> Arc<Queue> {
        Arc::new(Queue {
            state: Mutex::new(State::default()),
            wake_exporter: Condvar::new(),
            wake_waiters: Condvar::new(),
            config,
            dropped: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a finished span, or, when the queue is full or shut down, drops and counts it.
    pub(crate) fn push(&self, span: SpanRecord) {
        let mut state = self.lock();
        if state.shutdown || state.spans.len() >= self.config.max_queue_size {
            drop(state);
            drop(span);
            // Counted here; the export thread reports the total (a metric lookup per dropped
            // span would make a full queue expensive exactly when the collector struggles).
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        state.spans.push_back(span);
        if state.spans.len() >= self.config.max_batch_size {
            self.wake_exporter.notify_one();
        }
    }

    /// Spans dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Exports everything queued so far; `false` when that took longer than `timeout`.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        if state.stopped {
            return state.spans.is_empty();
        }
        state.flush_requested += 1;
        let ticket = state.flush_requested;
        self.wake_exporter.notify_one();
        self.wait(state, deadline, |state| {
            state.flush_done >= ticket || state.stopped
        })
    }

    /// Stops accepting spans, exports what is queued and stops the thread; `false` when that took
    /// longer than `timeout` (the thread then finishes on its own, or with the process).
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        state.shutdown = true;
        self.wake_exporter.notify_one();
        self.wait(state, deadline, |state| state.stopped)
    }

    /// Waits for the export thread until `done` holds; `false` at the deadline.
    fn wait(
        &self,
        mut state: MutexGuard<'_, State>,
        deadline: Instant,
        done: impl Fn(&State) -> bool,
    ) -> bool {
        while !done(&state) {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .wake_waiters
                .wait_timeout(state, deadline - now)
                .map_or_else(|e| e.into_inner().0, |r| r.0);
        }
        true
    }

    /// Waits for a batch: full, due, flushed or shut down. Returns the batch and the flush
    /// ticket it completes.
    fn next_batch(&self) -> (Vec<SpanRecord>, u64, bool) {
        let deadline = Instant::now() + self.config.schedule_delay;
        let mut state = self.lock();
        loop {
            let flushing = state.flush_requested > state.flush_done;
            if state.shutdown || flushing || state.spans.len() >= self.config.max_batch_size {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .wake_exporter
                .wait_timeout(state, deadline - now)
                .map_or_else(|e| e.into_inner().0, |r| r.0);
        }
        let take = state.spans.len().min(self.config.max_batch_size);
        let batch = state.spans.drain(..take).collect();
        let drained = state.spans.is_empty();
        let ticket = if drained {
            state.flush_requested
        } else {
            state.flush_done
        };
        (batch, ticket, state.shutdown && drained)
    }

    fn mark(&self, flushed: u64, stopped: bool) {
        let mut state = self.lock();
        state.flush_done = state.flush_done.max(flushed);
        state.stopped |= stopped;
        self.wake_waiters.notify_all();
    }
}

/// Starts the export thread. `make_exporter` runs on it, inside its Tokio runtime (gRPC needs
/// one to connect); its error is returned here.
pub(crate) fn start<E, F>(queue: Arc<Queue>, make_exporter: F) -> Result<(), String>
where
    E: SpanExporter + 'static,
    F: FnOnce() -> Result<E, String> + Send + 'static,
{
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("tripod-otlp-export".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_tx.send(Err(format!("cannot start the export runtime: {error}")));
                    return;
                }
            };
            let exporter = {
                let _entered = runtime.enter();
                make_exporter()
            };
            let exporter = match exporter {
                Ok(exporter) => {
                    let _ = ready_tx.send(Ok(()));
                    exporter
                }
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                    queue.mark(u64::MAX, true);
                    return;
                }
            };
            export_loop(&queue, &runtime, &exporter);
            let _ = exporter.shutdown_with_timeout(Duration::from_secs(1));
            queue.mark(u64::MAX, true);
        })
        .map_err(|error| format!("cannot start the export thread: {error}"))?;
    ready_rx
        .recv()
        .unwrap_or_else(|_| Err("the export thread stopped while starting".into()))
}

fn export_loop<E: SpanExporter>(queue: &Queue, runtime: &tokio::runtime::Runtime, exporter: &E) {
    let timeout = queue.config.export_timeout;
    let scope = InstrumentationScope::builder("tripod")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    loop {
        let (batch, flushed, stop) = queue.next_batch();
        if !batch.is_empty() {
            // Built here, off the application's threads, and only for spans that were queued.
            let batch = batch
                .into_iter()
                .map(|span| span.into_span_data(&scope))
                .collect();
            // Failures are the collector's: the batch is dropped, the application goes on.
            let _ = runtime
                .block_on(async { tokio::time::timeout(timeout, exporter.export(batch)).await });
        }
        queue.mark(flushed, false);
        metrics::counter!(SPANS_DROPPED).absolute(queue.dropped());
        if stop {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> SpanRecord {
        let ids = crate::trace::SpanIds {
            trace_id: crate::trace::TraceId(1),
            span_id: crate::trace::SpanId(1),
            parent: None,
            parent_is_remote: false,
            sampled: true,
        };
        SpanRecord::new(ids, "test", 0)
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let queue = Queue::new(QueueConfig {
            max_queue_size: 3,
            ..QueueConfig::default()
        });
        for _ in 0..5 {
            queue.push(span());
        }
        assert_eq!(queue.dropped(), 2);
        assert_eq!(queue.lock().spans.len(), 3);
    }

    #[test]
    fn flush_and_shutdown_are_bounded_without_an_export_thread() {
        let queue = Queue::new(QueueConfig::default());
        queue.push(span());
        assert!(
            !queue.flush(Duration::from_millis(50)),
            "nothing exports: the flush times out"
        );
        assert!(
            !queue.shutdown(Duration::from_millis(50)),
            "nothing exports: the shutdown times out"
        );
        queue.push(span());
        assert_eq!(queue.dropped(), 1, "a shut-down queue drops");
    }
}
