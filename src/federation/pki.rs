//! The federation's own certificates: the hub keeps a private CA that signs
//! its federation certificate and one client certificate per enrolled edge;
//! edges pin that CA at enrollment. Nothing here trusts the system's roots.
//! Invariant: private keys are written with mode 0600 and never leave the box
//! that made them (an edge's key is made on the edge, only its public key
//! travels).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData, SignatureAlgorithm,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime, pem::PemObject};

use super::wire::HUB_NAME;

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("{path}: not a usable PEM file ({detail})")]
    Pem { path: PathBuf, detail: String },
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    #[error("client verifier: {0}")]
    Verifier(String),
}

type Result<T> = std::result::Result<T, PkiError>;

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| PkiError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes `text` to `path`, readable by the owner only when `secret`.
pub fn write(path: &Path, text: &str, secret: bool) -> Result<()> {
    let io = |source| PkiError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

fn ca_params() -> Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(DnType::CommonName, "kiosque federation CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

/// The hub's CA and federation certificate, in `<data>/federation/`.
#[derive(Debug)]
pub struct HubPki {
    ca_key: KeyPair,
    pub ca_pem: String,
    server_pem: String,
    server_key_pem: String,
}

impl HubPki {
    /// Loads the hub's CA, or makes it on first start.
    pub fn load_or_create(dir: &Path) -> Result<HubPki> {
        let (ca_key_path, ca_path) = (dir.join("ca.key"), dir.join("ca.pem"));
        let (key_path, cert_path) = (dir.join("hub.key"), dir.join("hub.pem"));
        if !ca_key_path.exists() {
            let ca_key = KeyPair::generate()?;
            let ca = ca_params()?.self_signed(&ca_key)?;
            write(&ca_key_path, &ca_key.serialize_pem(), true)?;
            write(&ca_path, &ca.pem(), false)?;
        }
        let ca_key_pem = read(&ca_key_path)?;
        let ca_key = KeyPair::from_pem(&ca_key_pem).map_err(|e| PkiError::Pem {
            path: ca_key_path.clone(),
            detail: e.to_string(),
        })?;
        let ca_pem = read(&ca_path)?;
        if !key_path.exists() || !cert_path.exists() {
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::new(vec![HUB_NAME.to_owned()])?;
            params
                .distinguished_name
                .push(DnType::CommonName, "kiosque hub");
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let issuer = Issuer::new(ca_params()?, &ca_key);
            let cert = params.signed_by(&key, &issuer)?;
            write(&key_path, &key.serialize_pem(), true)?;
            write(&cert_path, &cert.pem(), false)?;
        }
        Ok(HubPki {
            ca_key,
            ca_pem,
            server_pem: read(&cert_path)?,
            server_key_pem: read(&key_path)?,
        })
    }

    /// Signs a client certificate for edge `edge_id` over its public key
    /// (a P-256 point); returns the certificate in PEM and its DER.
    pub fn issue_edge_certificate(
        &self,
        edge_id: &str,
        public_key: &[u8],
    ) -> Result<(String, Vec<u8>)> {
        if public_key.len() != 65 || public_key[0] != 4 {
            return Err(PkiError::Verifier(
                "the edge's public key is not an uncompressed P-256 point".into(),
            ));
        }
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, edge_id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let issuer = Issuer::new(ca_params()?, &self.ca_key);
        let cert = params.signed_by(&RawP256(public_key.to_vec()), &issuer)?;
        Ok((cert.pem(), cert.der().to_vec()))
    }

    /// The TLS configuration of the federation listener: our CA's
    /// certificates are asked for but optional, because enrollment comes
    /// before an edge has one; every other call checks the peer in the handler.
    pub fn server_config(&self) -> Result<rustls::ServerConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in certificates(&self.ca_pem, Path::new("ca.pem"))? {
            roots.add(cert)?;
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
            .allow_unauthenticated()
            .build()
            .map_err(|e| PkiError::Verifier(e.to_string()))?;
        let chain = certificates(&self.server_pem, Path::new("hub.pem"))?;
        let key = private_key(&self.server_key_pem, Path::new("hub.key"))?;
        let mut config = rustls::ServerConfig::builder()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// A public key received from an edge, for rcgen to sign.
struct RawP256(Vec<u8>);

impl PublicKeyData for RawP256 {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

fn certificates(pem: &str, origin: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs: std::result::Result<Vec<_>, _> =
        CertificateDer::pem_slice_iter(pem.as_bytes()).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(PkiError::Pem {
            path: origin.to_owned(),
            detail: "no certificate".into(),
        }),
        Err(e) => Err(PkiError::Pem {
            path: origin.to_owned(),
            detail: e.to_string(),
        }),
    }
}

fn private_key(pem: &str, origin: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| PkiError::Pem {
        path: origin.to_owned(),
        detail: e.to_string(),
    })
}

/// A new key pair for an edge, made on the edge.
pub fn new_edge_key() -> Result<KeyPair> {
    Ok(KeyPair::generate()?)
}

/// The TLS configuration of an edge's calls to its hub: our CA only, the
/// hub's fixed federation name, and the edge's client certificate.
pub fn client_config(ca_pem: &str, cert_pem: &str, key_pem: &str) -> Result<rustls::ClientConfig> {
    let verifier = Arc::new(PinnedHub::new(ca_pem)?);
    let chain = certificates(cert_pem, Path::new("edge.pem"))?;
    let key = private_key(key_pem, Path::new("edge.key"))?;
    let mut config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The TLS configuration of `kiosque enroll`: the CA is not known yet, so the
/// hub's certificate is not checked here; the enrollment messages themselves
/// are authenticated with the one-time code (see `wire::EnrollRequest`).
pub fn enroll_client_config() -> rustls::ClientConfig {
    let mut config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServer))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// Checks the hub's certificate against the pinned federation CA, under the
/// fixed [`HUB_NAME`] whatever address the edge dialled.
#[derive(Debug)]
struct PinnedHub {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
}

impl PinnedHub {
    fn new(ca_pem: &str) -> Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in certificates(ca_pem, Path::new("ca.pem"))? {
            roots.add(cert)?;
        }
        let inner = rustls::client::WebPkiServerVerifier::builder(Arc::new(roots))
            .build()
            .map_err(|e| PkiError::Verifier(e.to_string()))?;
        Ok(PinnedHub { inner })
    }
}

impl rustls::client::danger::ServerCertVerifier for PinnedHub {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        let name = ServerName::try_from(HUB_NAME).expect("a valid DNS name");
        self.inner
            .verify_server_cert(end_entity, intermediates, &name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Accepts any server certificate: only for enrollment, whose messages carry
/// their own authentication.
#[derive(Debug)]
struct AnyServer;

impl rustls::client::danger::ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &supported_schemes())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &supported_schemes())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        supported_schemes().supported_schemes()
    }
}

fn supported_schemes() -> rustls::crypto::WebPkiSupportedAlgorithms {
    rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hub_makes_its_ca_once_and_signs_edge_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let hub = HubPki::load_or_create(dir.path()).unwrap();
        let again = HubPki::load_or_create(dir.path()).unwrap();
        assert_eq!(hub.ca_pem, again.ca_pem, "the CA is kept");
        let edge_key = new_edge_key().unwrap();
        let (cert_pem, der) = hub
            .issue_edge_certificate("e1", edge_key.public_key_raw())
            .unwrap();
        assert!(!der.is_empty());
        hub.server_config().unwrap();
        client_config(&hub.ca_pem, &cert_pem, &edge_key.serialize_pem()).unwrap();
        assert!(hub.issue_edge_certificate("e2", b"not a key").is_err());
    }
}
