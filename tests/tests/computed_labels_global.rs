//! Under tripod's global recorder a call site keeps handles per value of its computed labels,
//! and values past a metric's label-set limit share the metric's overflow series, counted and
//! reported once per metric.

use tripod_tests::backends::MemoryLog;

#[derive(Debug)]
enum Tier {
    Gold,
}

#[derive(Debug)]
struct Empty;

impl std::fmt::Display for Empty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("empty input")
    }
}

#[tripod::observe(
    name = "ml.inference",
    labels(kind = "text", model_name = %model, tier = ?tier)
)]
fn predict(model: &str, tier: Tier, text: &str) -> Result<usize, Empty> {
    let _ = tier;
    if text.is_empty() {
        return Err(Empty);
    }
    Ok(model.len() + text.len())
}

fn model(name: &'static str) -> &'static str {
    name
}

// One test: the recorder is global.
#[test]
fn under_tripods_recorder_values_past_the_label_set_limit_share_the_overflow_series() {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .metric_series_limit(2)
        .install()
        .expect("installs: this test owns the process's global recorder");
    for name in ["a", "b", "c", "d"] {
        predict(model(name), Tier::Gold, "text").unwrap();
    }
    predict(model("a"), Tier::Gold, "text").unwrap();
    let exposition = telemetry.render_metrics().unwrap();
    // "a" took both of the metric's label sets (success, and failure, which a fallible function
    // registers up front); "b", "c" and "d" went to the overflow series.
    for line in [
        "operation_duration_seconds_count{name=\"ml.inference\",outcome=\"success\",kind=\"text\",model_name=\"a\",tier=\"Gold\"} 2",
        "operation_duration_seconds_count{name=\"ml.inference\",outcome=\"failure\",kind=\"text\",model_name=\"a\",tier=\"Gold\"} 0",
        "operation_duration_seconds_count{otel_metric_overflow=\"true\"} 3",
        "operation_in_flight{otel_metric_overflow=\"true\"} 0",
    ] {
        assert!(exposition.contains(line), "{line}\n{exposition}");
    }
    assert!(!exposition.contains("model_name=\"c\""), "{exposition}");
    assert!(
        exposition
            .contains("tripod_metric_overflow_total{metric=\"operation_duration_seconds\"} 6"),
        "each label set turned away: the success and failure series of b, c and d: {exposition}"
    );
    drop(telemetry);
    let warned: Vec<String> = log
        .events("tripod.metrics.overflow")
        .iter()
        .map(|line| line["metric"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        warned,
        ["operation_duration_seconds", "operation_in_flight"],
        "one line per metric: {}",
        log.text()
    );
}
