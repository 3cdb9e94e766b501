//! What the behaviour tests capture: every span and event a call emits (a recording
//! `tracing-subscriber` layer) and every metric (`metrics-util`'s debugging recorder).
#![allow(dead_code, unreachable_pub)]

#[allow(unused_imports)]
pub use tripod_tests::backends;
pub mod metrics_capture;
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
