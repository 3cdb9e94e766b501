//! Where traces go, per the OpenTelemetry exporter specification.

use std::fmt;
use std::str::FromStr;

/// The OTLP transport, as `OTEL_EXPORTER_OTLP_PROTOCOL` names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// `http/protobuf`, the default: the collector's port 4318.
    #[default]
    HttpProtobuf,
    /// `grpc`: the collector's port 4317.
    Grpc,
}

impl FromStr for Protocol {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            "grpc" => Ok(Protocol::Grpc),
            "http/json" => Err("http/json is not supported; use http/protobuf or grpc".into()),
            other => Err(format!(
                "unknown protocol {other:?}: expected http/protobuf or grpc"
            )),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::Grpc => "grpc",
        })
    }
}

/// The URL traces are sent to: a signal-specific endpoint is used as given; a base endpoint gets
/// `/v1/traces` appended for HTTP, and is used as given for gRPC.
pub(crate) fn traces_endpoint(
    base: Option<&str>,
    traces: Option<&str>,
    protocol: Protocol,
) -> Option<String> {
    if let Some(traces) = traces {
        return Some(traces.to_owned());
    }
    let base = base?;
    Some(match protocol {
        Protocol::HttpProtobuf => format!("{}/v1/traces", base.trim_end_matches('/')),
        Protocol::Grpc => base.to_owned(),
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
            traces_endpoint(Some("http://collector:4318/"), None, Protocol::HttpProtobuf);
        assert_eq!(endpoint.as_deref(), Some("http://collector:4318/v1/traces"));
        let endpoint = traces_endpoint(
            Some("http://collector:4318/prefix"),
            None,
            Protocol::HttpProtobuf,
        );
        assert_eq!(
            endpoint.as_deref(),
            Some("http://collector:4318/prefix/v1/traces")
        );
    }

    #[test]
    fn grpc_and_signal_endpoints_are_used_as_given() {
        assert_eq!(
            traces_endpoint(Some("http://collector:4317"), None, Protocol::Grpc).as_deref(),
            Some("http://collector:4317")
        );
        assert_eq!(
            traces_endpoint(
                Some("http://a:4318"),
                Some("http://b:9999/custom"),
                Protocol::HttpProtobuf
            )
            .as_deref(),
            Some("http://b:9999/custom")
        );
        assert_eq!(traces_endpoint(None, None, Protocol::HttpProtobuf), None);
    }

    #[test]
    fn urls_are_checked() {
        assert!(validate_url("http://127.0.0.1:4318").is_ok());
        assert!(validate_url("localhost:4318").is_err());
        assert!(validate_url("http://").is_err());
        assert!("grpc".parse::<Protocol>().is_ok());
        assert!("http/json".parse::<Protocol>().is_err());
    }
}
