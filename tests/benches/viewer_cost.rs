//! What the trace viewer costs the application's thread: the same observed call under the same
//! stack (JSON lines to `io::sink()`, Prometheus, OTLP export to a live receiver, `otlp-sink`, in
//! its own process) built twice, without and with the viewer's trace store, in paced chunks
//! (1,000 calls, then 4 ms for the background threads), so the store and the exporter keep up
//! and drop nothing (a pipeline that drops would look cheap; the spans the receiver got are
//! counted). CPU time is read from `/proc` (the calling thread's, and the whole process's), not
//! wall time: on two cores the background threads would otherwise be charged to the caller.
//!
//! Run: `cargo bench -p tripod-tests --bench viewer_cost`.

use std::time::Duration;

mod common;

use common::cpu::{CALLS, CHUNK, Sink, paced};
use common::observed;

fn main() {
    let sink = Sink::start();
    let build = |viewer: bool| {
        tripod::init()
            // Every line written, as before the limit on repeated lines: figures compare.
            .log_rate_limit(None)
            .environment(|_| None)
            .log_writer(std::io::sink())
            .otlp_endpoint(format!("http://{}", sink.address))
            .export_interval(Duration::from_millis(100))
            .trace_viewer(viewer)
            .build()
            .expect("tripod builds")
    };
    let measure = |telemetry: &tripod::Telemetry| {
        tracing::dispatcher::with_default(telemetry.dispatch(), || {
            paced(|i| {
                observed(i).unwrap();
            })
        })
    };
    println!("viewer_cost: {CALLS} calls in chunks of {CHUNK}, CPU per call");
    for round in 1..=4 {
        let before = sink.received();
        let without = build(false);
        let (caller, process) = measure(&without);
        assert!(without.flush(Duration::from_secs(10)));
        let delivered = sink.received() - before;
        println!(
            "  round {round} without viewer: caller {caller:.0} ns, process {process:.0} ns, \
             spans delivered {delivered}, dropped {}",
            without.spans_dropped()
        );
        drop(without);
        let before = sink.received();
        let with = build(true);
        let (caller_v, process_v) = measure(&with);
        assert!(with.flush(Duration::from_secs(10)));
        let delivered = sink.received() - before;
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
}
