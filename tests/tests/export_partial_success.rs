//! A collector that accepts an export but rejects part of it (OTLP's partial success, e.g. spans
//! over its size limit) loses those spans visibly: they are counted in
//! `tripod_spans_export_failed_total{reason="rejected"}`, and the collector's message is in one
//! WARN line, not one per export.

mod support;

use std::time::Duration;

use support::backends::MemoryLog;
use tripod_tests::otlp_receiver::OtlpReceiver;

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    i + 1
}

// One test: the recorder is global.
#[test]
fn spans_a_collector_rejects_are_counted_and_its_message_is_logged_once() {
    let receiver = OtlpReceiver::start();
    receiver.reject_partially(2, "span exceeds the 1 MiB limit");
    let log = MemoryLog::default();
    let endpoint = receiver.endpoint();
    let telemetry = tripod::init()
        .environment(move |name| {
            (name == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").then(|| format!("{endpoint}/v1/traces"))
        })
        .log_writer(log.clone())
        .install()
        .expect("installs");
    let metrics = telemetry.prometheus_handle().unwrap().clone();
    // Three exports, each answered with two spans rejected.
    for export in 0..3 {
        for i in 0..5 {
            assert_eq!(unit(i), i + 1);
        }
        assert!(
            telemetry.flush(Duration::from_secs(10)),
            "export {export} finished"
        );
    }
    assert_eq!(
        receiver.spans().len(),
        15,
        "the collector kept what it accepted"
    );
    let exposition = metrics.render();
    assert!(
        exposition.contains("tripod_spans_export_failed_total{reason=\"rejected\"} 6"),
        "{exposition}"
    );
    let warnings = log.events("tripod.export.rejected");
    assert_eq!(warnings.len(), 1, "rate-limited: {}", log.text());
    assert_eq!(warnings[0]["level"], "warning");
    assert_eq!(warnings[0]["error_message"], "span exceeds the 1 MiB limit");
    assert_eq!(warnings[0]["spans"], 2);
    assert_eq!(warnings[0]["signal"], "traces");
    assert!(
        log.events("tripod.export.failed").is_empty(),
        "a partial success is no failed export"
    );
    drop(telemetry);
}
