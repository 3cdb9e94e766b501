//! Test certificates made in-process with rcgen: a CA, a server certificate for 127.0.0.1 signed
//! by it (or one self-signed, as `openssl req -x509` makes it), and a client certificate for
//! mutual TLS, written as PEM files an exporter can be
//! pointed at (`OTEL_EXPORTER_OTLP_CERTIFICATE` and friends).

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

use crate::backends::TempDir;

/// A CA with one server and one client certificate, as PEM text and files.
pub struct TestPki {
    /// The CA certificate.
    pub ca_pem: String,
    /// The server's certificate, for `127.0.0.1` and `localhost`.
    pub server_cert_pem: String,
    /// The server's key.
    pub server_key_pem: String,
    /// A client certificate, for mutual TLS.
    pub client_cert_pem: String,
    /// The client certificate's key.
    pub client_key_pem: String,
    dir: TempDir,
}

impl TestPki {
    /// A fresh CA and its certificates.
    pub fn new(name: &str) -> TestPki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("tripod test CA {name}"));
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(DnType::CommonName, "tripod test client");
        let client_key = KeyPair::generate().unwrap();
        let client = client_params.signed_by(&client_key, &ca).unwrap();
        let pki = TestPki {
            ca_pem: ca.pem(),
            server_cert_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            dir: TempDir::new(&format!("pki-{name}")),
        };
        pki.write_files();
        pki
    }

    /// A server certificate made as `openssl req -x509 -newkey rsa:2048 -nodes -subj
    /// /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1` makes it: self-signed and `CA:TRUE`.
    /// It is its own CA file (what a user names in `OTEL_EXPORTER_OTLP_CERTIFICATE`); the client
    /// certificate is signed by it.
    pub fn self_signed(name: &str) -> TestPki {
        TestPki::self_signed_for(name, "127.0.0.1")
    }

    /// The same for another host (`subject`: its name or address).
    pub fn self_signed_for(name: &str, subject: &str) -> TestPki {
        let mut params = CertificateParams::new(vec![subject.to_owned()]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, subject);
        let key = KeyPair::generate().unwrap();
        let server_key_pem = key.serialize_pem();
        let server = CertifiedIssuer::self_signed(params, key).unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(DnType::CommonName, "tripod test client");
        let client_key = KeyPair::generate().unwrap();
        let client = client_params.signed_by(&client_key, &server).unwrap();
        let pki = TestPki {
            ca_pem: server.pem(),
            server_cert_pem: server.pem(),
            server_key_pem,
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            dir: TempDir::new(&format!("pki-{name}")),
        };
        pki.write_files();
        pki
    }

    fn write_files(&self) {
        for (file, pem) in [
            ("ca.pem", &self.ca_pem),
            ("client.pem", &self.client_cert_pem),
            ("client.key", &self.client_key_pem),
        ] {
            std::fs::write(self.dir.0.join(file), pem).unwrap();
        }
    }

    /// The CA certificate's file.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.0.join("ca.pem")
    }

    /// The client certificate's file.
    pub fn client_cert_file(&self) -> PathBuf {
        self.dir.0.join("client.pem")
    }

    /// The client key's file.
    pub fn client_key_file(&self) -> PathBuf {
        self.dir.0.join("client.key")
    }
}
