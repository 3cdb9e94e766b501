//! The OpenTelemetry span limits, as the `OTEL_SPAN_*_LIMIT` variables set them: a span held open
//! through 100,000 events is exported with the first 128 and the count of those dropped, and
//! attributes past the limit are dropped and counted (the record's memory bound is unit-tested
//! in the runtime).

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use support::backends::MemoryLog;
use tripod_tests::otlp_receiver::{OtlpReceiver, named};

#[tripod::observe(
    name = "import.rows",
    fields(source = "csv", rows = 100_000, batch = 1)
)]
fn import() {
    for row in 0..100_000u32 {
        tracing::debug!(row, "row.read");
    }
}

#[test]
fn a_span_open_through_100_000_events_is_exported_within_the_limits() {
    let receiver = OtlpReceiver::start();
    let vars = HashMap::from([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "4".to_owned()),
        ("RUST_LOG", "warn,span_limits=debug".to_owned()),
    ]);
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(log.clone())
        .trace_filter("debug")
        .prometheus(false)
        .build()
        .expect("builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), import);
    assert!(telemetry.flush(Duration::from_secs(10)));
    let spans = receiver.spans();
    let span = named(&spans, "import.rows");
    assert_eq!(span.events, 128);
    // The start event, 100,000 rows and the success event.
    assert_eq!(span.dropped_events, 100_002 - 128);
    // code.function.name, code.file.path, code.line.number and the three fields: 6 > 4.
    assert_eq!(span.attributes.len(), 4, "{:?}", span.attributes);
    assert_eq!(span.dropped_attributes, 2);
}
