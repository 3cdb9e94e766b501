//! TLS to the endpoint: rustls with the `ring` provider, trusting the platform's root
//! certificates (webpki's when the platform has none), plus a CA file when one is given (whose
//! certificates are also accepted as the server's own, `pinned.rs`), and presenting a client
//! certificate for mutual TLS when one is given.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use super::config::TlsFiles;

/// The rustls configuration for `files`; the error says which file is unusable and why.
pub(crate) fn client_config(files: &TlsFiles) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    let mut pinned = Vec::new();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(ca) = &files.ca {
        pinned = certificates(ca)?;
        let added = pinned
            .iter()
            .filter(|certificate| roots.add((*certificate).clone()).is_ok())
            .count();
        if added == 0 {
            return Err(format!("{} holds no usable CA certificate", ca.display()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = super::pinned::PinnedOrRoots::new(pinned, roots, provider.clone())?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS setup: {error}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    match (&files.client_certificate, &files.client_key) {
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some(certificate), Some(key)) => {
            let chain = certificates(certificate)?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|error| format!("{}: no private key ({error})", key.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| format!("client certificate and key: {error}"))
        }
        (Some(_), None) => {
            Err("a client certificate without its key (OTEL_EXPORTER_OTLP_CLIENT_KEY)".to_owned())
        }
        (None, Some(_)) => Err(
            "a client key without its certificate (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE)"
                .to_owned(),
        ),
    }
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|error| format!("{}: {error}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|error| format!("{}: {error}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_files_are_named() {
        let missing = TlsFiles {
            ca: Some("/nonexistent/ca.pem".into()),
            ..TlsFiles::default()
        };
        let error = client_config(&missing).unwrap_err();
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
        let half = TlsFiles {
            client_certificate: Some("/nonexistent/client.pem".into()),
            ..TlsFiles::default()
        };
        assert!(
            client_config(&half)
                .unwrap_err()
                .contains("without its key")
        );
        assert!(client_config(&TlsFiles::default()).is_ok());
    }
}
