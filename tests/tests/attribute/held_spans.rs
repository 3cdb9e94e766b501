//! An observed call whose span outlives it (a task it spawned holds `Span::current()`, as
//! `tokio::spawn(fut.in_current_span())` does) is still told when the call ended: its
//! `NAME.success` line is written at the call's end with the call's `duration_ms`, and its
//! exported span ends when the call did, not when the last handle dropped, so the span and the
//! call's duration histogram measure the same interval.

use crate::support;

use std::cell::RefCell;
use std::time::Duration;

use support::backends::{MemoryLog, eventually};
use tripod_tests::otlp_receiver::{OtlpReceiver, named};

thread_local! {
    /// The spans kept past their calls (per test thread: the two tests run side by side).
    static HELD: RefCell<Vec<tracing::Span>> = const { RefCell::new(Vec::new()) };
}

#[tripod::observe(name = "job.enqueue", ret)]
fn enqueue() -> u32 {
    HELD.with(|held| held.borrow_mut().push(tracing::Span::current()));
    7
}

/// The call, its span held past it, through `dispatch` built with `telemetry`: the checks of
/// both paths.
fn held_past_its_call(
    telemetry: &tripod::Telemetry,
    dispatch: &tracing::Dispatch,
    log: &MemoryLog,
    receiver: &OtlpReceiver,
) {
    tracing::dispatcher::with_default(dispatch, || {
        assert_eq!(enqueue(), 7);
    });
    telemetry.flush(Duration::from_secs(10));
    let success = log
        .events("job.enqueue.success")
        .into_iter()
        .next()
        .expect("the success line is written while the span is still held open");
    assert_eq!(success["return"], "7");
    let duration_ms = success["duration_ms"].as_f64().expect("duration_ms");
    assert!(
        receiver.spans().is_empty(),
        "the span is not exported while a handle holds it"
    );

    // Much later, the last handle goes.
    std::thread::sleep(Duration::from_millis(50));
    HELD.with(|held| held.borrow_mut().clear());
    telemetry.flush(Duration::from_secs(10));
    let spans = eventually(Duration::from_secs(10), || {
        let spans = receiver.spans();
        (!spans.is_empty()).then_some(spans)
    })
    .expect("the span is exported once it closes");
    let span = named(&spans, "job.enqueue");
    assert_eq!(
        span.duration_nanos as f64 / 1e6,
        duration_ms,
        "the span ends at the call's end, not 50 ms later"
    );
    assert_eq!(
        log.events("job.enqueue.success").len(),
        1,
        "and its success line was written once"
    );
}

fn builder(log: &MemoryLog, receiver: &OtlpReceiver) -> tripod::Builder {
    tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .prometheus(false)
        .otlp_endpoint(receiver.endpoint())
}

#[test]
fn a_call_whose_span_is_held_open_logs_its_success_when_it_returns_and_its_span_ends_then() {
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let telemetry = builder(&log, &receiver).build().expect("builds");
    let dispatch = telemetry.dispatch().clone();
    held_past_its_call(&telemetry, &dispatch, &log, &receiver);
}

#[test]
fn the_same_through_tripods_layer_in_a_stack_of_ones_own() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let receiver = OtlpReceiver::start();
    let log = MemoryLog::default();
    let (layer, telemetry) = builder(&log, &receiver).into_layer().expect("builds");
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    held_past_its_call(&telemetry, &dispatch, &log, &receiver);
}
