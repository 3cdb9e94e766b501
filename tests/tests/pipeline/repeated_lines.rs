//! A storm of failures stays a clear signal, not a flood: past 100 lines a second per event
//! callsite (the default; `.log_rate_limit(..)`, `TRIPOD_LOG_RATE_LIMIT`, `0` for none) a
//! callsite's further lines of that second are not written, and once the second is over one WARN
//! line `tripod.log.suppressed` gives the event held back (`suppressed_event`) and how many
//! (`suppressed`): lines written plus suppressed add up to every line asked for. Metrics count
//! every call.

use crate::support;

use serde_json::Value;
use support::backends::{MemoryLog, sample};
use support::built;

#[derive(Debug)]
struct Unavailable;

#[tripod::observe(name = "db.query")]
fn query(id: u64) -> Result<u64, Unavailable> {
    if id.is_multiple_of(2) {
        Err(Unavailable)
    } else {
        Ok(id)
    }
}

/// Lines of `event` written, and the `suppressed` counts summarised for it.
fn written_and_suppressed(lines: &[Value], event: &str) -> (u64, u64) {
    let written = lines.iter().filter(|line| line["event"] == event).count() as u64;
    let suppressed = lines
        .iter()
        .filter(|line| {
            line["event"] == "tripod.log.suppressed" && line["suppressed_event"] == event
        })
        .map(|line| {
            assert_eq!(line["level"], "warning", "{line}");
            line["suppressed"].as_u64().unwrap()
        })
        .sum();
    (written, suppressed)
}

/// The distinct seconds (of their timestamps) `lines` of `event` were written in.
fn seconds(lines: &[Value], event: &str) -> u64 {
    let mut seconds: Vec<&str> = lines
        .iter()
        .filter(|line| line["event"] == event)
        .map(|line| &line["timestamp"].as_str().unwrap()[..19])
        .collect();
    seconds.dedup();
    seconds.len() as u64
}

#[test]
fn past_100_lines_a_second_a_callsites_lines_are_summarised_and_written_plus_suppressed_add_up() {
    let log = MemoryLog::default();
    let telemetry = built(&log, &[], |builder| builder);
    let calls = 4_000;
    support::run_under(&telemetry, async {
        for id in 0..calls {
            let _ = query(id);
        }
    });
    let metrics = telemetry.render_metrics().unwrap();
    drop(telemetry);
    let lines = log.json_lines();
    for (event, asked) in [
        ("db.query.failure", calls / 2),
        ("db.query.success", calls / 2),
        ("db.query.start", calls),
    ] {
        let (written, suppressed) = written_and_suppressed(&lines, event);
        assert_eq!(
            written + suppressed,
            asked,
            "{event}: every line written or counted"
        );
        assert!(
            written <= 100 * seconds(&lines, event),
            "{event}: at most 100 a second, {written} written"
        );
        assert!(suppressed > 0, "{event}: {calls} calls in about a second");
    }
    assert_eq!(
        sample(
            &metrics,
            "operation_errors_total{name=\"db.query\",error_type=\"Unavailable\"}"
        ),
        Some((calls / 2) as f64),
        "metrics are never limited"
    );
}

#[test]
fn with_the_limit_off_every_line_is_written() {
    let log = MemoryLog::default();
    let telemetry = built(&log, &[("TRIPOD_LOG_RATE_LIMIT", "0")], |builder| builder);
    support::run_under(&telemetry, async {
        for id in 0..1_000 {
            let _ = query(id);
        }
    });
    drop(telemetry);
    let lines = log.json_lines();
    assert_eq!(written_and_suppressed(&lines, "db.query.failure"), (500, 0));
    assert_eq!(written_and_suppressed(&lines, "db.query.start"), (1_000, 0));
}

#[test]
fn the_builders_limit_applies_and_the_variable_overrides_it() {
    let log = MemoryLog::default();
    let telemetry = built(&log, &[], |builder| builder.log_rate_limit(Some(10)));
    support::run_under(&telemetry, async {
        for id in 0..200 {
            let _ = query(id);
        }
    });
    drop(telemetry);
    let lines = log.json_lines();
    let (written, suppressed) = written_and_suppressed(&lines, "db.query.failure");
    assert_eq!(written + suppressed, 100);
    assert!(
        written <= 10 * seconds(&lines, "db.query.failure"),
        "{written}"
    );

    let log = MemoryLog::default();
    let telemetry = built(&log, &[("TRIPOD_LOG_RATE_LIMIT", "1000")], |builder| {
        builder.log_rate_limit(Some(10))
    });
    support::run_under(&telemetry, async {
        for id in 0..200 {
            let _ = query(id);
        }
    });
    drop(telemetry);
    assert_eq!(
        written_and_suppressed(&log.json_lines(), "db.query.failure"),
        (100, 0)
    );
}

#[test]
fn a_bad_limit_is_one_warning_and_the_default() {
    let log = MemoryLog::default();
    let telemetry = built(&log, &[("TRIPOD_LOG_RATE_LIMIT", "lots")], |builder| {
        builder
    });
    let warnings: Vec<&String> = telemetry
        .warnings()
        .iter()
        .filter(|warning| warning.contains("TRIPOD_LOG_RATE_LIMIT"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("\"lots\""), "{warnings:?}");
    support::run_under(&telemetry, async {
        for id in 0..2_000 {
            let _ = query(id);
        }
    });
    drop(telemetry);
    let (written, suppressed) = written_and_suppressed(&log.json_lines(), "db.query.failure");
    assert_eq!(written + suppressed, 1_000);
    assert!(suppressed > 0, "the default limit holds");
}
