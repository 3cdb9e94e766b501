//! Where log lines go: appended to a pending buffer, and written out when 64 KiB are pending and
//! at the end of each collection (the collector thread lays lines out and writes them, so the
//! application's threads never make the `write(2)` call themselves).
//!
//! Each line is appended whole, and buffers reach the writer in the order they were taken, so
//! lines keep their order. A crash can lose the lines of the last collection interval (100 ms),
//! which is said in `Builder::log_writer`'s docs.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// Pending bytes at which the writer is handed them.
const HAND_OFF: usize = 64 * 1024;

/// A line-oriented, buffered, shared writer.
pub(crate) struct LineOutput {
    /// Lines not yet taken by a flush.
    pending: Mutex<Vec<u8>>,
    /// The writer, and the buffer a flush swaps with `pending`. Held while writing, so buffers
    /// reach the writer in the order they were taken.
    writer: Mutex<Writer>,
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
        })
    }

    /// Queues whole lines, and writes them out past 64 KiB; errors (a closed stdout) are
    /// dropped: logging never fails the app.
    pub(crate) fn write_line(&self, line: &[u8]) {
        let pending = {
            let mut pending = lock(&self.pending);
            pending.extend_from_slice(line);
            pending.len()
        };
        if pending >= HAND_OFF {
            self.flush();
        }
    }

    /// Writes out every line queued so far.
    pub(crate) fn flush(&self) {
        let mut writer = lock(&self.writer);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that records what it gets.
    #[derive(Clone, Default)]
    struct Written {
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl Written {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.written).clone()).unwrap()
        }
    }

    impl Write for Written {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
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
        let writer = Written::default();
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
    fn pending_lines_are_written_out_every_64_kib() {
        let writer = Written::default();
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
}
