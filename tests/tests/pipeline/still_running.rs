//! A call that has not ended is told before it does: one WARN line `NAME.still_running` when it
//! has run past its threshold (the attribute's `still_running_after`, else the builder's, which
//! `TRIPOD_STILL_RUNNING_AFTER_MS` overrides), again once it has run twice, four times that, and
//! its age in `operation_oldest_in_flight_seconds{name}`, 0 once none runs. A future leaked with
//! `mem::forget` stays reported and counted. The collector looks every 100 ms: a report comes
//! at the first look past its threshold, so the checks bound counts, not times.

use crate::support;

use std::future::Future;
use std::task::{Context, Waker};
use std::time::Duration;

use support::backends::{MemoryLog, sample};
use support::built;

#[tripod::observe(name = "report.build", still_running_after = "100ms")]
async fn build_report(wait: Duration) -> usize {
    query_rows(wait).await
}

#[tripod::observe(name = "report.query", still_running_after = "off")]
async fn query_rows(wait: Duration) -> usize {
    tokio::time::sleep(wait).await;
    3
}

#[tripod::observe(name = "events.stream", still_running_after = "off")]
async fn stream_events(wait: Duration) {
    tokio::time::sleep(wait).await;
}

#[tripod::observe(name = "job.run")]
async fn run_job(wait: Duration) {
    tokio::time::sleep(wait).await;
}

#[test]
fn a_call_past_its_threshold_is_reported_with_where_it_is_then_again_at_twice_that() {
    let log = MemoryLog::default();
    let telemetry = built(&log, &[], |builder| builder);
    let rows = support::run_under(&telemetry, build_report(Duration::from_millis(500)));
    assert_eq!(rows, 3);
    telemetry.flush(Duration::from_secs(5));
    let still = log.events("report.build.still_running");
    // Past 100 ms, then past 200 ms (and, were the first look late, past 400 ms).
    assert!((2..=3).contains(&still.len()), "{still:#?}");
    let success = &log.events("report.build.success")[0];
    for (line, threshold) in still.iter().zip([100, 200, 400]) {
        assert_eq!(line["level"], "warning");
        assert_eq!(line["trace_id"], success["trace_id"], "the call's trace");
        assert_eq!(line["span_id"], success["span_id"], "and its span");
        assert_eq!(line["innermost_span"], "report.query", "where it waits");
        assert_eq!(
            line["code.function.name"],
            "pipeline::still_running::build_report"
        );
        let running = line["running_ms"].as_u64().unwrap();
        assert!(running >= threshold, "{running} ms");
    }
    assert!(
        log.events("report.query.still_running").is_empty(),
        "report.query says \"off\""
    );
}

#[test]
fn a_call_marked_off_is_never_reported_but_its_age_is_in_the_oldest_gauge() {
    let log = MemoryLog::default();
    let telemetry = built(&log, &[], |builder| {
        builder.still_running_after(Some(Duration::from_millis(50)))
    });
    let during = support::run_under(&telemetry, async {
        let streaming = tokio::spawn(stream_events(Duration::from_millis(300)));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let during = telemetry.render_metrics().unwrap();
        streaming.await.unwrap();
        during
    });
    let series = "operation_oldest_in_flight_seconds{name=\"events.stream\"}";
    let age = sample(&during, series).unwrap_or_else(|| panic!("{during}"));
    assert!((0.2..0.3).contains(&age), "{age}");
    let after = telemetry.render_metrics().unwrap();
    assert_eq!(sample(&after, series), Some(0.0), "0 once none runs");
    assert!(log.events("events.stream.still_running").is_empty());
}

#[test]
fn the_variable_overrides_the_builder_and_a_bad_value_is_one_warning() {
    let log = MemoryLog::default();
    let telemetry = built(
        &log,
        &[("TRIPOD_STILL_RUNNING_AFTER_MS", "100")],
        |builder| builder.still_running_after(None),
    );
    support::run_under(&telemetry, run_job(Duration::from_millis(300)));
    telemetry.flush(Duration::from_secs(5));
    assert!(
        !log.events("job.run.still_running").is_empty(),
        "past 100 ms, whatever the builder said"
    );

    let log = MemoryLog::default();
    let telemetry = built(&log, &[("TRIPOD_STILL_RUNNING_AFTER_MS", "soon")], |b| b);
    assert_eq!(telemetry.warnings().len(), 1, "{:?}", telemetry.warnings());
    assert!(telemetry.warnings()[0].starts_with("TRIPOD_STILL_RUNNING_AFTER_MS=\"soon\""));
    support::run_under(&telemetry, run_job(Duration::from_millis(50)));
    telemetry.flush(Duration::from_secs(5));
    assert!(
        log.events("job.run.still_running").is_empty(),
        "the default, 10 s"
    );
}

#[test]
fn a_leaked_call_stays_reported_at_growing_intervals_and_counted() {
    let log = MemoryLog::default();
    let telemetry = built(&log, &[], |builder| {
        builder.still_running_after(Some(Duration::from_millis(40)))
    });
    let metrics = support::run_under(&telemetry, async {
        // Polled once, then leaked: it never ends, its span never closes.
        let mut leaked = Box::pin(run_job(Duration::from_secs(3600)));
        let mut context = Context::from_waker(Waker::noop());
        assert!(leaked.as_mut().poll(&mut context).is_pending());
        std::mem::forget(leaked);
        tokio::time::sleep(Duration::from_millis(400)).await;
        telemetry.render_metrics().unwrap()
    });
    telemetry.flush(Duration::from_secs(5));
    let running: Vec<u64> = log
        .events("job.run.still_running")
        .iter()
        .map(|line| line["running_ms"].as_u64().unwrap())
        .collect();
    // Each report doubles the wait for the next (40, 80, 160, 320 ms …): over 400 ms, at most
    // four, and each past the one before's next threshold.
    assert!((2..=4).contains(&running.len()), "{running:?}");
    assert!(running[0] >= 40, "{running:?}");
    for pair in running.windows(2) {
        let next = std::iter::successors(Some(40), |at| Some(at * 2))
            .find(|at| *at > pair[0])
            .unwrap();
        assert!(pair[1] >= next, "{running:?}");
    }
    let age = sample(
        &metrics,
        "operation_oldest_in_flight_seconds{name=\"job.run\"}",
    )
    .unwrap();
    assert!(age >= 0.4, "{age}");
    assert_eq!(
        sample(&metrics, "operation_in_flight{name=\"job.run\"}"),
        Some(1.0),
        "still counted in flight"
    );
}
