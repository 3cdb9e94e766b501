//! A logs endpoint that is down costs OTLP log records, every one of them counted (dropped when
//! the queue is full, or lost to the failed exports once their retries give up), and never a line: stdout (here the log
//! writer) gets every line, and the traces, sent elsewhere, are unharmed.

use std::collections::HashMap;
use std::time::Duration;

use tripod_tests::backends::{MemoryLog, eventually, free_port};
use tripod_tests::otlp_receiver::OtlpReceiver;

#[tripod::observe(name = "todo.create", fields(user.id = user_id))]
fn create(title: &str, user_id: u64) -> usize {
    title.len()
}

// One test: the recorder (which counts what was lost) is global.
#[test]
fn a_dead_logs_endpoint_costs_counted_records_and_never_a_line() {
    let traces = OtlpReceiver::start();
    let log = MemoryLog::default();
    let dead = format!("http://127.0.0.1:{}/v1/logs", free_port());
    let vars = HashMap::from([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint()),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", dead.clone()),
    ]);
    let telemetry = tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(log.clone())
        // Every line written and sent: the test counts the records that could not be.
        .log_rate_limit(None)
        // Less than the records take, so some are dropped as well as lost to the export.
        .export_queue_bytes(256 * 1024)
        // Retried for a second, not a minute: then the records are lost, and counted.
        .export_retry_time(Duration::from_secs(1))
        .install()
        .unwrap();
    const CALLS: usize = 3000;
    for i in 0..CALLS {
        create("Read paper", i as u64);
    }
    telemetry.flush(Duration::from_secs(10));
    let lines = log.events("todo.create.success").len();
    assert_eq!(lines, CALLS, "every line was written");
    // Every record not sent is counted: dropped, or lost to the export.
    let exposition = eventually(Duration::from_secs(10), || {
        telemetry.flush(Duration::from_secs(2));
        let exposition = telemetry.render_metrics().unwrap();
        let failed: f64 = exposition
            .lines()
            .filter(|line| line.starts_with("tripod_log_records_export_failed_total{"))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        let dropped = telemetry.log_records_dropped() as f64;
        // Two records a call: its start and its success.
        (failed + dropped >= (CALLS * 2) as f64).then_some(exposition)
    })
    .unwrap_or_else(|| {
        panic!(
            "not every record is accounted for: {} dropped\n{}",
            telemetry.log_records_dropped(),
            telemetry.render_metrics().unwrap()
        )
    });
    assert!(telemetry.log_records_dropped() > 0, "{exposition}");
    assert!(
        exposition.contains("tripod_log_records_dropped_total "),
        "{exposition}"
    );
    let warning = &log.events("tripod.export.failed")[0];
    assert_eq!(warning["signal"], "logs");
    assert_eq!(warning["endpoint"], dead);
    // The traces went on: each span arrived, or (a burst past the spans' queue) was counted.
    let spans = traces.spans().len() as u64;
    assert!(spans > 0);
    assert!(
        spans + telemetry.spans_dropped() >= CALLS as u64,
        "traces are unharmed"
    );
}
