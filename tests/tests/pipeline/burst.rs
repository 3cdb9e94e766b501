//! A burst that fits in memory is never dropped: 12,000 spans from four threads within a
//! fraction of a second (the collector hands each 100 ms pass to the export queue at once) all
//! reach a live receiver, and none is counted as dropped.

use std::time::Duration;

use tripod_tests::backends::MemoryLog;
use tripod_tests::otlp_receiver::OtlpReceiver;

const THREADS: usize = 4;
const SPANS_EACH: usize = 3000;

#[tripod::observe(name = "job.run", fields(job.id = id))]
fn job(id: usize) -> Result<usize, std::io::Error> {
    Ok(id * 2)
}

#[test]
fn a_burst_of_twelve_thousand_spans_reaches_the_receiver_every_one() {
    let receiver = OtlpReceiver::start();
    let endpoint = receiver.endpoint();
    let telemetry = tripod::init()
        .environment(move |name| (name == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| endpoint.clone()))
        .log_writer(MemoryLog::default())
        .build()
        .expect("builds");
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let dispatch = telemetry.dispatch().clone();
            scope.spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for i in 0..SPANS_EACH {
                        job(thread * SPANS_EACH + i).unwrap();
                    }
                })
            });
        }
    });
    assert!(telemetry.flush(Duration::from_secs(30)));
    let total = THREADS * SPANS_EACH;
    let spans = receiver.wait_for_spans(total, Duration::from_secs(30));
    assert_eq!(telemetry.spans_dropped(), 0, "nothing dropped");
    assert_eq!(spans.len(), total, "every span arrived");
    let mut ids: Vec<&str> = spans.iter().map(|span| span.span_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "each once");
}
