//! What the behaviour tests capture: every span and event a call emits (a recording
//! `tracing-subscriber` layer) and every metric (`metrics-util`'s debugging recorder).
#![allow(dead_code, unreachable_pub)]

#[allow(unused_imports)]
pub use tripod_tests::backends;
pub mod metrics_capture;
pub mod model;
pub mod tracing_capture;

pub use metrics_capture::Metrics;
#[allow(unused_imports)]
pub use tracing_capture::{Field, Telemetry};

/// Runs `f` with a recording subscriber and a debugging recorder installed for this thread only.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Telemetry, Metrics) {
    let telemetry = Telemetry::default();
    let metrics = Metrics::new();
    let result = telemetry.record(|| metrics::with_local_recorder(metrics.recorder(), f));
    (result, telemetry, metrics)
}

/// Runs a future to completion on a current-thread runtime with both capturers installed.
pub fn capture_async<F: std::future::Future>(future: F) -> (F::Output, Telemetry, Metrics) {
    capture(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    })
}

/// Runs `scenario` on a current-thread runtime (every task stays on this thread) under the
/// subscriber and recorder `telemetry` built.
pub fn run_under<F: std::future::Future>(telemetry: &tripod::Telemetry, scenario: F) -> F::Output {
    let _recorder = metrics::set_default_local_recorder(telemetry.recorder().unwrap());
    let _subscriber = tracing::dispatcher::set_default(telemetry.dispatch());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenario)
}

/// Runs `scenario` with tripod's own subscriber and recorder on this thread (a current-thread
/// runtime keeps every task here), its spans exported to a live receiver; the scenario's output,
/// then the Prometheus exposition, the log lines and the exported spans.
pub fn under_tripod<R, F: std::future::Future<Output = R>>(
    scenario: impl FnOnce() -> F,
) -> (
    R,
    String,
    backends::MemoryLog,
    Vec<tripod_tests::otlp_receiver::ReceivedSpan>,
) {
    use std::time::Duration;
    let receiver = tripod_tests::otlp_receiver::OtlpReceiver::start();
    let log = backends::MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .otlp_endpoint(receiver.endpoint())
        .build()
        .expect("builds");
    let output = run_under(&telemetry, scenario());
    assert!(telemetry.flush(Duration::from_secs(10)));
    let spans = backends::eventually(Duration::from_secs(5), || {
        let spans = receiver.spans();
        (!spans.is_empty()).then_some(spans)
    })
    .unwrap_or_default();
    (output, telemetry.render_metrics().unwrap(), log, spans)
}

/// tripod built with `builder`'s settings, lines into `log`, nothing from the environment but
/// `variables`.
pub fn built(
    log: &backends::MemoryLog,
    variables: &'static [(&'static str, &'static str)],
    builder: impl FnOnce(tripod::Builder) -> tripod::Builder,
) -> tripod::Telemetry {
    let base = tripod::init()
        .environment(|name| {
            variables
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
        .log_writer(log.clone());
    builder(base).build().expect("builds")
}
