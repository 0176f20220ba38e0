//! HTTPS on the web listener with rustls (aws-lc-rs): the certificate comes from
//! PEM files named in `[tls]`, or is a self-signed one made on first start and
//! kept in `<data_dir>/tls/`. The certificate is behind a resolver that
//! [`Tls::reload`] swaps (SIGHUP): connections already open keep theirs, new
//! handshakes get the new one, nothing is dropped. Also the plain listener that
//! redirects to HTTPS, and the HSTS header value.
//!
//! Invariant: a reload that fails (missing file, key that does not match) keeps
//! the certificate in service and says why.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::Config;

/// A client has this long to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; more wait to be accepted.
const MAX_HANDSHAKES: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Pem { path: PathBuf, message: String },
    #[error("the certificate and the key do not go together: {0}")]
    Key(rustls::Error),
    #[error("cannot make the self-signed certificate: {0}")]
    Generate(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Where the certificate in service comes from.
#[derive(Debug, Clone)]
enum Source {
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Made on first start; the same paths afterwards.
    SelfSigned {
        cert: PathBuf,
        key: PathBuf,
        names: Vec<String>,
    },
}

impl Source {
    fn paths(&self) -> (&Path, &Path) {
        match self {
            Source::Files { cert, key } | Source::SelfSigned { cert, key, .. } => (cert, key),
        }
    }
}

/// The certificate in service, swapped on reload.
#[derive(Debug)]
struct Resolver {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .map(|k| k.clone())
                .unwrap_or_else(|p| p.into_inner().clone()),
        )
    }
}

/// TLS for the web listener: the rustls configuration and the means to reload it.
#[derive(Clone)]
pub struct Tls {
    source: Source,
    resolver: Arc<Resolver>,
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("source", &self.source).finish()
    }
}

impl Tls {
    /// Loads the certificate named in the configuration, or makes (once) and
    /// loads the self-signed one.
    pub fn from_config(config: &Config) -> Result<Tls, TlsError> {
        let source = match (&config.tls.cert_file, &config.tls.key_file) {
            (Some(cert), Some(key)) => Source::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ => {
                let dir = config.data_dir.join("tls");
                Source::SelfSigned {
                    cert: dir.join("cert.pem"),
                    key: dir.join("key.pem"),
                    names: self_signed_names(config),
                }
            }
        };
        if let Source::SelfSigned { cert, key, names } = &source
            && !(cert.is_file() && key.is_file())
        {
            write_self_signed(cert, key, names)?;
            tracing::info!(cert = %cert.display(), "self-signed certificate made");
        }
        let key = load(&source)?;
        let resolver = Arc::new(Resolver {
            current: RwLock::new(Arc::new(key)),
        });
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            source,
            resolver,
            acceptor: TlsAcceptor::from(Arc::new(server)),
        })
    }

    /// The certificate file in service (the self-signed one to hand to browsers
    /// or to `curl --cacert`).
    pub fn cert_path(&self) -> &Path {
        self.source.paths().0
    }

    /// Reads the certificate and key again and puts them in service for new
    /// connections. On error the old certificate stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let key = load(&self.source)?;
        let mut current = self
            .resolver
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner());
        *current = Arc::new(key);
        Ok(())
    }

    /// Accepts TCP connections on `listener` and hands out the ones whose TLS
    /// handshake succeeded. Handshakes run concurrently (a slow client does not
    /// hold up the others) and are bounded in time.
    pub fn listen(&self, listener: TcpListener) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(64);
        let acceptor = self.acceptor.clone();
        tokio::spawn(accept_loop(listener, acceptor, tx));
        Ok(TlsListener { rx, local })
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let permits = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let accepted = tokio::select! {
            () = tx.closed() => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors and the like: wait instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = tx.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        });
    }
}

/// The web listener under TLS, for `axum::serve`.
#[derive(Debug)]
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(accepted) => accepted,
            // The accept loop only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The `Strict-Transport-Security` value, if one is to be sent.
pub fn hsts_value(config: &Config) -> Option<String> {
    (config.tls.enabled && config.tls.hsts_seconds > 0)
        .then(|| format!("max-age={}", config.tls.hsts_seconds))
}

/// The plain HTTP service of `tls.redirect_listen`: every request goes to the
/// same path and query under `public_url` (308 keeps the method).
pub fn redirect_router(public_url: &str) -> axum::Router {
    let base = public_url.trim_end_matches('/').to_owned();
    axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let base = base.clone();
        async move {
            let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let target = format!("{base}{path}");
            (
                axum::http::StatusCode::PERMANENT_REDIRECT,
                [(axum::http::header::LOCATION, target)],
            )
        }
    })
}

/// Names in the self-signed certificate: the host of `public_url`, localhost,
/// the loopback addresses and `tls.self_signed_names`.
fn self_signed_names(config: &Config) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let host = config
        .public_url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
    };
    for name in std::iter::once(host.to_owned()).chain(config.tls.self_signed_names.clone()) {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn write_self_signed(cert: &Path, key: &Path, names: &[String]) -> Result<(), TlsError> {
    let generate = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(generate)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kiosque (certificat autosigné)");
    let pair = rcgen::KeyPair::generate().map_err(generate)?;
    let certificate = params.self_signed(&pair).map_err(generate)?;
    if let Some(dir) = cert.parent() {
        std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
            path: dir.to_owned(),
            source,
        })?;
    }
    write_private(key, pair.serialize_pem().as_bytes())?;
    std::fs::write(cert, certificate.pem()).map_err(|source| TlsError::Write {
        path: cert.to_owned(),
        source,
    })
}

/// Writes a file only its owner may read (the private key).
fn write_private(path: &Path, contents: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let wrote = options
        .open(path)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()));
    wrote.map_err(|source| TlsError::Write {
        path: path.to_owned(),
        source,
    })
}

fn load(source: &Source) -> Result<CertifiedKey, TlsError> {
    let (cert_path, key_path) = source.paths();
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let pem_error = |path: &Path, message: String| TlsError::Pem {
        path: path.to_owned(),
        message,
    };
    let cert_pem = read(cert_path)?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(cert_path, e.to_string()))?;
    if certs.is_empty() {
        return Err(pem_error(cert_path, "no certificate in this file".into()));
    }
    let key_pem = read(key_path)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| pem_error(key_path, format!("no usable private key ({e})")))?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    CertifiedKey::from_der(certs, key, &provider).map_err(TlsError::Key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, public_url: &str) -> Config {
        let mut config = Config {
            data_dir: dir.to_owned(),
            public_url: public_url.into(),
            ..Config::default()
        };
        config.tls.enabled = true;
        config
    }

    #[test]
    fn the_self_signed_certificate_is_made_once_and_names_the_public_host() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), "https://intranet.mairie.test:8443/");
        assert_eq!(
            self_signed_names(&config),
            ["localhost", "127.0.0.1", "::1", "intranet.mairie.test"]
        );
        let tls = Tls::from_config(&config).unwrap();
        let first = std::fs::read(tls.cert_path()).unwrap();
        let again = Tls::from_config(&config).unwrap();
        assert_eq!(std::fs::read(again.cert_path()).unwrap(), first, "kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = dir.path().join("tls/key.pem");
            let mode = std::fs::metadata(key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key is private");
        }
    }

    #[test]
    fn a_failed_reload_keeps_the_certificate_in_service() {
        let dir = tempfile::tempdir().unwrap();
        let tls = Tls::from_config(&config(dir.path(), "https://[::1]:8443")).unwrap();
        let before = tls.resolver.current.read().unwrap().cert.clone();
        std::fs::write(tls.cert_path(), "pas un certificat").unwrap();
        let err = tls.reload().unwrap_err().to_string();
        assert!(err.contains("cert.pem"), "{err}");
        assert_eq!(tls.resolver.current.read().unwrap().cert, before);
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        write_self_signed(&a.join("c.pem"), &a.join("k.pem"), &["a.test".into()]).unwrap();
        write_self_signed(&b.join("c.pem"), &b.join("k.pem"), &["b.test".into()]).unwrap();
        let source = Source::Files {
            cert: a.join("c.pem"),
            key: b.join("k.pem"),
        };
        assert!(matches!(load(&source), Err(TlsError::Key(_))));
    }
}
