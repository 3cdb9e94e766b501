//! Each way a collector can fail is named in the warning: one that refuses (an HTTP error
//! status) and one that is slow (accepts, never answers within the timeout). The app's calls
//! return as usual meanwhile.

use crate::support;

use std::net::TcpListener;
use std::time::Duration;

use serde_json::Value;
use support::backends::MemoryLog;
use tripod_tests::otlp_receiver::OtlpReceiver;

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    i + 1
}

/// The one export warning of two calls sent to `traces_endpoint`.
fn warning_for(traces_endpoint: String) -> Value {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(move |name| {
            (name == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").then(|| traces_endpoint.clone())
        })
        .log_writer(log.clone())
        .prometheus(false)
        .export_timeout(Duration::from_millis(300))
        .build()
        .expect("builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        assert_eq!(unit(1) + unit(2), 5);
    });
    telemetry.flush(Duration::from_secs(5));
    let warnings = log.events("tripod.export.failed");
    assert_eq!(warnings.len(), 1, "{}", log.text());
    warnings[0].clone()
}

#[test]
fn a_collector_that_answers_an_error_status_is_named_with_it() {
    let receiver = OtlpReceiver::start();
    let warning = warning_for(format!("{}/not/the/traces/path", receiver.endpoint()));
    assert_eq!(warning["reason"], "http_status");
    assert!(
        warning["error"].as_str().unwrap().contains("404"),
        "{warning}"
    );
    assert_eq!(warning["spans"], 2);
    assert_eq!(warning["retrying"], false, "a 404 is never retried");
}

#[test]
fn a_collector_that_never_answers_is_a_timeout() {
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/v1/traces", hole.local_addr().unwrap());
    let warning = warning_for(endpoint);
    assert_eq!(warning["reason"], "timeout");
    assert!(
        warning["error"].as_str().unwrap().contains("300 ms"),
        "{warning}"
    );
    assert_eq!(
        warning["retrying"], true,
        "a silent collector is tried again"
    );
    drop(hole);
}
