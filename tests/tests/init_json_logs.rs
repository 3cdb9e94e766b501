//! `tripod::init()`'s JSON logs: one object per line in structlog's shape, flat fields, and the
//! trace context of the call on every line inside it.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use support::backends::MemoryLog;

static LOG: OnceLock<(MemoryLog, tripod::Telemetry)> = OnceLock::new();

/// One installation for the whole test binary (the subscriber is global).
fn log() -> &'static MemoryLog {
    let (log, _) = LOG.get_or_init(|| {
        let log = MemoryLog::default();
        let telemetry = tripod::init()
            .environment(|_| None)
            .log_writer(log.clone())
            .prometheus(false)
            // Every line written: a burst of one callsite's lines is what a test here checks.
            .log_rate_limit(None)
            .install()
            .expect("installs");
        (log, telemetry)
    });
    log
}

fn flush() {
    LOG.get().unwrap().1.flush(Duration::from_secs(5));
}

#[tripod::observe(name = "todo.create", fields(title = %title, user_id = user_id))]
fn create(title: &str, user_id: u64) -> Result<u64, std::io::Error> {
    tracing::info!(stored = true, "todo.stored");
    Ok(user_id)
}

#[tripod::observe(name = "todo.fail", fields(user_id = user_id))]
fn fail(user_id: u64) -> Result<u64, std::io::Error> {
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "no such todo \"7\"\nsecond line",
    ))
}

#[test]
fn each_line_is_one_flat_json_object_in_structlog_shape() {
    let log = log();
    create("Read paper", 42).unwrap();
    flush();
    let starts = log.events("todo.create.start");
    // Tests share the log: this test's call is the one for user 42.
    let start = starts
        .iter()
        .find(|line| line["user_id"] == 42)
        .expect("the start line");
    let object = start.as_object().unwrap();
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    for key in [
        "timestamp",
        "level",
        "event",
        "title",
        "user_id",
        "trace_id",
        "span_id",
    ] {
        assert!(keys.contains(&key), "{key} missing from {start}");
    }
    assert_eq!(start["level"], "info");
    assert_eq!(start["title"], "Read paper");
    assert_eq!(start["user_id"], 42);
    let timestamp = start["timestamp"].as_str().unwrap();
    assert_eq!(
        timestamp.len(),
        "2026-04-14T10:23:45.123Z".len(),
        "{timestamp}"
    );
    assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T');
    assert!(
        object.values().all(|v| !v.is_object() && !v.is_array()),
        "fields are flat: {start}"
    );
}

#[test]
fn later_events_of_a_call_carry_its_fields_and_one_trace_id() {
    let log = log();
    create("Write tests", 7).unwrap();
    flush();
    let lines: Vec<Value> = log
        .json_lines()
        .into_iter()
        .filter(|line| line["user_id"] == 7 && line["title"] == "Write tests")
        .collect();
    let events: Vec<&str> = lines
        .iter()
        .map(|line| line["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["todo.create.start", "todo.stored", "todo.create.success"]
    );
    let trace_id = &lines[0]["trace_id"];
    assert_eq!(trace_id.as_str().unwrap().len(), 32);
    assert!(
        lines
            .iter()
            .all(|line| &line["trace_id"] == trace_id && line["span_id"] == lines[0]["span_id"])
    );
    assert_eq!(lines[1]["stored"], true);
    assert!(lines[2]["duration_ms"].is_f64());
    assert_eq!(lines[2]["code.function.name"], "init_json_logs::create");
}

#[test]
fn a_failure_line_escapes_the_message_and_reports_the_error_type() {
    let log = log();
    let _ = fail(9);
    flush();
    let failure = &log.events("todo.fail.failure")[0];
    assert_eq!(failure["level"], "error");
    assert_eq!(failure["error"], "no such todo \"7\"\nsecond line");
    assert_eq!(failure["error.type"], "NotFound");
    assert_eq!(failure["user_id"], 9);
}

#[test]
fn an_event_outside_any_span_has_no_trace_context() {
    let log = log();
    tracing::warn!(disk_free_mb = 12, "disk.low");
    flush();
    let line = &log.events("disk.low")[0];
    assert_eq!(
        line,
        &json!({"timestamp": line["timestamp"], "level": "warning", "event": "disk.low", "disk_free_mb": 12})
    );
}

#[test]
fn lines_from_many_threads_never_interleave() {
    let log = log();
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            std::thread::spawn(move || {
                for i in 0..200 {
                    tracing::info!(thread, i, padding = "x".repeat(300), "burst");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    flush();
    assert_eq!(
        log.events("burst").len(),
        1600,
        "every line parses as one object"
    );
}

#[test]
fn debug_events_are_filtered_at_the_default_info_level() {
    let log = log();
    tracing::debug!("quiet.debug");
    tracing::info!("loud.info");
    flush();
    assert!(log.events("quiet.debug").is_empty());
    assert_eq!(log.events("loud.info").len(), 1);
}

/// The raw line whose `event` is `event` (serde_json's map would not keep the key order).
fn raw_line(log: &MemoryLog, event: &str) -> String {
    log.text()
        .lines()
        .find(|line| line.contains(&format!("\"event\":\"{event}\"")))
        .unwrap_or_else(|| panic!("no {event} line in {}", log.text()))
        .to_owned()
}

#[tripod::observe(name = "order.check", fields(request.id = 5))]
fn order_check() {
    tracing::info!(rows = 3, "order.rows");
}

#[test]
fn keys_come_in_a_fixed_order_whatever_order_the_fields_were_given_in() {
    let log = log();
    order_check();
    flush();
    let line = raw_line(log, "order.rows");
    let position = |key: &str| {
        line.find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key} missing from {line}"))
    };
    let order = [
        "timestamp",
        "level",
        "event",
        "rows",
        "request.id",
        "trace_id",
        "span_id",
    ]
    .map(position);
    assert!(order.is_sorted(), "{line}");
    assert!(line.starts_with("{\"timestamp\":"), "{line}");
}

#[test]
fn a_field_named_like_a_reserved_key_is_renamed_never_duplicated() {
    let log = log();
    tracing::info!(
        level = "custom",
        timestamp = 1,
        trace_id = "mine",
        "reserved.keys"
    );
    flush();
    let line = raw_line(log, "reserved.keys");
    for key in ["timestamp", "level", "event", "trace_id"] {
        assert!(
            line.matches(&format!("\"{key}\":")).count() <= 1,
            "{key} twice: {line}"
        );
    }
    let parsed: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["level"], "info");
    assert_eq!(parsed["field.level"], "custom");
    assert_eq!(parsed["field.timestamp"], 1);
    assert_eq!(parsed["field.trace_id"], "mine");
}

#[test]
fn non_finite_floats_are_null_and_durations_have_no_float_noise() {
    let log = log();
    tracing::info!(ratio = f64::NAN, peak = f64::INFINITY, "floats");
    for _ in 0..50 {
        order_check();
    }
    flush();
    let floats: Value = serde_json::from_str(&raw_line(log, "floats")).unwrap();
    assert!(
        floats["ratio"].is_null() && floats["peak"].is_null(),
        "{floats}"
    );
    for line in log
        .text()
        .lines()
        .filter(|line| line.contains("order.check.success"))
    {
        let duration = line
            .split("\"duration_ms\":")
            .nth(1)
            .and_then(|rest| rest.split([',', '}']).next())
            .unwrap();
        let decimals = duration.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 6, "duration_ms {duration} in {line}");
    }
}
