//! A collector that was down when spans were exported receives the spans of later calls once it
//! is back: after failed exports the exporter waits (1 s, doubling), then tries again.

use crate::support;

use std::time::Duration;

use support::backends::{Oteltap, free_port};

#[tripod::observe(name = "work.before")]
fn before() -> u64 {
    1
}

#[tripod::observe(name = "work.after")]
fn after() -> u64 {
    2
}

#[test]
fn a_collector_that_comes_back_receives_the_spans_of_later_calls() {
    let port = free_port();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(std::io::sink())
        .prometheus(false)
        .otlp_endpoint(format!("http://127.0.0.1:{port}"))
        .export_interval(Duration::from_millis(20))
        .export_timeout(Duration::from_millis(500))
        .build()
        .expect("builds though nothing listens yet");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        before();
        // Exporting `work.before` fails (nothing listens, the export times out after 500 ms), so
        // the exporter is backing off when the collector starts.
        std::thread::sleep(Duration::from_millis(1200));
        let receiver = Oteltap::start_on(port);
        after();
        let span = receiver.wait_for("work.after", Duration::from_secs(30));
        assert_eq!(span["name"], "work.after");
    });
    drop(telemetry);
}
