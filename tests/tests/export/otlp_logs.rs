//! Logs over OTLP: every line tripod writes also reaches a real OTLP receiver as a `LogRecord`
//! with the same event, level and trace context, the fields as typed attributes and the target
//! as the instrumentation scope; with `OTEL_LOGS_EXPORTER` lines go to stdout only, OTLP only,
//! or both.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use tripod_tests::backends::MemoryLog;
use tripod_tests::otlp_receiver::{OtlpReceiver, ReceivedLogRecord};

#[derive(Debug, tripod::ErrorType)]
enum Refused {
    Empty,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the title is empty")
    }
}

#[tripod::observe(name = "todo.create", fields(user.id = user_id, title = %title))]
fn create(title: &str, user_id: u64) -> Result<usize, Refused> {
    tracing::debug!(target: "sqlx::query", rows_affected = 1_u64, "INSERT INTO todos");
    if title.is_empty() {
        return Err(Refused::Empty);
    }
    Ok(title.len())
}

/// Telemetry configured by `vars`, its lines in `log`; runs the calls under it.
fn run(vars: HashMap<&'static str, String>, log: &MemoryLog) -> tripod::Telemetry {
    let telemetry = tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(log.clone())
        .log_filter("debug")
        .build()
        .expect("builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        create("Read paper", 42).unwrap();
        create("", 7).unwrap_err();
        tracing::info!(
            queue.depth = 3_i64,
            ratio = 0.25,
            ready = true,
            "worker.idle"
        );
    });
    assert!(telemetry.flush(Duration::from_secs(10)));
    telemetry
}

fn to(receiver: &OtlpReceiver) -> HashMap<&'static str, String> {
    HashMap::from([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_SERVICE_NAME", "todo-app".to_owned()),
    ])
}

fn record<'a>(records: &'a [ReceivedLogRecord], event: &str) -> &'a ReceivedLogRecord {
    records
        .iter()
        .find(|record| record.event_name == event)
        .unwrap_or_else(|| panic!("no record {event} in {records:#?}"))
}

#[test]
fn every_line_arrives_as_a_log_record_with_its_event_level_trace_and_typed_fields() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = run(to(&receiver), &log);
    let lines = log.json_lines();
    let records = receiver.log_records();
    assert_eq!(
        records.len(),
        lines.len(),
        "one record per line\nlines: {}\nrecords: {records:#?}",
        log.text()
    );
    for (line, record) in lines.iter().zip(&records) {
        assert_eq!(record.event_name, line["event"], "{line}");
        assert_eq!(record.body, line["event"], "{line}");
        assert_eq!(record.severity_text, line["level"], "{line}");
        let number = match line["level"].as_str().unwrap() {
            "debug" => 5,
            "info" => 9,
            "warning" => 13,
            "error" => 17,
            other => panic!("{other}"),
        };
        assert_eq!(record.severity_number, number, "{line}");
        assert_eq!(
            record.trace_id,
            line["trace_id"].as_str().unwrap_or_default(),
            "{line}"
        );
        assert_eq!(
            record.span_id,
            line["span_id"].as_str().unwrap_or_default(),
            "{line}"
        );
        assert_eq!(record.service_name, "todo-app");
        // Every field of the line is an attribute of the record, with the same value.
        let object = line.as_object().unwrap();
        for (key, value) in object {
            if ["timestamp", "level", "event", "trace_id", "span_id"].contains(&key.as_str()) {
                continue;
            }
            assert_eq!(&record.attribute(key), value, "{key} of {line}");
        }
        assert!(record.observed_time_unix_nano >= record.time_unix_nano);
    }

    let start = record(&records, "todo.create.start");
    assert_eq!(start.scope, module_path!(), "the target is the scope");
    assert_eq!(
        start.attribute("user.id"),
        Value::from(42),
        "integers stay integers"
    );
    assert_eq!(start.attribute("title"), "Read paper");
    assert_eq!(start.flags, 1, "sampled");
    let query = record(&records, "INSERT INTO todos");
    assert_eq!(query.scope, "sqlx::query");
    assert_eq!(query.severity_number, 5);
    assert_eq!(query.attribute("rows_affected"), 1);
    assert_eq!(query.trace_id, start.trace_id, "inside the call's span");
    let failure = record(&records, "todo.create.failure");
    assert_eq!(failure.severity_text, "error");
    assert_eq!(failure.attribute("error.type"), "Empty");
    assert_eq!(failure.attribute("error"), "the title is empty");
    assert!(failure.attribute("duration_ms").is_f64());
    let idle = record(&records, "worker.idle");
    assert_eq!(idle.trace_id, "", "outside any span");
    assert_eq!(idle.attribute("queue.depth"), 3);
    assert_eq!(idle.attribute("ratio"), 0.25);
    assert_eq!(idle.attribute("ready"), true);
    assert_eq!(telemetry.log_records_dropped(), 0);
}

#[test]
fn logs_exporter_sends_lines_to_stdout_only_to_otlp_only_or_to_both() {
    for (exporters, lines, records) in [
        (Some("console"), true, false),
        (Some("otlp"), false, true),
        (Some("otlp,console"), true, true),
        (None, true, true),
        (Some("none"), false, false),
    ] {
        let receiver = OtlpReceiver::start();
        let log = MemoryLog::default();
        let mut vars = to(&receiver);
        if let Some(exporters) = exporters {
            vars.insert("OTEL_LOGS_EXPORTER", exporters.to_owned());
        }
        let telemetry = run(vars, &log);
        assert_eq!(
            !log.text().is_empty(),
            lines,
            "{exporters:?}: {}",
            log.text()
        );
        assert_eq!(!receiver.log_records().is_empty(), records, "{exporters:?}");
        assert_eq!(
            receiver.spans().len(),
            2,
            "{exporters:?}: traces go on regardless"
        );
        drop(telemetry);
    }
}
