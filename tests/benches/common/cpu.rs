//! CPU time per call, with a live OTLP receiver: what the paced benchmarks share.

use std::hint::black_box;
use std::net::SocketAddr;
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// utime + stime, in clock ticks (10 ms), of `/proc/<path>/stat`: the counters `getrusage`
/// reports (`RUSAGE_THREAD` for `thread-self`, `RUSAGE_SELF` for `self`), read without `libc`.
pub fn cpu_ticks(path: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{path}/stat")).unwrap();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

pub const CALLS: u64 = 1_200_000;
pub const CHUNK: u64 = 1_000;
/// The pause after each chunk: long enough for the receiver (on the same two cores) to keep up.
pub const PAUSE: Duration = Duration::from_millis(4);
pub const WARM_UP: u64 = 10_000;

/// Caller CPU and process CPU per call, in nanoseconds, over [`CALLS`] calls of `call` in
/// chunks of [`CHUNK`], each followed by [`PAUSE`] for the background threads, so a background that
/// keeps up drops nothing. Runs in whatever subscriber and recorder the caller set.
pub fn paced(mut call: impl FnMut(u64)) -> (f64, f64) {
    let ticks_per_second = 100.0; // getconf CLK_TCK on Linux
    let mut chunks = |calls: u64| {
        for _ in 0..calls / CHUNK {
            for i in 0..CHUNK {
                call(black_box(i));
            }
            std::thread::sleep(PAUSE);
        }
    };
    chunks(WARM_UP);
    std::thread::sleep(Duration::from_millis(100));
    let (thread, process) = (cpu_ticks("thread-self"), cpu_ticks("self"));
    chunks(CALLS);
    // Let the background finish what these calls gave it.
    std::thread::sleep(Duration::from_millis(300));
    let per_call = |ticks: u64| ticks as f64 / ticks_per_second * 1e9 / CALLS as f64;
    (
        per_call(cpu_ticks("thread-self") - thread),
        per_call(cpu_ticks("self") - process),
    )
}

/// `otlp-sink`, the receiver that decodes and counts spans, log records and data points, in a
/// process of its own.
pub struct Sink {
    pub address: SocketAddr,
    /// The receiver's process, when this one started it.
    process: Option<Child>,
}

impl Sink {
    pub fn start() -> Sink {
        let port = tripod_tests::backends::free_port();
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let process = std::process::Command::new(env!("CARGO_BIN_EXE_otlp-sink"))
            .arg(port.to_string())
            .spawn()
            .expect("otlp-sink starts");
        tripod_tests::backends::eventually(Duration::from_secs(10), || {
            std::net::TcpStream::connect(address).ok()
        })
        .expect("otlp-sink listens");
        Sink {
            address,
            process: Some(process),
        }
    }

    /// The receiver another process started, at `address`.
    pub fn at(address: SocketAddr) -> Sink {
        Sink {
            address,
            process: None,
        }
    }

    /// Spans received so far.
    pub fn received(&self) -> u64 {
        self.count("/spans")
    }

    /// Log records received so far.
    pub fn log_records(&self) -> u64 {
        self.count("/log_records")
    }

    fn count(&self, path: &str) -> u64 {
        let (status, body) = tripod_tests::backends::http_get(self.address, path);
        assert_eq!(status, 200);
        body.trim().parse().unwrap()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(process) = &mut self.process {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

/// A log writer that counts the lines it is given and discards them.
#[derive(Clone, Default)]
pub struct CountingWriter(pub Arc<AtomicU64>);

impl std::io::Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let lines = memchr::memchr_iter(b'\n', buf).count() as u64;
        self.0.fetch_add(lines, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CountingWriter {
    pub fn lines(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts lines as [`CountingWriter`] does and writes them to `/dev/null`, as a process's
/// stdout redirected there: the write system calls are in the figure.
pub struct DevNullWriter {
    pub lines: CountingWriter,
    file: std::fs::File,
}

impl DevNullWriter {
    pub fn new(lines: CountingWriter) -> DevNullWriter {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("/dev/null opens");
        DevNullWriter { lines, file }
    }
}

impl std::io::Write for DevNullWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::Write::write_all(&mut self.lines, buf)?;
        std::io::Write::write(&mut self.file, buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::Write::flush(&mut self.file)
    }
}
