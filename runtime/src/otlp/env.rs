//! The OTLP exporter's variables, for each signal: endpoint, protocol, headers, compression, TLS
//! files and timeout, each `OTEL_EXPORTER_OTLP_{TRACES,LOGS,METRICS}_*` variable over its general
//! `OTEL_EXPORTER_OTLP_*` one; the span limits; the metric reader's interval, timeout and
//! temporality. A value that cannot be used is a warning that names the variable it came from
//! (never a header's value), and the default applies.

use std::time::Duration;

use super::{Compression, ExportConfig, OtlpProtocol, Signal, Temporality, validate_url};
use crate::capture::SpanLimits;

/// What the environment says about one signal's export.
#[derive(Debug, Default)]
pub(crate) struct SignalEnv {
    /// `OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT`: used as given.
    pub(crate) endpoint: Option<String>,
    pub(crate) protocol: Option<OtlpProtocol>,
    pub(crate) timeout: Option<Duration>,
    /// Headers, compression and TLS files.
    pub(crate) export: ExportConfig,
    /// Whether a compression variable was set (so the builder's choice does not stand).
    pub(crate) compression_set: bool,
}

/// What the environment says about OTLP.
#[derive(Debug, Default)]
pub(crate) struct OtlpEnv {
    signals: [SignalEnv; 3],
    pub(crate) limits: SpanLimits,
    /// `OTEL_METRIC_EXPORT_INTERVAL` and `OTEL_METRIC_EXPORT_TIMEOUT`.
    pub(crate) metric_interval: Option<Duration>,
    pub(crate) metric_timeout: Option<Duration>,
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    pub(crate) temporality: Option<Temporality>,
    /// `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION`: whether histograms go as
    /// base-2 exponential ones.
    pub(crate) exponential_histograms: Option<bool>,
}

impl OtlpEnv {
    pub(crate) fn signal(&self, signal: Signal) -> &SignalEnv {
        &self.signals[signal as usize]
    }
}

/// The upper-case name a signal's variables carry: `TRACES`, `LOGS`, `METRICS`.
fn upper(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "TRACES",
        Signal::Logs => "LOGS",
        Signal::Metrics => "METRICS",
    }
}

/// The first of `OTEL_EXPORTER_OTLP_{SIGNAL}_{what}` and `OTEL_EXPORTER_OTLP_{what}` that is set:
/// its name and value.
fn either(
    var: &dyn Fn(&str) -> Option<String>,
    signal: Signal,
    what: &str,
) -> Option<(String, String)> {
    let specific = format!("OTEL_EXPORTER_OTLP_{}_{what}", upper(signal));
    let general = format!("OTEL_EXPORTER_OTLP_{what}");
    var(&specific)
        .map(|value| (specific, value))
        .or_else(|| var(&general).map(|value| (general, value)))
}

/// A number of milliseconds, or a warning naming `name` and the default.
fn millis(name: &str, value: &str, default: &str, warnings: &mut Vec<String>) -> Option<Duration> {
    match value.parse::<u64>() {
        Ok(millis) => Some(Duration::from_millis(millis)),
        Err(_) => {
            warnings.push(format!(
                "{name}={value:?} is not a number of milliseconds; using {default}"
            ));
            None
        }
    }
}

/// Reads the export settings of every signal; problems go to `warnings`.
pub(crate) fn read(var: &dyn Fn(&str) -> Option<String>, warnings: &mut Vec<String>) -> OtlpEnv {
    // A general variable serves every signal: its warning is said once.
    let mut said = Vec::new();
    let signals = Signal::ALL.map(|signal| read_signal(var, signal, &mut said));
    for warning in said {
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    let mut env = OtlpEnv {
        signals,
        limits: read_limits(var, warnings),
        ..OtlpEnv::default()
    };
    if let Some(value) = var("OTEL_METRIC_EXPORT_INTERVAL") {
        env.metric_interval = millis("OTEL_METRIC_EXPORT_INTERVAL", &value, "60000", warnings)
            .filter(|interval| !interval.is_zero());
    }
    if let Some(value) = var("OTEL_METRIC_EXPORT_TIMEOUT") {
        env.metric_timeout = millis("OTEL_METRIC_EXPORT_TIMEOUT", &value, "30000", warnings);
    }
    if let Some(value) = var("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE") {
        match value.to_ascii_lowercase().as_str() {
            "cumulative" => env.temporality = Some(Temporality::Cumulative),
            // tripod's counters and histograms are synchronous: low memory means delta for both.
            "delta" | "lowmemory" => env.temporality = Some(Temporality::Delta),
            other => warnings.push(format!(
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE={other:?} is none of \
                 \"cumulative\", \"delta\" and \"lowmemory\"; using cumulative"
            )),
        }
    }
    if let Some(value) = var("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION") {
        match value.to_ascii_lowercase().as_str() {
            "explicit_bucket_histogram" => env.exponential_histograms = Some(false),
            "base2_exponential_bucket_histogram" => env.exponential_histograms = Some(true),
            other => warnings.push(format!(
                "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION={other:?} is neither \
                 \"explicit_bucket_histogram\" nor \"base2_exponential_bucket_histogram\"; \
                 using explicit buckets"
            )),
        }
    }
    env
}

fn read_signal(
    var: &dyn Fn(&str) -> Option<String>,
    signal: Signal,
    warnings: &mut Vec<String>,
) -> SignalEnv {
    let mut env = SignalEnv::default();
    let specific = format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", upper(signal));
    if let Some(url) = var(&specific) {
        match validate_url(&url) {
            Ok(()) => env.endpoint = Some(url),
            Err(problem) => warnings.push(format!("{specific}: {problem}; ignoring it")),
        }
    }
    if let Some((name, protocol)) = either(var, signal, "PROTOCOL") {
        match protocol.parse() {
            Ok(protocol) => env.protocol = Some(protocol),
            Err(problem) => warnings.push(format!("{name}: {problem}; using http/protobuf")),
        }
    }
    let config = &mut env.export;
    if let Some((name, list)) = either(var, signal, "HEADERS") {
        let (pairs, mut problems) = crate::key_values::parse(&list);
        for (key, value) in pairs {
            if let Err(problem) = config.headers.insert(&key, &value) {
                problems.push(problem);
            }
        }
        warnings.extend(
            problems
                .into_iter()
                .map(|problem| format!("{name}: skipping {problem}")),
        );
    }
    if let Some((name, value)) = either(var, signal, "COMPRESSION") {
        env.compression_set = true;
        match value.as_str() {
            "gzip" => config.compression = Compression::Gzip,
            "none" => config.compression = Compression::None,
            other => warnings.push(format!(
                "{name}={other:?} is neither \"gzip\" nor \"none\"; sending uncompressed"
            )),
        }
    }
    let mut files = config.tls.clone();
    let mut named = Vec::new();
    for (slot, what) in [
        (&mut files.ca, "CERTIFICATE"),
        (&mut files.client_certificate, "CLIENT_CERTIFICATE"),
        (&mut files.client_key, "CLIENT_KEY"),
    ] {
        *slot = either(var, signal, what).map(|(name, path)| {
            named.push(name);
            path.into()
        });
    }
    match crate::otlp::check_tls(&files) {
        Ok(()) => config.tls = files,
        Err(problem) => warnings.push(format!(
            "{}: {problem}; using the platform's root certificates and no client certificate",
            named.join(", ")
        )),
    }
    env.timeout = either(var, signal, "TIMEOUT")
        .and_then(|(name, value)| millis(&name, &value, "10000", warnings));
    env
}

/// The span limits (`OTEL_SPAN_*_LIMIT`, `OTEL_ATTRIBUTE_*_LIMIT`).
fn read_limits(var: &dyn Fn(&str) -> Option<String>, warnings: &mut Vec<String>) -> SpanLimits {
    let mut limit = |names: &[&'static str]| -> Option<u32> {
        let (name, value) = names
            .iter()
            .find_map(|name| var(name).map(|value| (*name, value)))?;
        match value.parse::<u32>() {
            Ok(limit) => Some(limit),
            Err(_) => {
                warnings.push(format!(
                    "{name}={value:?} is not a whole number; using the default"
                ));
                None
            }
        }
    };
    let mut limits = SpanLimits::default();
    if let Some(value) = limit(&[
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
    ]) {
        limits.attributes = value;
    }
    if let Some(value) = limit(&["OTEL_SPAN_EVENT_COUNT_LIMIT"]) {
        limits.events = value;
    }
    if let Some(value) = limit(&["OTEL_SPAN_LINK_COUNT_LIMIT"]) {
        limits.links = value;
    }
    if let Some(value) = limit(&[
        "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
    ]) {
        limits.event_attributes = value;
    }
    if let Some(value) = limit(&[
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    ]) {
        limits.value_length = Some(value as usize);
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_from(vars: &'static [(&'static str, &'static str)]) -> (OtlpEnv, Vec<String>) {
        let var = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let mut warnings = Vec::new();
        let env = read(&var, &mut warnings);
        (env, warnings)
    }

    #[test]
    fn headers_are_percent_decoded_pairs_and_bad_ones_are_named_by_key_only() {
        let (env, warnings) = read_from(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=s3cr%3Dt , x-tenant=team%20a,bad key=hidden-value,novalue",
        )]);
        for signal in Signal::ALL {
            let headers = &env.signal(signal).export.headers;
            let pairs: Vec<(String, String)> = headers
                .0
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
                .collect();
            assert_eq!(
                pairs,
                [
                    ("api-key".to_owned(), "s3cr=t".to_owned()),
                    ("x-tenant".to_owned(), "team a".to_owned())
                ],
                "{signal:?}"
            );
            assert!(headers.0.iter().all(|(_, value)| value.is_sensitive()));
            assert!(!format!("{headers:?}").contains("s3cr"));
        }
        assert_eq!(warnings.len(), 2, "each said once: {warnings:?}");
        assert!(
            warnings
                .iter()
                .all(|warning| !warning.contains("hidden-value"))
        );
    }

    #[test]
    fn each_signals_variables_win_over_general_ones_for_that_signal_only() {
        let (env, warnings) = read_from(&[
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=general"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=traces"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "grpc"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://metrics:9999/ingest",
            ),
            ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2500"),
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "64"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "10"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "256"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "5000"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                "LowMemory",
            ),
            (
                "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
                "base2_exponential_bucket_histogram",
            ),
        ]);
        assert_eq!(env.exponential_histograms, Some(true));
        assert!(warnings.is_empty(), "{warnings:?}");
        let (traces, logs, metrics) = (
            env.signal(Signal::Traces),
            env.signal(Signal::Logs),
            env.signal(Signal::Metrics),
        );
        assert_eq!(traces.export.headers.0[0].1, "traces");
        assert_eq!(logs.export.headers.0[0].1, "general");
        assert_eq!(traces.export.compression, Compression::Gzip);
        assert_eq!(logs.export.compression, Compression::None);
        assert_eq!(
            (traces.protocol, logs.protocol),
            (None, Some(OtlpProtocol::Grpc))
        );
        assert_eq!(
            metrics.endpoint.as_deref(),
            Some("http://metrics:9999/ingest")
        );
        assert_eq!(traces.endpoint, None);
        assert_eq!(metrics.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(env.limits.attributes, 64);
        assert_eq!(env.limits.event_attributes, 64);
        assert_eq!(env.limits.events, 10);
        assert_eq!(env.limits.value_length, Some(256));
        assert_eq!(env.metric_interval, Some(Duration::from_secs(5)));
        assert_eq!(env.temporality, Some(Temporality::Delta));
    }

    #[test]
    fn bad_values_are_warnings_naming_the_variable_and_never_a_header_value() {
        let (env, warnings) = read_from(&[
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "bad key=topsecret"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "lots"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon"),
            ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "collector:4318"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "often"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                "sometimes",
            ),
        ]);
        assert_eq!(warnings.len(), 8, "{warnings:#?}");
        for variable in [
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            "OTEL_SPAN_EVENT_COUNT_LIMIT",
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
            "OTEL_METRIC_EXPORT_INTERVAL",
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
        ] {
            assert!(
                warnings.iter().any(|w| w.starts_with(variable)),
                "{variable}: {warnings:#?}"
            );
        }
        assert!(
            warnings
                .iter()
                .all(|warning| !warning.contains("topsecret"))
        );
        let traces = env.signal(Signal::Traces);
        assert!(traces.export.headers.0.is_empty());
        assert!(traces.export.tls.ca.is_none());
        assert_eq!(env.signal(Signal::Logs).endpoint, None);
        assert_eq!(env.limits.events, 128);
        assert_eq!((env.metric_interval, env.temporality), (None, None));
    }
}
