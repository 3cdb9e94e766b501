//! An app configured only through the standard `OTEL_EXPORTER_OTLP_*` variables exports its
//! traces, logs and metrics over TLS with an API-key header and gzip to a receiver that checks
//! all three, over HTTP/protobuf and gRPC; mutual TLS works with a client certificate; a wrong CA
//! is one clear warning per signal, no export, and the app unharmed; a collector's self-signed
//! (`CA:TRUE`) certificate is accepted when it is exactly the one named, refused when it is
//! another. Header values never reach the logs.

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use support::backends::MemoryLog;
use tripod_tests::certificates::TestPki;
use tripod_tests::otlp_receiver::{OtlpReceiver, ReceiverTls};

const API_KEY: &str = "s3cret key";

#[tripod::observe(name = "ml.inference")]
fn predict(text: &str) -> Result<usize, std::io::Error> {
    Ok(text.len())
}

/// Runs three observed calls with telemetry configured by `vars` only; the log text.
fn run_with(vars: HashMap<&'static str, String>) -> MemoryLog {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(move |name| vars.get(name).cloned())
        .log_writer(log.clone())
        .prometheus(false)
        // The checks count the calls' series only.
        .process_metrics(false)
        .runtime_metrics(false)
        .export_timeout(Duration::from_secs(5))
        .build()
        .expect("builds");
    let recorder = telemetry.recorder().expect("metrics go over OTLP");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        metrics::with_local_recorder(recorder, || {
            for text in ["a", "bb", "ccc"] {
                assert_eq!(predict(text).unwrap(), text.len(), "the app is unharmed");
            }
        })
    });
    telemetry.flush(Duration::from_secs(10));
    drop(telemetry);
    log
}

fn variables(
    receiver: &OtlpReceiver,
    pki: &TestPki,
    protocol: &str,
) -> HashMap<&'static str, String> {
    HashMap::from([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            pki.ca_file().display().to_string(),
        ),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=s3cret%20key,x-tenant=ml".to_owned(),
        ),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip".to_owned()),
        ("OTEL_SERVICE_NAME", "tls-test".to_owned()),
    ])
}

/// Each signal's requests arrived on `paths` (traces, logs, metrics), all with the headers and
/// gzipped; three spans, their six log records and the call's metrics among them.
fn check_delivery(receiver: &OtlpReceiver, paths: [&str; 3], log: &MemoryLog) {
    let requests = receiver.requests();
    for (signal, path) in ["traces", "logs", "metrics"].into_iter().zip(paths) {
        let of_signal: Vec<_> = requests.iter().filter(|r| r.signal == signal).collect();
        assert!(
            !of_signal.is_empty(),
            "no {signal} arrived; log: {}",
            log.text()
        );
        for request in of_signal {
            assert_eq!(request.path, path);
            assert_eq!(request.headers["api-key"], API_KEY, "{signal}");
            assert_eq!(request.headers["x-tenant"], "ml", "{signal}");
            assert!(request.gzipped, "the {signal} body was gzipped");
        }
    }
    let spans = receiver.spans();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    assert!(spans.iter().all(|span| span.service_name == "tls-test"));
    let records = receiver.log_records();
    let calls: Vec<_> = records
        .iter()
        .filter(|record| record.event_name.starts_with("ml.inference."))
        .collect();
    assert_eq!(calls.len(), 6, "{records:#?}");
    assert!(calls.iter().all(|record| record.service_name == "tls-test"));
    assert!(
        receiver
            .metric_exports()
            .iter()
            .flatten()
            .any(|metric| metric.name == "operation_duration_seconds")
    );
    assert!(
        !log.text().contains("s3cret"),
        "a header value in the logs: {}",
        log.text()
    );
}

#[test]
fn http_protobuf_over_tls_carries_the_api_key_and_gzip() {
    let pki = TestPki::new("http");
    let receiver = OtlpReceiver::start_tls(ReceiverTls {
        pki: &pki,
        require_client_certificate: false,
    });
    let log = run_with(variables(&receiver, &pki, "http/protobuf"));
    check_delivery(&receiver, ["/v1/traces", "/v1/logs", "/v1/metrics"], &log);
}

#[test]
fn grpc_over_tls_carries_the_api_key_and_gzip() {
    let pki = TestPki::new("grpc");
    let receiver = OtlpReceiver::start_tls(ReceiverTls {
        pki: &pki,
        require_client_certificate: false,
    });
    let log = run_with(variables(&receiver, &pki, "grpc"));
    check_delivery(
        &receiver,
        [
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        ],
        &log,
    );
}

#[test]
fn mutual_tls_exports_with_the_client_certificate_and_not_without() {
    for protocol in ["http/protobuf", "grpc"] {
        let pki = TestPki::new("mtls");
        let receiver = OtlpReceiver::start_tls(ReceiverTls {
            pki: &pki,
            require_client_certificate: true,
        });
        let mut vars = variables(&receiver, &pki, protocol);
        vars.insert(
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
            pki.client_cert_file().display().to_string(),
        );
        vars.insert(
            "OTEL_EXPORTER_OTLP_CLIENT_KEY",
            pki.client_key_file().display().to_string(),
        );
        let log = run_with(vars.clone());
        assert_eq!(receiver.spans().len(), 3, "{protocol}: {}", log.text());

        let refused = OtlpReceiver::start_tls(ReceiverTls {
            pki: &pki,
            require_client_certificate: true,
        });
        let mut vars = variables(&refused, &pki, protocol);
        vars.remove("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
        vars.remove("OTEL_EXPORTER_OTLP_CLIENT_KEY");
        let log = run_with(vars);
        assert!(refused.spans().is_empty(), "{protocol}");
        assert!(
            log.text().contains("tripod.export.failed"),
            "{protocol}: {}",
            log.text()
        );
    }
}

#[test]
fn a_wrong_ca_is_one_clear_warning_per_signal_and_no_export() {
    let pki = TestPki::new("server");
    let other = TestPki::new("other");
    let receiver = OtlpReceiver::start_tls(ReceiverTls {
        pki: &pki,
        require_client_certificate: false,
    });
    let mut vars = variables(&receiver, &pki, "http/protobuf");
    vars.insert(
        "OTEL_EXPORTER_OTLP_CERTIFICATE",
        other.ca_file().display().to_string(),
    );
    let log = run_with(vars);
    assert!(receiver.spans().is_empty());
    assert!(receiver.requests().is_empty());
    let mut warnings = log.events("tripod.export.failed");
    // The three export threads fail side by side: in signal order, for the checks below.
    let order = ["traces", "logs", "metrics"];
    warnings.sort_by_key(|warning| order.iter().position(|s| warning["signal"] == *s));
    let signals: Vec<&str> = warnings
        .iter()
        .map(|warning| warning["signal"].as_str().unwrap())
        .collect();
    assert_eq!(signals, order, "{}", log.text());
    for warning in &warnings {
        assert_eq!(warning["level"], "warning");
        assert_eq!(warning["reason"], "tls", "{warning}");
        assert_eq!(
            warning["endpoint"],
            format!(
                "{}/v1/{}",
                receiver.endpoint(),
                warning["signal"].as_str().unwrap()
            )
        );
        assert!(
            warning["error"].as_str().unwrap().contains("certificate"),
            "the cause is named: {warning}"
        );
    }
    assert_eq!(warnings[0]["spans"], 3);
    // The calls' six lines; and, when the traces or metrics export failed and its warning was
    // collected before the logs export took its batch (a busy machine), that warning's record too.
    let log_records = warnings[1]["log_records"].as_u64().unwrap();
    assert!((6..=8).contains(&log_records), "{}", warnings[1]);
    // The in-flight gauge and the success histogram: the series the calls used.
    assert_eq!(warnings[2]["data_points"], 2, "{}", warnings[2]);
    assert!(!log.text().contains("s3cret"));
}

#[test]
fn a_signals_own_variables_override_the_general_ones_for_that_signal_only() {
    let pki = TestPki::new("per-signal");
    let receiver = OtlpReceiver::start_tls(ReceiverTls {
        pki: &pki,
        require_client_certificate: false,
    });
    let mut vars = variables(&receiver, &pki, "http/protobuf");
    vars.insert("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "grpc".to_owned());
    vars.insert(
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
        "api-key=metrics%20key".to_owned(),
    );
    vars.insert("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none".to_owned());
    let log = run_with(vars);
    let requests = receiver.requests();
    let of = |signal: &str| -> Vec<_> { requests.iter().filter(|r| r.signal == signal).collect() };
    let (traces, logs, metrics) = (of("traces"), of("logs"), of("metrics"));
    assert!(
        !traces.is_empty() && !logs.is_empty() && !metrics.is_empty(),
        "{requests:#?}\n{}",
        log.text()
    );
    for request in &traces {
        assert_eq!(request.path, "/v1/traces");
        assert!(!request.gzipped, "traces: their own compression");
        assert_eq!(request.headers["api-key"], API_KEY);
    }
    for request in &logs {
        assert_eq!(
            request.path, "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            "logs: their own protocol"
        );
        assert!(request.gzipped);
        assert_eq!(request.headers["api-key"], API_KEY);
    }
    for request in &metrics {
        assert_eq!(request.path, "/v1/metrics");
        assert!(request.gzipped);
        assert_eq!(
            request.headers["api-key"], "metrics key",
            "metrics: their own headers"
        );
        // As in the OpenTelemetry SDKs, a signal's own list takes the general one's place.
        assert!(request.headers.get("x-tenant").is_none());
    }
}

#[test]
fn a_self_signed_collector_certificate_named_in_the_variable_is_accepted() {
    let pki = TestPki::self_signed("self-signed");
    let receiver = OtlpReceiver::start_tls(ReceiverTls {
        pki: &pki,
        require_client_certificate: false,
    });
    let log = run_with(variables(&receiver, &pki, "http/protobuf"));
    check_delivery(&receiver, ["/v1/traces", "/v1/logs", "/v1/metrics"], &log);
    assert!(
        log.events("tripod.export.failed").is_empty(),
        "{}",
        log.text()
    );
}

#[test]
fn a_self_signed_certificate_that_is_not_the_named_one_is_refused() {
    let presented = TestPki::self_signed("presented");
    let named = TestPki::self_signed("named");
    let receiver = OtlpReceiver::start_tls(ReceiverTls {
        pki: &presented,
        require_client_certificate: false,
    });
    let log = run_with(variables(&receiver, &named, "http/protobuf"));
    assert!(receiver.requests().is_empty());
    let warnings = log.events("tripod.export.failed");
    assert_eq!(warnings.len(), 3, "one per signal: {}", log.text());
    assert!(
        warnings.iter().all(|warning| warning["reason"] == "tls"),
        "{}",
        log.text()
    );
}

#[test]
fn the_named_self_signed_certificate_must_still_name_the_collector() {
    let pki = TestPki::self_signed_for("other-host", "collector.example");
    let receiver = OtlpReceiver::start_tls(ReceiverTls {
        pki: &pki,
        require_client_certificate: false,
    });
    let log = run_with(variables(&receiver, &pki, "http/protobuf"));
    assert!(receiver.requests().is_empty());
    let warnings = log.events("tripod.export.failed");
    assert_eq!(warnings.len(), 3, "one per signal: {}", log.text());
    for warning in &warnings {
        assert_eq!(warning["reason"], "tls");
        assert!(
            warning["error"]
                .as_str()
                .unwrap()
                .contains("certificate not valid for name"),
            "{warning}"
        );
    }
}
