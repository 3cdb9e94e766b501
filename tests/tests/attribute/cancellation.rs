//! A future dropped before it completes is recorded as `cancelled`; one never polled records nothing.

use crate::support;

use std::time::Duration;

use support::{Field, capture_async};
use tracing::Level;

#[tripod::observe(name = "ml.slow")]
async fn slow() -> Result<u8, std::io::Error> {
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(1)
}

#[test]
fn a_future_dropped_mid_await_is_recorded_as_cancelled() {
    let (timed_out, telemetry, metrics) =
        capture_async(async { tokio::time::timeout(Duration::from_millis(20), slow()).await });
    assert!(timed_out.is_err());
    assert_eq!(telemetry.messages(), ["ml.slow.start", "ml.slow.cancelled"]);
    let cancelled = telemetry.event("ml.slow.cancelled");
    assert_eq!(cancelled.level, Level::WARN);
    assert!(matches!(cancelled.field("duration_ms"), Some(Field::F64(ms)) if *ms > 0.0));
    assert_eq!(cancelled.span, Some(telemetry.span("ml.slow").id));
    let snapshot = metrics.snapshot();
    let cancelled = [("name", "ml.slow"), ("outcome", "cancelled")];
    assert_eq!(
        snapshot
            .histogram("operation_duration_seconds", &cancelled)
            .len(),
        1
    );
    assert!(
        snapshot.find("operation_errors_total", &[]).is_empty(),
        "a cancellation is no error"
    );
    assert_eq!(
        snapshot.gauge("operation_in_flight", &[("name", "ml.slow")]),
        0.0
    );
}

#[test]
fn the_in_flight_gauge_counts_a_pending_call_until_it_is_dropped() {
    let metrics = support::Metrics::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(metrics.recorder(), || {
        runtime.block_on(async {
            let mut pending = Box::pin(slow());
            assert!(futures_poll_once(pending.as_mut()).await.is_none());
            assert_eq!(
                metrics
                    .snapshot()
                    .gauge("operation_in_flight", &[("name", "ml.slow")]),
                1.0
            );
            drop(pending);
            // The debugging recorder's snapshots drain: this one shows the change since the last.
            let snapshot = metrics.snapshot();
            assert_eq!(
                snapshot.gauge("operation_in_flight", &[("name", "ml.slow")]),
                -1.0
            );
            let cancelled = [("name", "ml.slow"), ("outcome", "cancelled")];
            assert_eq!(
                snapshot
                    .histogram("operation_duration_seconds", &cancelled)
                    .len(),
                1
            );
        })
    });
}

#[test]
fn a_future_never_polled_records_nothing() {
    let (_, telemetry, metrics) = capture_async(async {
        drop(slow());
    });
    assert!(telemetry.events().is_empty());
    assert!(telemetry.spans().is_empty());
    assert!(metrics.snapshot().0.is_empty());
}

/// Polls a future once.
async fn futures_poll_once<F: std::future::Future + Unpin>(mut future: F) -> Option<F::Output> {
    std::future::poll_fn(|cx| match std::pin::Pin::new(&mut future).poll(cx) {
        std::task::Poll::Ready(value) => std::task::Poll::Ready(Some(value)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}
