//! What the trace viewer costs the application's thread: the same observed call under the same
//! stack (JSON lines to `io::sink()`, Prometheus, OTLP export to a live receiver, `otlp-sink`, in
//! its own process) built twice, without and with the viewer's trace store, in paced chunks
//! (1,000 calls, then 2 ms for the background threads), so the store and the exporter keep up
//! and drop nothing (a pipeline that drops would look cheap; the spans the receiver got are
//! counted). CPU time is read from `/proc` (the calling thread's, and the whole process's), not
//! wall time: on two cores the background threads would otherwise be charged to the caller.
//!
//! Run: `cargo bench -p tripod-tests --bench viewer_cost`.

use std::hint::black_box;
use std::time::Duration;

mod common;

use common::observed;

/// utime + stime, in clock ticks, of `/proc/<path>/stat`.
fn cpu_ticks(path: &str) -> u64 {
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

const CALLS: u64 = 1_200_000;
const CHUNK: u64 = 1_000;

/// Caller CPU and process CPU per call, in nanoseconds, over `CALLS` paced calls.
fn measure(telemetry: &tripod::Telemetry) -> (f64, f64) {
    let ticks_per_second = 100.0; // getconf CLK_TCK on Linux
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        for i in 0..10_000 {
            observed(black_box(i)).unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
        let (thread, process) = (cpu_ticks("thread-self"), cpu_ticks("self"));
        let mut calls = 0;
        while calls < CALLS {
            for i in 0..CHUNK {
                observed(black_box(i)).unwrap();
            }
            calls += CHUNK;
            std::thread::sleep(Duration::from_millis(2));
        }
        // Let the background finish what these calls gave it.
        std::thread::sleep(Duration::from_millis(300));
        let per_call = |ticks: u64| ticks as f64 / ticks_per_second * 1e9 / CALLS as f64;
        (
            per_call(cpu_ticks("thread-self") - thread),
            per_call(cpu_ticks("self") - process),
        )
    })
}

/// Spans the receiver got so far.
fn received(sink: std::net::SocketAddr) -> u64 {
    let (status, body) = tripod_tests::backends::http_get(sink, "/spans");
    assert_eq!(status, 200);
    body.trim().parse().unwrap()
}

fn main() {
    let port = tripod_tests::backends::free_port();
    let sink = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut receiver = std::process::Command::new(env!("CARGO_BIN_EXE_otlp-sink"))
        .arg(port.to_string())
        .spawn()
        .expect("otlp-sink starts");
    tripod_tests::backends::eventually(Duration::from_secs(10), || {
        std::net::TcpStream::connect(sink).ok()
    })
    .expect("otlp-sink listens");
    let build = |viewer: bool| {
        tripod::init()
            .environment(|_| None)
            .log_writer(std::io::sink())
            .otlp_endpoint(format!("http://{sink}"))
            .export_interval(Duration::from_millis(100))
            .trace_viewer(viewer)
            .build()
            .expect("tripod builds")
    };
    println!("viewer_cost: {CALLS} calls in chunks of {CHUNK}, CPU per call");
    for round in 1..=4 {
        let before = received(sink);
        let without = build(false);
        let (caller, process) = measure(&without);
        assert!(without.flush(Duration::from_secs(10)));
        let delivered = received(sink) - before;
        println!(
            "  round {round} without viewer: caller {caller:.0} ns, process {process:.0} ns, \
             spans delivered {delivered}, dropped {}",
            without.spans_dropped()
        );
        drop(without);
        let before = received(sink);
        let with = build(true);
        let (caller_v, process_v) = measure(&with);
        assert!(with.flush(Duration::from_secs(10)));
        let delivered = received(sink) - before;
        let viewer = with.viewer().unwrap();
        println!(
            "  round {round} with viewer:    caller {caller_v:.0} ns, process {process_v:.0} ns \
             (caller {:+.0} ns = {:+.1}%, process {:+.0} ns), spans delivered {delivered}, \
             dropped {}; {viewer:?}",
            caller_v - caller,
            (caller_v - caller) / caller * 100.0,
            process_v - process,
            with.spans_dropped()
        );
    }
    let _ = receiver.kill();
    let _ = receiver.wait();
}
