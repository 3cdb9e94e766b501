//! The OTLP exporter's variables beyond the endpoint: headers, compression, TLS files, timeout
//! and span limits, each signal-specific `OTEL_EXPORTER_OTLP_TRACES_*` variable over its general
//! `OTEL_EXPORTER_OTLP_*` one. A value that cannot be used is a warning that names the variable
//! it came from (never a header's value), and the default applies.

use std::time::Duration;

use crate::otlp::{Compression, ExportConfig};

/// The first of the traces-specific and the general variable that is set: its name and value.
fn either(
    var: &dyn Fn(&str) -> Option<String>,
    specific: &'static str,
    general: &'static str,
) -> Option<(&'static str, String)> {
    var(specific)
        .map(|value| (specific, value))
        .or_else(|| var(general).map(|value| (general, value)))
}

/// Reads the export settings; problems go to `warnings`.
pub(crate) fn read(
    var: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> (ExportConfig, Option<Duration>) {
    let mut config = ExportConfig::default();
    if let Some((name, list)) = either(
        var,
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "OTEL_EXPORTER_OTLP_HEADERS",
    ) {
        let (pairs, mut problems) = super::key_values::parse(&list);
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
    if let Some((name, value)) = either(
        var,
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
    ) {
        match value.as_str() {
            "gzip" => config.compression = Compression::Gzip,
            "none" => config.compression = Compression::None,
            other => warnings.push(format!(
                "{name}={other:?} is neither \"gzip\" nor \"none\"; sending uncompressed"
            )),
        }
    }
    let mut files = config.tls.clone();
    for (slot, specific, general) in [
        (
            &mut files.ca,
            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
        ),
        (
            &mut files.client_certificate,
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
        ),
        (
            &mut files.client_key,
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
            "OTEL_EXPORTER_OTLP_CLIENT_KEY",
        ),
    ] {
        *slot = either(var, specific, general).map(|(_, path)| path.into());
    }
    match crate::otlp::check_tls(&files) {
        Ok(()) => config.tls = files,
        Err(problem) => warnings.push(format!(
            "OTEL_EXPORTER_OTLP_*CERTIFICATE/CLIENT_KEY: {problem}; using the platform's root \
             certificates and no client certificate"
        )),
    }
    let timeout = either(
        var,
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    )
    .and_then(|(name, value)| match value.parse::<u64>() {
        Ok(millis) => Some(Duration::from_millis(millis)),
        Err(_) => {
            warnings.push(format!(
                "{name}={value:?} is not a number of milliseconds; using 10000"
            ));
            None
        }
    });
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
    let limits = &mut config.limits;
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
    (config, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_from(vars: &'static [(&'static str, &'static str)]) -> (ExportConfig, Vec<String>) {
        let var = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let mut warnings = Vec::new();
        let (config, _) = read(&var, &mut warnings);
        (config, warnings)
    }

    #[test]
    fn headers_are_percent_decoded_pairs_and_bad_ones_are_named_by_key_only() {
        let (config, warnings) = read_from(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=s3cr%3Dt , x-tenant=team%20a,bad key=hidden-value,novalue",
        )]);
        let pairs: Vec<(String, String)> = config
            .headers
            .0
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("api-key".to_owned(), "s3cr=t".to_owned()),
                ("x-tenant".to_owned(), "team a".to_owned())
            ]
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .all(|warning| !warning.contains("hidden-value"))
        );
        assert!(
            config
                .headers
                .0
                .iter()
                .all(|(_, value)| value.is_sensitive())
        );
        assert!(!format!("{:?}", config.headers).contains("s3cr"));
    }

    #[test]
    fn traces_variables_win_over_general_ones() {
        let (config, warnings) = read_from(&[
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=general"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=traces"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "64"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "10"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "256"),
        ]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.headers.0[0].1, "traces");
        assert_eq!(config.compression, Compression::Gzip);
        assert_eq!(config.limits.attributes, 64);
        assert_eq!(config.limits.event_attributes, 64);
        assert_eq!(config.limits.events, 10);
        assert_eq!(config.limits.value_length, Some(256));
    }

    #[test]
    fn bad_values_are_warnings_naming_the_variable_and_never_a_header_value() {
        let (config, warnings) = read_from(&[
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "bad key=topsecret"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "lots"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon"),
        ]);
        assert_eq!(warnings.len(), 5, "{warnings:#?}");
        assert!(warnings[0].starts_with("OTEL_EXPORTER_OTLP_TRACES_HEADERS"));
        assert!(warnings[1].starts_with("OTEL_EXPORTER_OTLP_COMPRESSION"));
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"))
        );
        assert!(
            warnings
                .iter()
                .all(|warning| !warning.contains("topsecret"))
        );
        assert!(config.headers.0.is_empty());
        assert!(config.tls.ca.is_none());
        assert_eq!(config.limits.events, 128);
    }
}
