//! How many spans a second tripod's export path delivers to a collector that answers after a
//! given time: `otlp-sink` (tests/src/bin/otlp-sink.rs) answers each trace export after 1 ms, then
//! after 20 ms; an application thread makes spans faster than either can take (observed calls,
//! 400,000 a second, paced), so the export queue stays full and the figure is what the exporter
//! sends: the spans the receiver counted over a 5-second window, after a second of warm-up. One
//! request in flight at a time, 512 spans a request (the batch span processor's default).
//!
//! Run: `cargo bench -p tripod-tests --bench export_throughput` (release; two cores; not in CI).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Spans a second the application thread makes.
const OFFERED: u64 = 400_000;
const WARM_UP: Duration = Duration::from_secs(1);
const WINDOW: Duration = Duration::from_secs(5);

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    std::hint::black_box(i) + 1
}

/// The receiver's count of spans so far.
fn received(port: u16) -> u64 {
    let (status, body) = tripod_tests::backends::http_get(([127, 0, 0, 1], port).into(), "/spans");
    assert_eq!(status, 200, "{body}");
    body.trim().parse().unwrap_or(0)
}

struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spans a second delivered to a receiver answering after `delay`.
fn delivered(delay: Duration) -> (f64, u64) {
    let port = tripod_tests::backends::free_port();
    let sink = Sink(
        Command::new(env!("CARGO_BIN_EXE_otlp-sink"))
            .args([port.to_string(), delay.as_millis().to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("otlp-sink starts"),
    );
    tripod_tests::backends::eventually(Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    })
    .expect("otlp-sink listens");
    let endpoint = format!("http://127.0.0.1:{port}/v1/traces");
    let telemetry = tripod::init()
        // Every line written, as before the limit on repeated lines: figures compare.
        .log_rate_limit(None)
        .environment(move |name| {
            (name == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").then(|| endpoint.clone())
        })
        .log_writer(std::io::sink())
        .prometheus(false)
        .build()
        .expect("builds");
    let made = tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let started = Instant::now();
        let mut made = 0u64;
        let mut window: Option<(Instant, u64)> = None;
        let mut result = None;
        while result.is_none() {
            // A thousand spans, then wait for the pace.
            for _ in 0..1000 {
                made = unit(made);
            }
            let due = started + Duration::from_secs_f64(made as f64 / OFFERED as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let elapsed = started.elapsed();
            match window {
                None if elapsed >= WARM_UP => window = Some((Instant::now(), received(port))),
                Some((opened, first)) if opened.elapsed() >= WINDOW => {
                    let spans = received(port) - first;
                    result = Some(spans as f64 / opened.elapsed().as_secs_f64());
                }
                _ => {}
            }
        }
        (result.unwrap(), made)
    });
    drop(telemetry);
    drop(sink);
    made
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    println!("receiver answers after | spans/s delivered | spans/s offered | made");
    for millis in [1, 20] {
        let (rate, made) = delivered(Duration::from_millis(millis));
        println!("{millis:>19} ms | {rate:>17.0} | {OFFERED:>15} | {made}");
    }
}
