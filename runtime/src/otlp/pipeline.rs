//! The export pipeline: a bounded queue that never blocks the caller, and one thread that encodes
//! batches straight into OTLP request bodies and sends them to the collector.
//!
//! A full queue drops the span and counts it (`tripod_spans_dropped_total`). The export thread
//! runs a small Tokio runtime of its own (hyper's client needs one), so the application needs
//! none. Every export is bounded by a timeout, and so are flush and shutdown: a collector
//! that is down or never answers costs dropped spans, never a blocked or failed application.
//! After a failed export the thread waits (1 s, doubling up to 30 s) before the next, so such a
//! collector costs no busy loop either; the spans that arrive meanwhile fill the queue and are
//! dropped there.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::report::Reporter;
use super::request::Preamble;
use super::transport::Transport;
use crate::capture::{SpanRecord, SpanSink};
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
    spans: VecDeque<Arc<SpanRecord>>,
    /// Flushes asked for, and done: the thread drains the queue, then catches up.
    flush_requested: u64,
    flush_done: u64,
    shutdown: bool,
    stopped: bool,
}

/// The queue shared by the capture layer (producer, through `SpanSink`) and the export thread
/// (consumer).
pub(crate) struct Queue {
    state: Mutex<State>,
    wake_exporter: Condvar,
    wake_waiters: Condvar,
    config: QueueConfig,
    dropped: AtomicU64,
    /// Spans taken by the export thread and not yet sent (or failed).
    in_flight: std::sync::atomic::AtomicUsize,
}

impl Queue {
    pub(crate) fn new(config: QueueConfig) -> Arc<Queue> {
        Arc::new(Queue {
            state: Mutex::new(State::default()),
            wake_exporter: Condvar::new(),
            wake_waiters: Condvar::new(),
            config,
            dropped: AtomicU64::new(0),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues finished spans, or, past the queue's size or after shutdown, drops and counts
    /// them. The export thread is woken when a batch fills up.
    pub(crate) fn push(&self, spans: &[Arc<SpanRecord>]) {
        let mut state = self.lock();
        let before = state.spans.len();
        let room = if state.shutdown {
            0
        } else {
            self.config.max_queue_size.saturating_sub(before)
        };
        let kept = spans.len().min(room);
        state.spans.extend(spans[..kept].iter().cloned());
        let after = state.spans.len();
        drop(state);
        if kept < spans.len() {
            // Counted here; the export thread reports the total (a metric lookup per dropped
            // span would make a full queue expensive exactly when the collector struggles).
            self.dropped
                .fetch_add((spans.len() - kept) as u64, Ordering::Relaxed);
        }
        // Once per filled batch: the thread takes every full batch before it waits again.
        if before < self.config.max_batch_size && after >= self.config.max_batch_size {
            self.wake_exporter.notify_one();
        }
    }

    /// Spans not exported yet: queued, or being sent.
    pub(crate) fn pending(&self) -> usize {
        self.lock().spans.len() + self.in_flight.load(Ordering::Acquire)
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

    /// Waits for a batch: full, due, flushed or shut down; while the collector is backed off
    /// from (`not_before`), only a flush or the shutdown sends early. Returns the batch and the
    /// flush ticket it completes.
    fn next_batch(&self, not_before: Option<Instant>) -> (Vec<Arc<SpanRecord>>, u64, bool) {
        let due = Instant::now() + self.config.schedule_delay;
        let due = not_before.map_or(due, |not_before| due.max(not_before));
        let mut state = self.lock();
        loop {
            let flushing = state.flush_requested > state.flush_done;
            if state.shutdown || flushing {
                break;
            }
            let now = Instant::now();
            let ready = not_before.is_none_or(|not_before| now >= not_before);
            if now >= due || (ready && state.spans.len() >= self.config.max_batch_size) {
                break;
            }
            let wake = match not_before {
                Some(not_before) if now < not_before => not_before,
                _ => due,
            };
            state = self
                .wake_exporter
                .wait_timeout(state, wake - now)
                .map_or_else(|e| e.into_inner().0, |r| r.0);
        }
        let take = state.spans.len().min(self.config.max_batch_size);
        let batch: Vec<Arc<SpanRecord>> = state.spans.drain(..take).collect();
        self.in_flight.store(batch.len(), Ordering::Release);
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

impl SpanSink for Queue {
    fn span_closed(&self, span: Arc<SpanRecord>) {
        self.push(&[span]);
    }

    fn spans_closed(&self, spans: &[Arc<SpanRecord>]) {
        self.push(spans);
    }
}

/// Starts the export thread, sending through `transport` requests that begin with `preamble`,
/// and telling `reporter` how each export went.
pub(crate) fn start(
    queue: Arc<Queue>,
    preamble: Preamble,
    transport: Transport,
    reporter: Arc<Reporter>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the export runtime: {error}"))?;
    std::thread::Builder::new()
        .name("tripod-otlp-export".into())
        .spawn(move || {
            export_loop(&queue, &runtime, &preamble, &transport, &reporter);
            queue.mark(u64::MAX, true);
        })
        .map_err(|error| format!("cannot start the export thread: {error}"))?;
    Ok(())
}

fn export_loop(
    queue: &Queue,
    runtime: &tokio::runtime::Runtime,
    preamble: &Preamble,
    transport: &Transport,
    reporter: &Reporter,
) {
    let mut backoff = Backoff::default();
    loop {
        let (batch, flushed, stop) = queue.next_batch(backoff.until);
        if !batch.is_empty() {
            // Encoded here, off the application's threads, and only for spans that were queued.
            let body = preamble.encode(&batch);
            let spans = batch.len();
            drop(batch);
            // Failures are the collector's: the batch is dropped (and counted), the application
            // goes on, and the next attempt waits, so a collector that is down costs no busy loop.
            let exported = runtime.block_on(transport.send(body));
            backoff.after(exported.is_ok());
            match exported {
                Ok(()) => reporter.succeeded(),
                Err(error) => reporter.failed(&error, spans, backoff.delay.unwrap_or_default()),
            }
            queue.in_flight.store(0, Ordering::Release);
        }
        queue.mark(flushed, false);
        metrics::counter!(SPANS_DROPPED).absolute(queue.dropped());
        if stop {
            return;
        }
    }
}

/// How long the export thread waits after failed exports: from one second, doubling up to 30.
#[derive(Default)]
struct Backoff {
    delay: Option<Duration>,
    until: Option<Instant>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_secs(1);
    const LONGEST: Duration = Duration::from_secs(30);

    fn after(&mut self, exported: bool) {
        if exported {
            *self = Backoff::default();
            return;
        }
        let delay = self
            .delay
            .map_or(Self::FIRST, |delay| (delay * 2).min(Self::LONGEST));
        self.delay = Some(delay);
        self.until = Some(Instant::now() + delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Arc<SpanRecord> {
        let ids = crate::trace::SpanIds {
            trace_id: crate::trace::TraceId(1),
            span_id: crate::trace::SpanId(1),
            parent: None,
            parent_is_remote: false,
            sampled: true,
        };
        Arc::new(SpanRecord::new(
            ids,
            "test",
            0,
            crate::capture::SpanLimits::default(),
        ))
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let queue = Queue::new(QueueConfig {
            max_queue_size: 3,
            ..QueueConfig::default()
        });
        for _ in 0..5 {
            queue.push(&[span()]);
        }
        assert_eq!(queue.dropped(), 2);
        assert_eq!(queue.lock().spans.len(), 3);
    }

    #[test]
    fn failed_exports_back_off_from_one_second_to_thirty_and_a_success_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<Duration> = (0..7)
            .map(|_| {
                backoff.after(false);
                backoff.delay.expect("backing off")
            })
            .collect();
        let secs: Vec<u64> = delays.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30]);
        assert!(backoff.until.is_some_and(|until| until > Instant::now()));
        backoff.after(true);
        assert!(backoff.delay.is_none() && backoff.until.is_none());
    }

    #[test]
    fn a_backed_off_queue_waits_but_a_flush_sends_at_once() {
        let queue = Queue::new(QueueConfig {
            max_batch_size: 2,
            ..QueueConfig::default()
        });
        queue.push(&[span()]);
        queue.push(&[span()]);
        queue.lock().flush_requested += 1;
        let started = Instant::now();
        let (batch, ticket, stop) =
            queue.next_batch(Some(Instant::now() + Duration::from_secs(30)));
        assert_eq!((batch.len(), ticket, stop), (2, 1, false));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the flush did not wait out the backoff"
        );
    }

    #[test]
    fn flush_and_shutdown_are_bounded_without_an_export_thread() {
        let queue = Queue::new(QueueConfig::default());
        queue.push(&[span()]);
        assert!(
            !queue.flush(Duration::from_millis(50)),
            "nothing exports: the flush times out"
        );
        assert!(
            !queue.shutdown(Duration::from_millis(50)),
            "nothing exports: the shutdown times out"
        );
        queue.push(&[span()]);
        assert_eq!(queue.dropped(), 1, "a shut-down queue drops");
    }
}
