//! A collector down for longer than the retry time costs what was sent meanwhile, visibly and
//! harmlessly: the batch is tried again (connection refused is what a restarting collector
//! answers) until the retry time runs out, then counted as lost under its reason, with one
//! warning; the application's calls return as usual throughout, a flush returns once the batch
//! is given up on, and the collector's return is noticed.

mod support;

use std::time::Duration;

use support::backends::{MemoryLog, eventually, free_port};
use tripod_tests::otlp_receiver::OtlpReceiver;

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    i + 1
}

// One test: the recorder is global.
#[test]
fn a_collector_down_past_the_retry_time_is_counted_with_one_warning_and_the_app_unharmed() {
    let port = free_port();
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .otlp_endpoint(format!("http://127.0.0.1:{port}"))
        .otlp_logs(false)
        .otlp_metrics(false)
        .export_interval(Duration::from_millis(50))
        .export_retry_time(Duration::from_secs(2))
        .install()
        .expect("installs");
    let metrics = telemetry.prometheus_handle().unwrap().clone();
    for i in 0..5 {
        assert_eq!(unit(i), i + 1);
    }
    assert!(
        telemetry.flush(Duration::from_secs(20)),
        "the batch is given up on within its retry time"
    );
    // The application goes on meanwhile.
    for i in 0..3 {
        assert_eq!(unit(i), i + 1);
    }
    assert!(telemetry.flush(Duration::from_secs(20)));
    let exposition = metrics.render();
    assert!(
        exposition.contains("tripod_spans_export_failed_total{reason=\"connection\"} 8"),
        "{exposition}"
    );
    let warnings = log.events("tripod.export.failed");
    assert_eq!(warnings.len(), 1, "one warning: {}", log.text());
    assert_eq!(warnings[0]["reason"], "connection");
    assert_eq!(
        warnings[0]["retrying"], true,
        "the first attempt is retried"
    );

    // The collector comes back.
    let receiver = OtlpReceiver::start_on(port);
    unit(99);
    let recovered = eventually(Duration::from_secs(40), || {
        telemetry.flush(Duration::from_secs(5));
        let lines = log.events("tripod.export.recovered");
        (!lines.is_empty()).then_some(lines)
    })
    .expect("the recovery is logged");
    assert_eq!(recovered[0]["spans_lost"], 8);
    assert!(
        recovered[0]["failed_exports"].as_u64().unwrap() >= 3,
        "the first batch was tried twice at least, the second once: {}",
        recovered[0]
    );
    assert!(receiver.spans().iter().any(|span| span.name == "work.unit"));
    drop(telemetry);
}
