//! How a signal is exported, beyond where to: headers, compression and TLS files, as
//! `tripod::init()` reads them from the `OTEL_EXPORTER_OTLP_*` variables (or the builder).

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

/// The PEM files for TLS to the endpoint.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsFiles {
    /// CA certificates trusted besides the platform's roots (`OTEL_EXPORTER_OTLP_CERTIFICATE`).
    pub(crate) ca: Option<PathBuf>,
    /// The client certificate chain, for mutual TLS (`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`).
    pub(crate) client_certificate: Option<PathBuf>,
    /// Its private key (`OTEL_EXPORTER_OTLP_CLIENT_KEY`).
    pub(crate) client_key: Option<PathBuf>,
}

/// Everything about a signal's export but its endpoint, protocol and queue.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExportConfig {
    pub(crate) headers: Headers,
    pub(crate) compression: Compression,
    pub(crate) tls: TlsFiles,
}
