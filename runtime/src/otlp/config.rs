//! How spans are exported, beyond where to: headers, compression, TLS files and span limits, as
//! the `OTEL_EXPORTER_OTLP_*` and `OTEL_*_LIMIT` variables (or the builder) give them.

use std::fmt;
use std::path::PathBuf;

use http::header::{HeaderName, HeaderValue};

/// Extra request headers (an API key, a tenant). Values are sensitive: they never appear in
/// `Debug` output or log lines.
#[derive(Clone, Default)]
pub(crate) struct Headers(pub(crate) Vec<(HeaderName, HeaderValue)>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| format!("{name}: <redacted>")))
            .finish()
    }
}

impl Headers {
    /// Parses `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs separated by `,`, keys and values
    /// percent-decoded (the W3C baggage format the specification names). A pair that is no
    /// valid header is skipped and named (by its key only) in the returned warnings.
    pub(crate) fn parse(list: &str) -> (Headers, Vec<String>) {
        let mut headers = Headers::default();
        let mut problems = Vec::new();
        for pair in list
            .split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
        {
            let Some((key, value)) = pair.split_once('=') else {
                problems.push("an entry without `=`".to_owned());
                continue;
            };
            let key = crate::init::percent_decode(key.trim());
            match headers.insert(&key, &crate::init::percent_decode(value.trim())) {
                Ok(()) => {}
                Err(problem) => problems.push(problem),
            }
        }
        (headers, problems)
    }

    /// Adds a header; the error names the key, never the value.
    pub(crate) fn insert(&mut self, key: &str, value: &str) -> Result<(), String> {
        let name =
            HeaderName::try_from(key).map_err(|_| format!("{key:?} is no valid header name"))?;
        let mut value = HeaderValue::try_from(value)
            .map_err(|_| format!("the value of {key:?} is no valid header value"))?;
        value.set_sensitive(true);
        self.0.retain(|(existing, _)| existing != name);
        self.0.push((name, value));
        Ok(())
    }
}

/// Request body compression (`OTEL_EXPORTER_OTLP_COMPRESSION`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Compression {
    /// None, the default.
    #[default]
    None,
    /// gzip.
    Gzip,
}

/// The PEM files for TLS to the collector.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsFiles {
    /// CA certificates trusted besides the platform's roots (`OTEL_EXPORTER_OTLP_CERTIFICATE`).
    pub(crate) ca: Option<PathBuf>,
    /// The client certificate chain, for mutual TLS (`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`).
    pub(crate) client_certificate: Option<PathBuf>,
    /// Its private key (`OTEL_EXPORTER_OTLP_CLIENT_KEY`).
    pub(crate) client_key: Option<PathBuf>,
}

/// Everything about an export but its endpoint, protocol and queue.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExportConfig {
    pub(crate) headers: Headers,
    pub(crate) compression: Compression,
    pub(crate) tls: TlsFiles,
    pub(crate) limits: crate::capture::SpanLimits,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_percent_decoded_pairs_and_bad_ones_are_named_by_key_only() {
        let (headers, problems) =
            Headers::parse("api-key=s3cr%3Dt , x-tenant=team%20a,bad key=hidden-value,novalue");
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
            ]
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|problem| !problem.contains("hidden-value"))
        );
        assert!(headers.0.iter().all(|(_, value)| value.is_sensitive()));
        assert!(!format!("{headers:?}").contains("s3cr"));
    }
}
