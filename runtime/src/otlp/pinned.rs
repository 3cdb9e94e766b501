//! Trusting exactly the certificate the user named: an OTLP endpoint set up with a self-signed
//! certificate (`openssl req -x509 …`, which marks it `CA:TRUE`) presents as its own the very
//! certificate named in `OTEL_EXPORTER_OTLP_CERTIFICATE`. webpki refuses a CA certificate as an
//! end entity (`CaUsedAsEndEntity`); OpenSSL-based SDKs accept it, and so does this verifier:
//! a server certificate byte-for-byte equal to one of the named ones is accepted when it is
//! valid for the endpoint's name (the handshake's signatures are still checked with its key);
//! any other is verified against the roots by webpki, as before.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

/// webpki's verification, with the named certificates accepted as they are.
#[derive(Debug)]
pub(crate) struct PinnedOrRoots {
    pinned: Vec<CertificateDer<'static>>,
    roots: Arc<WebPkiServerVerifier>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedOrRoots {
    /// Verifies against `roots`, accepting any of `pinned` as it is.
    pub(crate) fn new(
        pinned: Vec<CertificateDer<'static>>,
        roots: RootCertStore,
        provider: Arc<CryptoProvider>,
    ) -> Result<PinnedOrRoots, String> {
        let algorithms = provider.signature_verification_algorithms;
        let roots = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|error| format!("TLS setup: {error}"))?;
        Ok(PinnedOrRoots {
            pinned,
            roots,
            algorithms,
        })
    }
}

impl ServerCertVerifier for PinnedOrRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if self
            .pinned
            .iter()
            .any(|pinned| pinned.as_ref() == end_entity.as_ref())
        {
            let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_name(&parsed, server_name)?;
            return Ok(ServerCertVerified::assertion());
        }
        self.roots
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
