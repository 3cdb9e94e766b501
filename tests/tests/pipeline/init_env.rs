//! The standard environment variables configure `tripod::init()` with no code, and each
//! malformed one is a logged warning and a working default, never a crash.

use crate::support;

use std::time::Duration;

use support::backends::MemoryLog;

type Vars = &'static [(&'static str, &'static str)];

fn build(vars: Vars) -> (tripod::Telemetry, MemoryLog) {
    let log = MemoryLog::default();
    let telemetry = tripod::init()
        .environment(move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
        .log_writer(log.clone())
        .build()
        .expect("malformed variables never fail the build");
    (telemetry, log)
}

#[tripod::observe(name = "env.probe")]
fn probe() -> u8 {
    tracing::debug!("env.debug");
    1
}

/// Runs `probe` under the built subscriber; the log's events.
fn events(telemetry: &tripod::Telemetry, log: &MemoryLog) -> Vec<String> {
    tracing::dispatcher::with_default(telemetry.dispatch(), probe);
    telemetry.flush(Duration::from_secs(5));
    log.json_lines()
        .iter()
        .map(|line| line["event"].as_str().unwrap_or_default().to_owned())
        .collect()
}

// One test: builds run in turn, as thread-local subscribers of parallel tests would race in
// tracing-core's callsite cache.
#[test]
fn each_malformed_variable_is_a_warning_and_a_working_default() {
    // Valid values are used.
    let (telemetry, log) = build(&[
        ("RUST_LOG", "debug"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ]);
    assert!(telemetry.warnings().is_empty());
    assert!(
        events(&telemetry, &log).contains(&"env.debug".to_owned()),
        "RUST_LOG=debug logs debug events"
    );
    assert_eq!(telemetry.otlp_endpoint(), None, "no endpoint: no export");
    drop(telemetry);

    let cases: &[(Vars, &str)] = &[
        (&[("RUST_LOG", "info,[=broken")], "RUST_LOG"),
        (&[("TRIPOD_LOG_FORMAT", "xml")], "TRIPOD_LOG_FORMAT"),
        (
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")],
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")],
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")],
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ),
        (
            &[("OTEL_TRACES_SAMPLER", "sometimes")],
            "OTEL_TRACES_SAMPLER",
        ),
        (
            &[
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "2.5"),
            ],
            "OTEL_TRACES_SAMPLER",
        ),
        (
            &[("OTEL_RESOURCE_ATTRIBUTES", "team=ml,oops")],
            "OTEL_RESOURCE_ATTRIBUTES",
        ),
    ];
    for (vars, variable) in cases {
        let (telemetry, log) = build(vars);
        assert_eq!(
            telemetry.warnings().len(),
            1,
            "{vars:?}: {:?}",
            telemetry.warnings()
        );
        assert!(
            telemetry.warnings()[0].contains(variable),
            "{:?}",
            telemetry.warnings()
        );
        let events = events(&telemetry, &log);
        // The warning is logged, as JSON (the default format), at warn.
        let warning = log
            .json_lines()
            .into_iter()
            .find(|line| line["level"] == "warning")
            .expect("a warning line");
        assert!(
            warning["event"].as_str().unwrap().contains(variable),
            "{warning}"
        );
        // The defaults work: info events are logged, debug ones are not, nothing is exported.
        assert!(
            events.contains(&"env.probe.success".to_owned()),
            "{vars:?}: {events:?}"
        );
        assert!(
            !events.contains(&"env.debug".to_owned()),
            "{vars:?}: the default level is info"
        );
        assert_eq!(telemetry.otlp_endpoint(), None);
    }

    // A bad protocol next to a good endpoint falls back to http/protobuf and still exports.
    let (telemetry, _) = build(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
    ]);
    assert_eq!(
        telemetry.otlp_protocol(),
        Some(tripod::OtlpProtocol::HttpProtobuf)
    );
    assert_eq!(
        telemetry.otlp_endpoint(),
        Some("http://127.0.0.1:9/v1/traces")
    );

    // Each signal goes where its variables say, or under the base endpoint.
    let (telemetry, _) = build(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://127.0.0.1:10/ingest",
        ),
    ]);
    assert!(
        telemetry.warnings().is_empty(),
        "{:?}",
        telemetry.warnings()
    );
    assert_eq!(
        telemetry.otlp_logs_endpoint(),
        Some("http://127.0.0.1:9/v1/logs")
    );
    assert_eq!(
        telemetry.otlp_metrics_endpoint(),
        Some("http://127.0.0.1:10/ingest")
    );
    assert!(
        telemetry.prometheus_handle().is_some(),
        "and /metrics beside"
    );
    drop(telemetry);

    // The exporter lists turn signals off: traces and `/metrics` here, metrics over OTLP kept.
    let (telemetry, log) = build(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "console"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
    ]);
    assert_eq!(telemetry.otlp_endpoint(), None);
    assert_eq!(telemetry.otlp_logs_endpoint(), None);
    assert_eq!(
        telemetry.otlp_metrics_endpoint(),
        Some("http://127.0.0.1:9/v1/metrics")
    );
    assert!(telemetry.prometheus_handle().is_none(), "no /metrics");
    assert!(telemetry.recorder().is_some(), "the recorder serves OTLP");
    assert!(events(&telemetry, &log).contains(&"env.probe.success".to_owned()));
    drop(telemetry);

    // An exporter tripod does not have is a warning; the others still apply.
    let (telemetry, _) = build(&[("OTEL_TRACES_EXPORTER", "zipkin")]);
    assert_eq!(telemetry.warnings().len(), 1, "{:?}", telemetry.warnings());
    assert!(telemetry.warnings()[0].starts_with("OTEL_TRACES_EXPORTER"));
}
