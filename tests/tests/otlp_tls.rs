//! An app configured only through the standard `OTEL_EXPORTER_OTLP_*` variables exports over TLS
//! with an API-key header and gzip to a receiver that checks all three, over HTTP/protobuf and
//! gRPC; mutual TLS works with a client certificate; a wrong CA is one clear warning, no export,
//! and the app unharmed. Header values never reach the logs.

mod support;

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
        .export_timeout(Duration::from_secs(5))
        .build()
        .expect("builds");
    tracing::dispatcher::with_default(telemetry.dispatch(), || {
        for text in ["a", "bb", "ccc"] {
            assert_eq!(predict(text).unwrap(), text.len(), "the app is unharmed");
        }
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

fn check_delivery(receiver: &OtlpReceiver, path: &str, log: &MemoryLog) {
    let requests = receiver.requests();
    assert!(!requests.is_empty(), "nothing arrived; log: {}", log.text());
    for request in &requests {
        assert_eq!(request.path, path);
        assert_eq!(request.headers["api-key"], API_KEY);
        assert_eq!(request.headers["x-tenant"], "ml");
        assert!(request.gzipped, "the body was gzipped");
    }
    let spans = receiver.spans();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    assert!(spans.iter().all(|span| span.service_name == "tls-test"));
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
    check_delivery(&receiver, "/v1/traces", &log);
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
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
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
fn a_wrong_ca_is_one_clear_warning_and_no_export() {
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
    let warnings = log.events("tripod.export.failed");
    assert_eq!(warnings.len(), 1, "{}", log.text());
    let warning = &warnings[0];
    assert_eq!(warning["level"], "warning");
    assert_eq!(warning["reason"], "tls", "{warning}");
    assert_eq!(
        warning["endpoint"],
        format!("{}/v1/traces", receiver.endpoint())
    );
    assert!(
        warning["error"].as_str().unwrap().contains("certificate"),
        "the cause is named: {warning}"
    );
    assert_eq!(warning["spans"], 3);
    assert!(!log.text().contains("s3cret"));
}
