//! The export thread of one signal: it takes batches from the signal's queue, encodes each
//! straight into an OTLP request body, sends it through the transport and tells the reporter how
//! it went; the same code for traces, logs and metrics, which differ only in their [`Encode`].
//!
//! The thread runs a small Tokio runtime of its own (hyper's client needs one), so the
//! application needs none. Every export is bounded by a timeout, and so are flush and shutdown:
//! an OTLP endpoint that is down or never answers costs lost telemetry, never a blocked or failed
//! application. A batch the endpoint refuses with a retryable answer (or cannot take: it is
//! unreachable, or silent) is sent again after the endpoint's delay or the backoff's, for up to
//! the retry time ([`retry`](super::retry)); one it refuses for good is lost at once. Either way
//! the next batch waits for the backoff, so an endpoint that is down costs no busy loop. An
//! answer that rejects part of a batch (OTLP's partial success) is counted and reported.

use std::sync::Arc;
use std::time::Instant;

use hyper::body::Bytes;

use super::queue::{Item, Queue};
use super::report::Reporter;
use super::retry::{Backoff, Retry};
use super::transport::Transport;

/// How one signal's batches become request bodies.
pub(crate) trait Encode: Send + 'static {
    type Item: Item;

    /// The request body for `batch`.
    fn encode(&mut self, batch: &[Self::Item]) -> Vec<u8>;

    /// Called when the batch interval passes, and before a flush or the shutdown drains the
    /// queue: metrics put their reading in here.
    fn due(&mut self, _queue: &Queue<Self::Item>) {}

    /// Takes a batch once its body is made: what is left of it is dropped, or reused.
    fn done(&mut self, batch: Vec<Self::Item>) {
        drop(batch);
    }
}

/// Starts the export thread of `queue`, encoding with `encode` and sending through `transport`.
pub(crate) fn start<E: Encode>(
    queue: Arc<Queue<E::Item>>,
    encode: E,
    transport: Transport,
    reporter: Arc<Reporter>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the export runtime: {error}"))?;
    std::thread::Builder::new()
        .name(format!("tripod-otlp-{}", reporter.signal().name()))
        .spawn(move || {
            let delivery = Delivery {
                queue: &queue,
                runtime: &runtime,
                transport: &transport,
                reporter: &reporter,
                backoff: Backoff::default(),
                not_before: None,
            };
            export_loop(delivery, encode);
            queue.mark(u64::MAX, true);
        })
        .map_err(|error| format!("cannot start the export thread: {error}"))?;
    Ok(())
}

fn export_loop<E: Encode>(mut delivery: Delivery<'_, E::Item>, mut encode: E) {
    let queue = delivery.queue;
    let mut due = Instant::now() + queue.config.schedule_delay;
    loop {
        if queue.wait(due, delivery.not_before).due {
            encode.due(queue);
            due = Instant::now() + queue.config.schedule_delay;
        }
        let (batch, flushed, stop) = queue.take_batch();
        if !batch.is_empty() {
            // Encoded here, off the application's threads, and only for what was queued.
            let body = delivery.transport.prepare(encode.encode(&batch));
            let count = batch.iter().map(Item::count).sum();
            encode.done(batch);
            delivery.deliver(body, count);
            queue.sent();
        }
        queue.mark(flushed, false);
        delivery.reporter.dropped(queue.dropped());
        if stop {
            return;
        }
    }
}

/// Sending batches until the endpoint has them, with the backoff that spans batches.
struct Delivery<'a, T> {
    queue: &'a Queue<T>,
    runtime: &'a tokio::runtime::Runtime,
    transport: &'a Transport,
    reporter: &'a Reporter,
    backoff: Backoff,
    /// After a lost batch, the next is not sent before this (a flush or the shutdown may).
    not_before: Option<Instant>,
}

impl<T: Item> Delivery<'_, T> {
    /// Sends `body` (`count` spans, log records or data points) until the endpoint takes it,
    /// refuses it for good, or its retry time runs out; then it is lost and counted. Once the
    /// queue shuts down, a batch waiting for its retry is tried once more at once, and no batch
    /// waits again.
    fn deliver(&mut self, body: Bytes, count: usize) {
        let give_up_at = Instant::now() + self.queue.config.retry_for;
        loop {
            let error = match self.runtime.block_on(self.transport.send(body.clone())) {
                Ok(answer) => {
                    self.backoff.reset();
                    self.not_before = None;
                    self.reporter.succeeded();
                    if let Some(partial) = super::partial::PartialSuccess::of(&answer) {
                        self.reporter.rejected(&partial);
                    }
                    return;
                }
                Err(error) => error,
            };
            let retry = match error.retry() {
                Retry::Never => None,
                Retry::After(delay) => Some(delay.unwrap_or_else(|| self.backoff.next())),
            }
            .map(|wait| (wait, Instant::now() + wait))
            .filter(|(_, at)| *at <= give_up_at && !self.queue.shutting_down());
            let Some((wait, retry_at)) = retry else {
                self.reporter.failed(&error, count);
                self.not_before = Some(Instant::now() + self.backoff.next());
                return;
            };
            self.reporter.retrying(&error, count, wait);
            // A shutdown ends the wait: one attempt more, now.
            self.queue.pause(retry_at);
        }
    }
}
