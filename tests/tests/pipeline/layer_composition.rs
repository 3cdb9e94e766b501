//! Apps that build their own tracing-subscriber stack (to add tokio-console, Sentry or a file
//! appender) get tripod's JSON lines, trace ids and OTLP export from `Builder::into_layer`,
//! beside a third-party layer that still sees every event.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::backends::MemoryLog;
use tracing_subscriber::layer::SubscriberExt as _;
use tripod_tests::otlp_receiver::{OtlpReceiver, named};

#[tripod::observe(name = "todo.create", fields(user.id = 42))]
fn create() -> Result<u64, std::io::Error> {
    tracing::info!(rows = 1, "todo.stored");
    Ok(7)
}

/// tracing-subscriber's own `fmt` layer, writing into a buffer: the third party.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn tripods_layer_beside_a_third_party_layer_gives_the_same_lines_ids_and_export() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let (tripod_layer, telemetry) = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .prometheus(false)
        .otlp_endpoint(receiver.endpoint())
        .into_layer()
        .expect("builds");
    let captured = Captured::default();
    let writer = captured.clone();
    let stack = tracing_subscriber::registry().with(tripod_layer).with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || writer.clone()),
    );
    let trace_id = tracing::subscriber::with_default(stack, || {
        let span = tracing::info_span!("request");
        let _entered = span.enter();
        assert_eq!(create().unwrap(), 7);
        tripod::trace::current()
            .expect("trace context in a composed stack")
            .trace_id
            .to_string()
    });
    assert!(telemetry.flush(Duration::from_secs(10)));

    assert_eq!(
        log.events_of_trace(&trace_id),
        ["todo.create.start", "todo.stored", "todo.create.success"]
    );
    assert!(
        log.json_lines()
            .iter()
            .filter(|line| line["trace_id"] == trace_id.as_str())
            .all(|line| line["user.id"] == 42)
    );

    let third_party = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for event in ["todo.create.start", "todo.stored", "todo.create.success"] {
        assert!(
            third_party.contains(event),
            "{event} missing: {third_party}"
        );
    }

    let spans = receiver.wait_for_trace(&trace_id, 2, Duration::from_secs(10));
    let call = named(&spans, "todo.create");
    assert_eq!(call.parent_span_id, named(&spans, "request").span_id);
    assert_eq!(call.attribute("user.id"), 42);
}
