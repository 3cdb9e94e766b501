//! Where each signal goes, per the OpenTelemetry exporter specification.

use std::fmt;
use std::str::FromStr;

use super::signal::Signal;

/// The OTLP transport, as `OTEL_EXPORTER_OTLP_PROTOCOL` names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OtlpProtocol {
    /// `http/protobuf`, the default: the endpoint's port 4318.
    #[default]
    HttpProtobuf,
    /// `grpc`: the endpoint's port 4317.
    Grpc,
}

impl FromStr for OtlpProtocol {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "http/protobuf" => Ok(OtlpProtocol::HttpProtobuf),
            "grpc" => Ok(OtlpProtocol::Grpc),
            "http/json" => Err("http/json is not supported; use http/protobuf or grpc".into()),
            other => Err(format!(
                "unknown protocol {other:?}: expected http/protobuf or grpc"
            )),
        }
    }
}

impl fmt::Display for OtlpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OtlpProtocol::HttpProtobuf => "http/protobuf",
            OtlpProtocol::Grpc => "grpc",
        })
    }
}

/// The URL a signal is sent to: a signal-specific endpoint is used as given; a base endpoint gets
/// the signal's path (`/v1/traces`, `/v1/logs`, `/v1/metrics`) appended for HTTP, and is used as
/// given for gRPC.
pub(crate) fn signal_endpoint(
    base: Option<&str>,
    specific: Option<&str>,
    protocol: OtlpProtocol,
    signal: Signal,
) -> Option<String> {
    if let Some(specific) = specific {
        return Some(specific.to_owned());
    }
    let base = base?;
    Some(match protocol {
        OtlpProtocol::HttpProtobuf => {
            format!("{}{}", base.trim_end_matches('/'), signal.http_path())
        }
        OtlpProtocol::Grpc => base.to_owned(),
    })
}

/// Checks that `url` is an `http://` or `https://` URL with a host.
pub(crate) fn validate_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("{url:?} is not an http:// or https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("{url:?} has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_appends_the_signal_path_to_a_base_endpoint() {
        let endpoint =
            |base, signal| signal_endpoint(Some(base), None, OtlpProtocol::HttpProtobuf, signal);
        assert_eq!(
            endpoint("http://collector:4318/", Signal::Traces).as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        assert_eq!(
            endpoint("http://collector:4318/prefix", Signal::Logs).as_deref(),
            Some("http://collector:4318/prefix/v1/logs")
        );
        assert_eq!(
            endpoint("http://collector:4318", Signal::Metrics).as_deref(),
            Some("http://collector:4318/v1/metrics")
        );
    }

    #[test]
    fn grpc_and_signal_endpoints_are_used_as_given() {
        assert_eq!(
            signal_endpoint(
                Some("http://collector:4317"),
                None,
                OtlpProtocol::Grpc,
                Signal::Logs
            )
            .as_deref(),
            Some("http://collector:4317")
        );
        assert_eq!(
            signal_endpoint(
                Some("http://a:4318"),
                Some("http://b:9999/custom"),
                OtlpProtocol::HttpProtobuf,
                Signal::Traces
            )
            .as_deref(),
            Some("http://b:9999/custom")
        );
        assert_eq!(
            signal_endpoint(None, None, OtlpProtocol::HttpProtobuf, Signal::Traces),
            None
        );
    }

    #[test]
    fn urls_are_checked() {
        assert!(validate_url("http://127.0.0.1:4318").is_ok());
        assert!(validate_url("localhost:4318").is_err());
        assert!(validate_url("http://").is_err());
        assert!("grpc".parse::<OtlpProtocol>().is_ok());
        assert!("http/json".parse::<OtlpProtocol>().is_err());
    }
}
