//! A collector that is down (closed port) or black-holed (accepts, never answers) never takes the
//! application down: observed calls return normally, the export queue stays bounded (spans are
//! dropped and counted), and dropping `Telemetry` returns within its shutdown timeout.

use crate::support;

use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use support::backends::free_port;

#[tripod::observe(name = "work.unit", fields(i = i))]
fn unit(i: u64) -> Result<u64, std::io::Error> {
    Ok(i * 2)
}

/// Builds telemetry exporting to `endpoint`, runs 2,000 observed calls under it and drops it.
/// Returns the spans dropped; fails if the drop does not return within 30 s (a hang).
fn run_against(endpoint: String, protocol: tripod::OtlpProtocol) -> u64 {
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(std::io::sink())
        .prometheus(false)
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .export_queue_size(64)
        .export_interval(Duration::from_millis(20))
        .export_timeout(Duration::from_millis(500))
        .shutdown_timeout(Duration::from_secs(1))
        .build()
        .expect("builds even though nothing answers");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        for i in 0..2_000 {
            assert_eq!(unit(i).unwrap(), i * 2);
        }
    });
    // Ended spans reach the export queue when tripod's collector takes them (every 100 ms);
    // a flush takes them now, so the queue's drops are counted.
    let _ = telemetry.flush(Duration::from_millis(100));
    let dropped = telemetry.spans_dropped();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        drop(telemetry);
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(30))
        .expect("dropping Telemetry returned (no hang)");
    dropped
}

// One test: the scenarios share the process-wide callsite interest cache, so they run in turn.
#[test]
fn a_collector_down_or_black_holed_never_blocks_or_fails_the_application() {
    // Down: nothing listens on the port.
    let closed = format!("http://127.0.0.1:{}", free_port());
    run_against(closed.clone(), tripod::OtlpProtocol::HttpProtobuf);
    run_against(closed, tripod::OtlpProtocol::Grpc);

    // Black-holed: connections are accepted and never answered.
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", hole.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut connections = Vec::new();
        for stream in hole.incoming().take(64) {
            connections.push(stream);
        }
    });
    let dropped = run_against(endpoint, tripod::OtlpProtocol::HttpProtobuf);
    assert!(
        dropped >= 2_000 - 2 * 64,
        "a full queue drops and counts spans; dropped {dropped}"
    );
    drop(held);
}
