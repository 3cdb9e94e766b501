//! A dead collector is visible, not silent: spans lost to failed exports are counted in
//! `tripod_spans_export_failed_total{reason}` (log records and metric points in their own
//! counters), each signal's failures are one WARN line naming the endpoint and the cause (then
//! at most one every 30 s), and each signal's first export that works again is one INFO line.
//! The app serves on unharmed meanwhile. Retries are off here, so each failed export loses its
//! batch at once (`export_retries.rs` has them on).

mod support;

use std::time::Duration;

use support::backends::{MemoryLog, eventually, free_port};
use tripod_tests::otlp_receiver::OtlpReceiver;

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    i + 1
}

fn counter(exposition: &str, series: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

// One test: the recorder is global.
#[test]
fn a_dead_collector_is_counted_warned_about_once_and_its_return_noticed() {
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .otlp_endpoint(&endpoint)
        .export_interval(Duration::from_millis(20))
        .export_timeout(Duration::from_millis(500))
        .export_retry_time(Duration::ZERO)
        .install()
        .expect("installs");

    // Five failed exports in a row: five batches lost, one warning. Each flush is done (not cut
    // off at its deadline) although the thread is backing off (1, 2, 4, 8 s): a flush does not
    // wait out the backoff.
    for i in 0..5 {
        assert_eq!(unit(i), i + 1);
        assert!(
            telemetry.flush(Duration::from_secs(2)),
            "flush {i} waited out the backoff"
        );
    }
    let exposition = telemetry.render_metrics().unwrap();
    assert_eq!(
        counter(
            &exposition,
            "tripod_spans_export_failed_total{reason=\"connection\"}"
        ),
        5.0,
        "{exposition}"
    );
    assert!(exposition.contains("# HELP tripod_spans_export_failed_total"));
    assert!(
        counter(
            &exposition,
            "tripod_log_records_export_failed_total{reason=\"connection\"}"
        ) >= 10.0,
        "the calls' start and success records: {exposition}"
    );
    let warnings = log.events("tripod.export.failed");
    let mut signals: Vec<&str> = warnings
        .iter()
        .map(|warning| warning["signal"].as_str().unwrap())
        .collect();
    signals.sort_unstable();
    assert_eq!(
        signals,
        ["logs", "metrics", "traces"],
        "one warning per signal: {}",
        log.text()
    );
    for warning in &warnings {
        let signal = warning["signal"].as_str().unwrap();
        assert_eq!(warning["endpoint"], format!("{endpoint}/v1/{signal}"));
        assert_eq!(warning["reason"], "connection");
        assert_eq!(warning["retrying"], false, "retries are off: {warning}");
        assert!(
            warning["error"].as_str().unwrap().contains("refused"),
            "{warning}"
        );
    }

    // The collector comes back: the next export works, and says so once.
    let receiver = OtlpReceiver::start_on(port);
    unit(99);
    let recovered = eventually(Duration::from_secs(10), || {
        telemetry.flush(Duration::from_secs(2));
        let lines = log.events("tripod.export.recovered");
        (lines.len() >= 3).then_some(lines)
    })
    .expect("each signal's recovery is logged");
    let traces: Vec<_> = recovered
        .iter()
        .filter(|line| line["signal"] == "traces")
        .collect();
    assert_eq!(recovered.len(), 3, "once per signal: {}", log.text());
    assert_eq!(traces.len(), 1);
    assert_eq!(traces[0]["level"], "info");
    assert_eq!(traces[0]["spans_lost"], 5);
    assert!(receiver.spans().iter().any(|span| span.name == "work.unit"));
}
