//! `TRIPOD_LOG_FORMAT=pretty`: one readable line per event — time, level, event, `key=value`
//! fields, then the trace and span ids — and no colour codes when the output is not a terminal.

use crate::support;

use std::time::Duration;

use support::backends::MemoryLog;

#[tripod::observe(name = "todo.create", fields(user.id = 42))]
fn create() -> Result<(), std::io::Error> {
    tracing::warn!(rows = 0, "nothing.stored");
    Ok(())
}

#[test]
fn a_pretty_line_shows_the_fields_and_the_trace_id_without_colour_off_a_terminal() {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|name| (name == "TRIPOD_LOG_FORMAT").then(|| "pretty".to_owned()))
        .log_writer(log.clone())
        .prometheus(false)
        .build()
        .expect("builds");
    let trace_id = tracing::dispatcher::with_default(telemetry.dispatch(), || {
        let span = tracing::info_span!("outer");
        let _entered = span.enter();
        create().unwrap();
        tripod::trace::current().unwrap().trace_id.to_string()
    });
    telemetry.flush(Duration::from_secs(1));
    let text = log.text();
    assert!(!text.contains('\x1b'), "no ANSI codes in a file: {text:?}");
    let line = text
        .lines()
        .find(|line| line.contains("nothing.stored"))
        .expect("the warning");
    let words: Vec<&str> = line.split(' ').filter(|word| !word.is_empty()).collect();
    assert!(words[0].ends_with('Z') && words[0].len() == 24, "{line}");
    assert_eq!(words[1], "WARN");
    assert_eq!(words[2], "nothing.stored");
    assert!(words.contains(&"rows=0"), "{line}");
    assert!(words.contains(&"user.id=42"), "{line}");
    assert!(line.contains(&format!("trace_id={trace_id}")), "{line}");
    assert!(line.contains(" span_id="), "{line}");
}
