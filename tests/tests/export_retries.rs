//! A collector that restarts or sheds load loses nothing it could have kept: exports it refuses
//! with a retryable answer (here HTTP 503 with `Retry-After: 1`, three times) are sent again
//! after the delay it asks for, for every signal, and every span, log record and data point
//! arrives, none counted as lost; the warning says the batch is being retried. An answer that
//! refuses a request for good (400) loses its batch at once, counted, without a second attempt.

mod support;

use std::time::Duration;

use support::backends::{MemoryLog, eventually};
use tripod_tests::otlp_receiver::{OtlpReceiver, Refusal};

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    i + 1
}

/// The `*_export_failed_total` series of `exposition` that counted something.
fn losses(exposition: &str) -> Vec<&str> {
    exposition
        .lines()
        .filter(|line| line.contains("_export_failed_total{"))
        .filter(|line| !line.ends_with(" 0"))
        .collect()
}

// One test: the recorder is global.
#[test]
fn refused_exports_are_retried_after_retry_after_and_a_bad_request_is_dropped_at_once() {
    let receiver = OtlpReceiver::start();
    receiver.refuse_next(
        3,
        Refusal::HttpStatus {
            status: 503,
            retry_after: Some(1),
        },
    );
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .otlp_endpoint(receiver.endpoint())
        .metric_export_interval(Duration::from_millis(500))
        .export_interval(Duration::from_millis(50))
        .install()
        .expect("installs");
    let metrics = telemetry.prometheus_handle().unwrap().clone();

    // Twelve calls over three seconds while the collector refuses: all of them arrive.
    for i in 0..12 {
        assert_eq!(unit(i), i + 1);
        std::thread::sleep(Duration::from_millis(250));
    }
    let calls = eventually(Duration::from_secs(20), || {
        let calls = receiver
            .spans()
            .into_iter()
            .filter(|span| span.name == "work.unit")
            .count();
        (calls >= 12).then_some(calls)
    });
    assert_eq!(calls, Some(12), "every span arrived: {}", log.text());
    let records = eventually(Duration::from_secs(20), || {
        let records = receiver
            .log_records()
            .into_iter()
            .filter(|record| record.event_name.starts_with("work.unit."))
            .count();
        (records >= 24).then_some(records)
    });
    assert_eq!(
        records,
        Some(24),
        "every start and success record arrived: {}",
        log.text()
    );
    assert!(
        eventually(Duration::from_secs(10), || (!receiver
            .metric_exports()
            .is_empty())
        .then_some(()))
        .is_some(),
        "metrics arrived"
    );
    assert_eq!(receiver.refused(), 3);
    let exposition = metrics.render();
    assert_eq!(losses(&exposition), Vec::<&str>::new(), "nothing lost");
    let warnings = log.events("tripod.export.failed");
    assert!(!warnings.is_empty(), "{}", log.text());
    for warning in &warnings {
        assert_eq!(warning["level"], "warning");
        assert_eq!(warning["reason"], "http_status");
        assert_eq!(warning["retrying"], true, "{warning}");
        assert_eq!(
            warning["retry_in_ms"], 1000,
            "Retry-After: 1 honoured: {warning}"
        );
        assert!(
            warning["error"].as_str().unwrap().contains("503"),
            "{warning}"
        );
    }
    let mut signals: Vec<&str> = warnings
        .iter()
        .map(|warning| warning["signal"].as_str().unwrap())
        .collect();
    signals.sort_unstable();
    signals.dedup();
    assert_eq!(
        signals.len(),
        warnings.len(),
        "one warning per signal: {}",
        log.text()
    );
    for recovered in log.events("tripod.export.recovered") {
        assert!(
            ["spans_lost", "log_records_lost", "data_points_lost"]
                .iter()
                .any(|lost| recovered[*lost] == 0),
            "{recovered}"
        );
    }

    // A bad request is refused for good: lost at once, counted, never sent again.
    receiver.refuse_next_of(
        "traces",
        1,
        Refusal::HttpStatus {
            status: 400,
            retry_after: None,
        },
    );
    for i in 0..4 {
        assert_eq!(unit(i), i + 1);
    }
    assert!(
        telemetry.flush(Duration::from_secs(5)),
        "a 400 is not retried: {}",
        log.text()
    );
    let exposition = metrics.render();
    assert_eq!(
        losses(&exposition),
        ["tripod_spans_export_failed_total{reason=\"http_status\"} 4"],
        "{exposition}"
    );
    assert_eq!(receiver.refused(), 4, "one attempt");
    let dropped = log
        .events("tripod.export.failed")
        .into_iter()
        .find(|warning| warning["retrying"] == false)
        .expect("the loss is warned about");
    assert_eq!(dropped["spans"], 4);
    assert!(
        dropped["error"].as_str().unwrap().contains("400"),
        "{dropped}"
    );
    assert_eq!(
        receiver
            .spans()
            .iter()
            .filter(|span| span.name == "work.unit")
            .count(),
        12
    );
    drop(telemetry);
}
