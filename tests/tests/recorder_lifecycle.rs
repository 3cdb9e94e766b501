//! Metric handles are cached per call site and recorder, yet a recorder installed after the
//! first call, or one installed for a thread (as tests do), is always the one that counts.

mod support;

use metrics_util::debugging::DebuggingRecorder;

#[tripod::observe(name = "cache.get")]
fn get(key: u32) -> Option<u32> {
    key.checked_sub(1)
}

fn success_count(snapshot: &support::metrics_capture::Snapshot) -> usize {
    let labels = [("name", "cache.get"), ("outcome", "success")];
    if snapshot
        .find("operation_duration_seconds", &labels)
        .is_empty()
    {
        return 0;
    }
    snapshot
        .histogram("operation_duration_seconds", &labels)
        .len()
}

// One test: the global recorder can be installed once per process.
#[test]
fn the_current_recorder_is_honoured_whenever_and_wherever_it_was_installed() {
    // Nothing installed: the call works and records nowhere.
    assert_eq!(get(3), Some(2));

    // Thread-local recorders, one after another at the same stack slot: each sees its own calls.
    for calls in 1..=3 {
        let metrics = support::Metrics::new();
        metrics::with_local_recorder(metrics.recorder(), || {
            for _ in 0..calls {
                get(1);
            }
        });
        assert_eq!(
            success_count(&metrics.snapshot()),
            calls,
            "local recorder #{calls}"
        );
    }

    // A global recorder installed after the first calls is honoured from the next call on.
    let recorder = DebuggingRecorder::new();
    let global = recorder.snapshotter();
    recorder.install().unwrap();
    get(5);
    get(6);
    assert_eq!(success_count(&global.snapshot().into()), 2);

    // A thread-local recorder still takes precedence over the global one...
    let metrics = support::Metrics::new();
    metrics::with_local_recorder(metrics.recorder(), || get(7));
    assert_eq!(success_count(&metrics.snapshot()), 1);
    assert_eq!(success_count(&global.snapshot().into()), 0);

    // ...and other threads keep using the global one.
    std::thread::spawn(|| get(8)).join().unwrap();
    get(9);
    assert_eq!(success_count(&global.snapshot().into()), 2);
}
