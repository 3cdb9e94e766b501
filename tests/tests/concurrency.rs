//! 1,000 concurrent calls on a multi-thread runtime, with a global subscriber and recorder:
//! every call is recorded exactly once and nothing stays in flight.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[tripod::observe(name = "todo.fetch", labels(store = "memory"))]
async fn fetch(id: u64) -> Result<u64, std::io::Error> {
    tokio::time::sleep(Duration::from_millis(id % 7)).await;
    tokio::task::yield_now().await;
    if id.is_multiple_of(10) {
        return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
    }
    Ok(id)
}

#[test]
fn a_thousand_concurrent_calls_are_each_recorded_once() {
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().unwrap();
    let telemetry = support::Telemetry::default();
    telemetry.record_process_wide();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let ok = AtomicUsize::new(0);
    runtime.block_on(async {
        let tasks: Vec<_> = (0..1000).map(|id| tokio::spawn(fetch(id))).collect();
        for task in tasks {
            if task.await.unwrap().is_ok() {
                ok.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    assert_eq!(ok.load(Ordering::Relaxed), 900);

    let snapshot = support::metrics_capture::Snapshot::from(snapshotter.snapshot());
    let labels = |outcome| {
        [
            ("name", "todo.fetch"),
            ("outcome", outcome),
            ("store", "memory"),
        ]
    };
    assert_eq!(
        snapshot
            .histogram("operation_duration_seconds", &labels("success"))
            .len(),
        900
    );
    assert_eq!(
        snapshot
            .histogram("operation_duration_seconds", &labels("failure"))
            .len(),
        100
    );
    let errors = [
        ("name", "todo.fetch"),
        ("error_type", "NotFound"),
        ("store", "memory"),
    ];
    assert_eq!(snapshot.counter("operation_errors_total", &errors), 100);
    assert_eq!(
        snapshot.gauge(
            "operation_in_flight",
            &[("name", "todo.fetch"), ("store", "memory")]
        ),
        0.0
    );

    let messages = telemetry.messages();
    let count = |message: &str| messages.iter().filter(|m| *m == message).count();
    assert_eq!(count("todo.fetch.start"), 1000);
    assert_eq!(count("todo.fetch.success"), 900);
    assert_eq!(count("todo.fetch.failure"), 100);
    assert_eq!(telemetry.spans().len(), 1000);
}
