//! Where log lines go: appended to a pending buffer under a short lock, and written out by a
//! flusher thread, every 100 ms, as soon as 64 KiB are pending, and when the
//! [`Telemetry`](crate::Telemetry) guard drops.
//!
//! Each line is appended whole, so lines from different threads never interleave, and buffers
//! reach the writer in the order they were taken from the queue, so lines keep their order.
//! The application's threads never make the `write(2)` call themselves, so a slow stdout (a
//! pipe to a log shipper that falls behind) does not stall requests, up to 4 MiB of pending
//! lines; beyond that the thread logging writes them out itself: back-pressure, never lost lines.
//! A crash can lose the lines of the last flush interval (100 ms), which is said in
//! `Builder::log_writer`'s docs.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::Thread;
use std::time::Duration;

use crate::background::Background;

/// How often pending lines are written out.
const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Pending bytes at which the flusher is woken (or, without one, the caller writes).
const HAND_OFF: usize = 64 * 1024;
/// Pending bytes at which the caller writes them itself: the writer is slower than the app.
const LIMIT: usize = 4 * 1024 * 1024;

/// A line-oriented, buffered, shared writer.
pub(crate) struct LineOutput {
    /// Lines not yet taken by a flush.
    pending: Mutex<Vec<u8>>,
    /// The writer, and the buffer a flush swaps with `pending`. Held while writing, so buffers
    /// reach the writer in the order they were taken.
    writer: Mutex<Writer>,
    /// The thread that writes lines out, once started.
    flusher: OnceLock<Thread>,
    /// Set when the flusher has been woken and has not flushed since.
    woken: AtomicBool,
}

struct Writer {
    out: Box<dyn Write + Send>,
    spare: Vec<u8>,
}

pub(crate) type SharedOutput = Arc<LineOutput>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl LineOutput {
    pub(crate) fn new(out: Box<dyn Write + Send>) -> SharedOutput {
        Arc::new(LineOutput {
            pending: Mutex::new(Vec::with_capacity(HAND_OFF * 2)),
            writer: Mutex::new(Writer {
                out,
                spare: Vec::with_capacity(HAND_OFF * 2),
            }),
            flusher: OnceLock::new(),
            woken: AtomicBool::new(false),
        })
    }

    /// Queues one whole line. Writing is the flusher's; errors (a closed stdout) are dropped:
    /// logging never fails the app.
    pub(crate) fn write_line(&self, line: &[u8]) {
        let pending = {
            let mut pending = lock(&self.pending);
            pending.extend_from_slice(line);
            pending.len()
        };
        if pending < HAND_OFF {
            return;
        }
        match self.flusher.get() {
            Some(flusher) if pending < LIMIT => {
                // A load first: until the flusher has run, later lines pass with no write.
                if !self.woken.load(Ordering::Relaxed) && !self.woken.swap(true, Ordering::AcqRel) {
                    flusher.unpark();
                }
            }
            _ => self.flush(),
        }
    }

    /// Writes out every line queued so far.
    pub(crate) fn flush(&self) {
        let mut writer = lock(&self.writer);
        self.woken.store(false, Ordering::Release);
        let Writer { out, spare } = &mut *writer;
        std::mem::swap(&mut *lock(&self.pending), spare);
        if !spare.is_empty() {
            let _ = out.write_all(spare);
            spare.clear();
        }
        let _ = out.flush();
    }
}

impl io::Write for &LineOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_line(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        LineOutput::flush(self);
        Ok(())
    }
}

/// Writes `output`'s lines out every [`FLUSH_INTERVAL`] and whenever 64 KiB are pending, until
/// the handle drops (the [`Telemetry`](crate::Telemetry) guard then flushes what is left).
pub(crate) fn flusher(output: SharedOutput) -> Background {
    let flushed = output.clone();
    let background = Background::every("tripod-log-flush", FLUSH_INTERVAL, move || flushed.flush());
    if let Some(thread) = background.thread() {
        let _ = output.flusher.set(thread.clone());
    }
    background
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A writer that records what it gets and, while `gate` holds `true`, blocks.
    #[derive(Clone, Default)]
    struct Gated {
        written: Arc<Mutex<Vec<u8>>>,
        gate: Arc<(Mutex<bool>, std::sync::Condvar)>,
    }

    impl Gated {
        fn close(&self) {
            *lock(&self.gate.0) = true;
        }
        fn open(&self) {
            *lock(&self.gate.0) = false;
            self.gate.1.notify_all();
        }
        fn text(&self) -> String {
            String::from_utf8(lock(&self.written).clone()).unwrap()
        }
    }

    impl Write for Gated {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let (closed, opened) = &*self.gate;
            let mut closed = lock(closed);
            while *closed {
                closed = opened.wait(closed).unwrap();
            }
            lock(&self.written).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn line(i: usize) -> Vec<u8> {
        format!("{{\"line\":{i:06},\"padding\":\"{:200}\"}}\n", "").into_bytes()
    }

    #[test]
    fn lines_stay_pending_until_a_flush_and_arrive_whole_and_in_order() {
        let writer = Gated::default();
        let output = LineOutput::new(Box::new(writer.clone()));
        output.write_line(&line(0));
        output.write_line(&line(1));
        assert_eq!(writer.text(), "", "nothing is written per line");
        output.flush();
        assert_eq!(
            writer.text().into_bytes(),
            [line(0), line(1)].concat(),
            "a flush writes what is pending"
        );
    }

    #[test]
    fn without_a_flusher_the_caller_writes_every_64_kib() {
        let writer = Gated::default();
        let output = LineOutput::new(Box::new(writer.clone()));
        let lines = HAND_OFF / line(0).len() + 1;
        for i in 0..lines {
            output.write_line(&line(i));
        }
        let expected: Vec<u8> = (0..lines).flat_map(line).collect();
        assert!(
            writer.text().into_bytes() == expected,
            "every line, in order"
        );
    }

    #[test]
    fn a_stalled_writer_stalls_no_caller_below_the_limit_and_loses_no_line() {
        let writer = Gated::default();
        let output = LineOutput::new(Box::new(writer.clone()));
        let background = flusher(output.clone());
        assert!(output.flusher.get().is_some(), "the flusher runs");
        // The flusher is stuck in a write (as behind a full pipe) after the first 64 KiB.
        writer.close();
        let lines = LIMIT / line(0).len() / 2;
        let (done, finished) = mpsc::channel();
        let logging = {
            let output = output.clone();
            std::thread::spawn(move || {
                for i in 0..lines {
                    output.write_line(&line(i));
                }
                done.send(()).unwrap();
            })
        };
        assert!(
            finished.recv_timeout(Duration::from_secs(60)).is_ok(),
            "a caller blocked on the stalled writer"
        );
        logging.join().unwrap();
        writer.open();
        drop(background);
        output.flush(); // as `Telemetry` does when it drops
        let expected: String = (0..lines)
            .map(|i| String::from_utf8(line(i)).unwrap())
            .collect();
        let written = writer.text();
        assert!(
            written == expected,
            "every line, in order: {} of {} bytes written",
            written.len(),
            expected.len()
        );
    }
}
