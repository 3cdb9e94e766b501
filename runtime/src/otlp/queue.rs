//! An export queue: what waits to be sent, bounded in items and in bytes, never blocking whoever
//! pushes (the collector thread, an application's thread): past either bound an item is dropped and
//! counted. The export thread takes batches from it; flush and shutdown wait for it, bounded.
//! A batch taken and not yet sent (while it is retried, say) still counts against the memory
//! bound: retries never grow the memory held.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What an export queue holds: spans, chunks of log records, metric requests.
pub(crate) trait Item: Send + Sync + 'static {
    /// How many things it is (spans, log records, data points): what is counted when it is
    /// dropped or lost.
    fn count(&self) -> usize;
    /// The memory it holds, roughly.
    fn bytes(&self) -> usize;
}

/// Queue and batch sizes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueueConfig {
    /// Things (spans, log records) that may wait.
    pub(crate) max_queue_size: usize,
    /// Bytes that may wait.
    pub(crate) max_queue_bytes: usize,
    /// Things sent in one request, at most.
    pub(crate) max_batch_size: usize,
    /// How long things wait to be batched.
    pub(crate) schedule_delay: Duration,
    /// How long one export may take.
    pub(crate) export_timeout: Duration,
    /// How long a batch is retried after its first failed attempt, at most (zero: never).
    pub(crate) retry_for: Duration,
}

/// How long a refused batch is retried by default: a minute, as the OpenTelemetry Go SDK does.
const RETRY_FOR: Duration = Duration::from_secs(60);

impl QueueConfig {
    /// The OpenTelemetry batch span processor's batch, interval and timeout, bounded by
    /// memory rather than by its 2,048 spans: the collector thread hands over a whole pass (100 ms) of
    /// spans at once, so a burst that fits in memory is never dropped.
    pub(crate) const SPANS: QueueConfig = QueueConfig {
        max_queue_size: usize::MAX,
        max_queue_bytes: 16 * 1024 * 1024,
        max_batch_size: 512,
        schedule_delay: Duration::from_secs(5),
        export_timeout: Duration::from_secs(10),
        retry_for: RETRY_FOR,
    };

    /// The OpenTelemetry batch log record processor's interval and timeout, bounded by memory
    /// as spans are: the collector thread hands over a whole pass's records at once (100 ms of lines,
    /// 2,000 at 20,000 lines a second), so the specification's 2,048 would drop a busy
    /// service's records at every pass; 2,048 records a request (≈ 0.3 MB) keep the requests a
    /// second low.
    pub(crate) const LOGS: QueueConfig = QueueConfig {
        max_queue_size: usize::MAX,
        max_queue_bytes: 16 * 1024 * 1024,
        max_batch_size: 2048,
        schedule_delay: Duration::from_secs(1),
        export_timeout: Duration::from_secs(10),
        retry_for: RETRY_FOR,
    };

    /// The periodic metric reader's: one request every 60 s.
    pub(crate) const METRICS: QueueConfig = QueueConfig {
        max_queue_size: usize::MAX,
        max_queue_bytes: 16 * 1024 * 1024,
        max_batch_size: 1,
        schedule_delay: Duration::from_secs(60),
        export_timeout: Duration::from_secs(30),
        retry_for: RETRY_FOR,
    };
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig::SPANS
    }
}

struct State<T> {
    items: VecDeque<T>,
    /// The things the items hold, and the bytes they and the batch being sent hold.
    count: usize,
    bytes: usize,
    /// The bytes of the batch being sent.
    sending_bytes: usize,
    /// Flushes asked for, and done: the thread drains the queue, then catches up.
    flush_requested: u64,
    flush_done: u64,
    shutdown: bool,
    stopped: bool,
}

/// Why the export thread woke up.
pub(crate) struct Wake {
    /// The batch interval passed (or a flush or the shutdown asks for everything now).
    pub(crate) due: bool,
}

/// The queue shared by the producers and the export thread.
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    wake_exporter: Condvar,
    wake_waiters: Condvar,
    pub(crate) config: QueueConfig,
    dropped: AtomicU64,
    /// Things taken by the export thread and not yet sent (or failed).
    in_flight: AtomicUsize,
}

impl<T: Item> Queue<T> {
    pub(crate) fn new(config: QueueConfig) -> Queue<T> {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                count: 0,
                bytes: 0,
                sending_bytes: 0,
                flush_requested: 0,
                flush_done: 0,
                shutdown: false,
                stopped: false,
            }),
            wake_exporter: Condvar::new(),
            wake_waiters: Condvar::new(),
            config,
            dropped: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `items`, or, past the queue's bounds or after shutdown, drops and counts them. The
    /// export thread is woken when a batch fills up.
    pub(crate) fn push(&self, items: impl IntoIterator<Item = T>) {
        self.push_items(items, false);
    }

    /// Queues the export thread's own `item` (a metric reading), after shutdown too: the last
    /// reading is made when the queue shuts down.
    pub(crate) fn push_own(&self, item: T) {
        self.push_items([item], true);
    }

    fn push_items(&self, items: impl IntoIterator<Item = T>, own: bool) {
        let mut dropped = 0;
        let mut state = self.lock();
        let before = state.count;
        for item in items {
            let (count, bytes) = (item.count(), item.bytes());
            if (state.shutdown && !own)
                || state.count + count > self.config.max_queue_size
                || state.bytes + bytes > self.config.max_queue_bytes
            {
                dropped += count;
                continue;
            }
            state.count += count;
            state.bytes += bytes;
            state.items.push_back(item);
        }
        let after = state.count;
        drop(state);
        if dropped > 0 {
            // Counted here; the export thread reports the total (a metric lookup per dropped
            // item would make a full queue expensive exactly when the collector thread struggles).
            self.dropped.fetch_add(dropped as u64, Ordering::Relaxed);
        }
        // Once per filled batch: the thread takes every full batch before it waits again.
        if before < self.config.max_batch_size && after >= self.config.max_batch_size {
            self.wake_exporter.notify_one();
        }
    }

    /// Things not exported yet: queued, or being sent.
    pub(crate) fn pending(&self) -> usize {
        self.lock().count + self.in_flight.load(Ordering::Acquire)
    }

    /// Things dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Exports everything queued so far; `false` when that took longer than `timeout`.
    #[cfg(test)]
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let ticket = self.ask_flush();
        self.wait_flushed(ticket, Instant::now() + timeout)
    }

    /// Asks the export thread to export everything queued so far; the ticket to wait for.
    pub(crate) fn ask_flush(&self) -> Option<u64> {
        let mut state = self.lock();
        if state.stopped {
            return None;
        }
        state.flush_requested += 1;
        self.wake_exporter.notify_one();
        Some(state.flush_requested)
    }

    /// Waits until the flush of `ticket` is done; `false` at the deadline.
    pub(crate) fn wait_flushed(&self, ticket: Option<u64>, deadline: Instant) -> bool {
        let state = self.lock();
        match ticket {
            None => state.items.is_empty(),
            Some(ticket) => self.wait_until(state, deadline, |state| {
                state.flush_done >= ticket || state.stopped
            }),
        }
    }

    /// Stops accepting items, exports what is queued and stops the thread; `false` when that
    /// took longer than `timeout` (the thread then finishes on its own, or with the process).
    #[cfg(test)]
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        self.ask_shutdown();
        self.wait_stopped(Instant::now() + timeout)
    }

    /// Stops accepting items and tells the export thread to export what is queued and stop.
    pub(crate) fn ask_shutdown(&self) {
        self.lock().shutdown = true;
        self.wake_exporter.notify_one();
    }

    /// Waits until the export thread has stopped; `false` at the deadline.
    pub(crate) fn wait_stopped(&self, deadline: Instant) -> bool {
        self.wait_until(self.lock(), deadline, |state| state.stopped)
    }

    /// Waits for the export thread until `done` holds; `false` at the deadline.
    fn wait_until(
        &self,
        state: MutexGuard<'_, State<T>>,
        deadline: Instant,
        done: impl Fn(&State<T>) -> bool,
    ) -> bool {
        self.wait_on(&self.wake_waiters, state, deadline, done)
    }

    /// Waits on `condvar` until `done` holds; `false` at the deadline.
    fn wait_on(
        &self,
        condvar: &Condvar,
        mut state: MutexGuard<'_, State<T>>,
        deadline: Instant,
        done: impl Fn(&State<T>) -> bool,
    ) -> bool {
        while !done(&state) {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = condvar
                .wait_timeout(state, deadline - now)
                .map_or_else(|e| e.into_inner().0, |r| r.0);
        }
        true
    }

    /// Waits until a batch is full, `due` passes, a flush is asked for or the queue shuts down;
    /// while the endpoint is backed off from (`not_before`), only a flush or the shutdown
    /// wakes it early.
    pub(crate) fn wait(&self, due: Instant, not_before: Option<Instant>) -> Wake {
        let due = not_before.map_or(due, |not_before| due.max(not_before));
        let mut state = self.lock();
        loop {
            let flushing = state.flush_requested > state.flush_done;
            if state.shutdown || flushing {
                return Wake { due: true };
            }
            let now = Instant::now();
            if now >= due {
                return Wake { due: true };
            }
            let ready = not_before.is_none_or(|not_before| now >= not_before);
            if ready && state.count >= self.config.max_batch_size {
                return Wake { due: false };
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
    }

    /// Waits until `until`; `false` when the queue shuts down first (the export thread stops
    /// retrying). Neither a flush nor a filled batch ends the wait: an endpoint that asked for
    /// time gets it.
    pub(crate) fn pause(&self, until: Instant) -> bool {
        !self.wait_on(&self.wake_exporter, self.lock(), until, |state| {
            state.shutdown
        })
    }

    /// Whether the queue is shutting down.
    pub(crate) fn shutting_down(&self) -> bool {
        self.lock().shutdown
    }

    /// Takes a batch (up to the batch size); the flush ticket it completes, and whether the
    /// queue is shut down and drained. Its bytes stay counted until it is [`sent`](Self::sent).
    pub(crate) fn take_batch(&self) -> (Vec<T>, u64, bool) {
        let mut state = self.lock();
        let mut batch = Vec::new();
        let (mut count, mut bytes) = (0, 0);
        while let Some(item) = state.items.front() {
            let size = item.count();
            if !batch.is_empty() && count + size > self.config.max_batch_size {
                break;
            }
            count += size;
            let item = state.items.pop_front().expect("an item is there");
            state.count -= size;
            bytes += item.bytes();
            batch.push(item);
        }
        self.in_flight.store(count, Ordering::Release);
        state.sending_bytes = bytes;
        let drained = state.items.is_empty();
        let ticket = if drained {
            state.flush_requested
        } else {
            state.flush_done
        };
        (batch, ticket, state.shutdown && drained)
    }

    /// The batch taken last is sent, or lost: its memory is free.
    pub(crate) fn sent(&self) {
        let mut state = self.lock();
        state.bytes -= std::mem::take(&mut state.sending_bytes);
        self.in_flight.store(0, Ordering::Release);
    }

    /// Flushes up to `flushed` are done; with `stopped`, the thread stopped.
    pub(crate) fn mark(&self, flushed: u64, stopped: bool) {
        let mut state = self.lock();
        state.flush_done = state.flush_done.max(flushed);
        state.stopped |= stopped;
        self.wake_waiters.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thing of `count` items and `bytes` bytes.
    struct Thing(usize, usize);

    impl Item for Thing {
        fn count(&self) -> usize {
            self.0
        }
        fn bytes(&self) -> usize {
            self.1
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking_by_items_and_by_bytes() {
        let queue = Queue::new(QueueConfig {
            max_queue_size: 3,
            max_queue_bytes: 1000,
            ..QueueConfig::SPANS
        });
        queue.push((0..5).map(|_| Thing(1, 10)));
        assert_eq!(queue.dropped(), 2);
        assert_eq!(queue.pending(), 3);
        let queue = Queue::new(QueueConfig {
            max_queue_bytes: 100,
            ..QueueConfig::SPANS
        });
        queue.push([Thing(7, 60), Thing(5, 60), Thing(1, 40)]);
        assert_eq!(queue.dropped(), 5, "the second chunk did not fit in memory");
        assert_eq!(queue.pending(), 8);
    }

    #[test]
    fn a_batch_holds_at_most_the_batch_size_and_a_flush_ticket_completes_once_drained() {
        let queue = Queue::new(QueueConfig {
            max_batch_size: 2,
            ..QueueConfig::SPANS
        });
        queue.push((0..3).map(|_| Thing(1, 1)));
        queue.lock().flush_requested += 1;
        let (batch, ticket, stop) = queue.take_batch();
        assert_eq!((batch.len(), ticket, stop), (2, 0, false));
        let (batch, ticket, stop) = queue.take_batch();
        assert_eq!((batch.len(), ticket, stop), (1, 1, false));
    }

    #[test]
    fn a_batch_being_sent_still_counts_against_the_memory_bound_until_it_is_sent() {
        let queue = Queue::new(QueueConfig {
            max_queue_bytes: 100,
            max_batch_size: 1,
            ..QueueConfig::SPANS
        });
        queue.push([Thing(1, 60)]);
        let (batch, _, _) = queue.take_batch();
        assert_eq!(batch.len(), 1);
        queue.push([Thing(1, 60)]);
        assert_eq!(
            queue.dropped(),
            1,
            "the batch being retried holds 60 of the 100 bytes"
        );
        queue.sent();
        queue.push([Thing(1, 60)]);
        assert_eq!(queue.dropped(), 1, "sent: its memory is free");
    }

    #[test]
    fn a_pause_ends_at_its_time_or_at_the_shutdown_but_not_at_a_flush() {
        let queue: Queue<Thing> = Queue::new(QueueConfig::SPANS);
        queue.lock().flush_requested += 1;
        let until = Instant::now() + Duration::from_millis(20);
        assert!(queue.pause(until), "no shutdown: the pause ran its course");
        // Order, not speed: a pending flush did not end it before its time.
        assert!(Instant::now() >= until);
        queue.ask_shutdown();
        assert!(!queue.pause(Instant::now() + Duration::from_secs(30)));
    }

    #[test]
    fn a_backed_off_queue_waits_but_a_flush_wakes_it_at_once() {
        let queue: Queue<Thing> = Queue::new(QueueConfig::SPANS);
        queue.lock().flush_requested += 1;
        let later = Instant::now() + Duration::from_secs(30);
        assert!(queue.wait(later, Some(later)).due, "the flush did not wait");
    }

    #[test]
    fn flush_and_shutdown_are_bounded_without_an_export_thread() {
        let queue = Queue::new(QueueConfig::SPANS);
        queue.push([Thing(1, 1)]);
        assert!(
            !queue.flush(Duration::from_millis(50)),
            "nothing exports: the flush times out"
        );
        assert!(
            !queue.shutdown(Duration::from_millis(50)),
            "nothing exports: the shutdown times out"
        );
        queue.push([Thing(1, 1)]);
        assert_eq!(queue.dropped(), 1, "a shut-down queue drops");
    }
}
