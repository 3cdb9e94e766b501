//! Over gRPC, a collector short of resources that says when to come back (`RESOURCE_EXHAUSTED`
//! with a `google.rpc.RetryInfo` in `grpc-status-details-bin`, as a collector's memory limiter
//! does) loses nothing: the batch is sent again after the delay it names and every span
//! arrives. Without a `RetryInfo` the same code is final: the batch is lost at once, counted.

mod support;

use std::time::Duration;

use support::backends::MemoryLog;
use tripod_tests::otlp_receiver::{OtlpReceiver, Refusal};

#[tripod::observe(name = "work.unit")]
fn unit(i: u64) -> u64 {
    i + 1
}

/// `RESOURCE_EXHAUSTED`.
const RESOURCE_EXHAUSTED: u32 = 8;

// One test: the recorder is global.
#[test]
fn resource_exhausted_with_retry_info_is_retried_after_its_delay_and_without_it_is_dropped() {
    let receiver = OtlpReceiver::start();
    receiver.refuse_next_of(
        "traces",
        2,
        Refusal::GrpcStatus {
            code: RESOURCE_EXHAUSTED,
            retry_delay: Some(Duration::from_millis(300)),
        },
    );
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(|_| None)
        .log_writer(log.clone())
        .otlp_endpoint(receiver.endpoint())
        .otlp_protocol(tripod::OtlpProtocol::Grpc)
        .otlp_logs(false)
        .otlp_metrics(false)
        .install()
        .expect("installs");
    let metrics = telemetry.prometheus_handle().unwrap().clone();
    for i in 0..5 {
        assert_eq!(unit(i), i + 1);
    }
    assert!(
        telemetry.flush(Duration::from_secs(10)),
        "retried within the flush: {}",
        log.text()
    );
    assert_eq!(receiver.refused(), 2);
    assert_eq!(receiver.spans().len(), 5, "every span arrived");
    let exposition = metrics.render();
    assert!(
        !exposition.contains("tripod_spans_export_failed_total{"),
        "nothing lost: {exposition}"
    );
    let warnings = log.events("tripod.export.failed");
    assert_eq!(warnings.len(), 1, "{}", log.text());
    assert_eq!(warnings[0]["reason"], "grpc_status");
    assert_eq!(warnings[0]["retrying"], true);
    assert_eq!(warnings[0]["retry_in_ms"], 300, "the RetryInfo's delay");
    assert!(
        warnings[0]["error"]
            .as_str()
            .unwrap()
            .contains("gRPC status 8"),
        "{}",
        warnings[0]
    );
    let recovered = log.events("tripod.export.recovered");
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0]["spans_lost"], 0);
    assert_eq!(recovered[0]["failed_exports"], 2);

    // No RetryInfo: the collector cannot say it will take the data later; lost at once.
    receiver.refuse_next_of(
        "traces",
        1,
        Refusal::GrpcStatus {
            code: RESOURCE_EXHAUSTED,
            retry_delay: None,
        },
    );
    for i in 0..3 {
        assert_eq!(unit(i), i + 1);
    }
    assert!(telemetry.flush(Duration::from_secs(5)));
    assert_eq!(receiver.refused(), 3, "one attempt");
    let exposition = metrics.render();
    assert!(
        exposition.contains("tripod_spans_export_failed_total{reason=\"grpc_status\"} 3"),
        "{exposition}"
    );
    drop(telemetry);
}
