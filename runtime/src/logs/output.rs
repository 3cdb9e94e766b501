//! Where log lines go: a buffer behind one lock, flushed on a short timer and when the
//! [`Telemetry`](crate::Telemetry) guard drops.
//!
//! Each line is written whole under the lock, so lines from different threads never interleave.
//! Buffering saves a `write(2)` per line (Rust's stdout flushes every line); a crash can lose the
//! lines of the last flush interval (100 ms), which is said in `Builder::log_writer`'s docs.

use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::background::Background;

/// How often buffered lines are written out.
const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// A line-oriented, buffered, shared writer.
pub(crate) struct LineOutput {
    writer: Mutex<BufWriter<Box<dyn Write + Send>>>,
}

pub(crate) type SharedOutput = Arc<LineOutput>;

impl LineOutput {
    pub(crate) fn new(writer: Box<dyn Write + Send>) -> SharedOutput {
        Arc::new(LineOutput {
            writer: Mutex::new(BufWriter::with_capacity(64 * 1024, writer)),
        })
    }

    /// Writes one whole line; errors (a closed stdout) are dropped: logging never fails the app.
    pub(crate) fn write_line(&self, line: &[u8]) {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = writer.write_all(line);
    }

    pub(crate) fn flush(&self) {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = writer.flush();
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

/// Flushes `output` every [`FLUSH_INTERVAL`] until the handle drops, and once more then.
pub(crate) fn flusher(output: SharedOutput) -> Background {
    Background::every("tripod-log-flush", FLUSH_INTERVAL, move || output.flush())
}
