//! The export thread of one signal: it takes batches from the signal's queue, encodes each
//! straight into an OTLP request body, sends it through the transport and tells the reporter how
//! it went; the same code for traces, logs and metrics, which differ only in their [`Encode`].
//!
//! The thread runs a small Tokio runtime of its own (hyper's client needs one), so the
//! application needs none. Every export is bounded by a timeout, and so are flush and shutdown:
//! a collector that is down or never answers costs lost telemetry, never a blocked or failed
//! application. After a failed export the thread waits (1 s, doubling up to 30 s) before the
//! next, so such a collector costs no busy loop either. An answer that rejects part of a batch
//! (OTLP's partial success) is counted and reported.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::queue::{Item, Queue};
use super::report::Reporter;
use super::transport::Transport;

/// How one signal's batches become request bodies.
pub(crate) trait Encode: Send + 'static {
    type Item: Item;

    /// The request body for `batch`.
    fn encode(&mut self, batch: &[Self::Item]) -> Vec<u8>;

    /// Called when the batch interval passes, and before a flush or the shutdown drains the
    /// queue: metrics put their reading in here.
    fn due(&mut self, _queue: &Queue<Self::Item>) {}
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
            export_loop(&queue, encode, &runtime, &transport, &reporter);
            queue.mark(u64::MAX, true);
        })
        .map_err(|error| format!("cannot start the export thread: {error}"))?;
    Ok(())
}

fn export_loop<E: Encode>(
    queue: &Queue<E::Item>,
    mut encode: E,
    runtime: &tokio::runtime::Runtime,
    transport: &Transport,
    reporter: &Reporter,
) {
    let mut backoff = Backoff::default();
    let mut due = Instant::now() + queue.config.schedule_delay;
    loop {
        if queue.wait(due, backoff.until).due {
            encode.due(queue);
            due = Instant::now() + queue.config.schedule_delay;
        }
        let (batch, flushed, stop) = queue.take_batch();
        if !batch.is_empty() {
            // Encoded here, off the application's threads, and only for what was queued.
            let body = encode.encode(&batch);
            let count = batch.iter().map(Item::count).sum();
            drop(batch);
            // Failures are the collector's: the batch is lost (and counted), the application
            // goes on, and the next attempt waits, so a collector that is down costs no busy loop.
            let exported = runtime.block_on(transport.send(body));
            backoff.after(exported.is_ok());
            match exported {
                Ok(answer) => {
                    reporter.succeeded();
                    if let Some(partial) = super::partial::PartialSuccess::of(&answer) {
                        reporter.rejected(&partial);
                    }
                }
                Err(error) => reporter.failed(&error, count, backoff.delay.unwrap_or_default()),
            }
            queue.sent();
        }
        queue.mark(flushed, false);
        reporter.dropped(queue.dropped());
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
}
