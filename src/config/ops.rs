//! The operations sections: `[tls]` (HTTPS on the web listener, the optional
//! HTTP → HTTPS redirect) and `[metrics]` (who may read `/metrics`).
//! Validation of these sections lives here, beside their keys.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::{ConfigError, Secret, resolve_secret};

/// HTTPS on the web listener (`listen`). The kiosk listener stays plain HTTP: it
/// only ever serves the borne's own browser on loopback.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// Serve `listen` over TLS.
    pub enabled: bool,
    /// PEM certificate chain (leaf first). With `key_file`; when both are absent
    /// a self-signed certificate is made on first start in `<data_dir>/tls/`.
    pub cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: Option<PathBuf>,
    /// Extra host names or addresses for the self-signed certificate (the host
    /// of `public_url`, `localhost` and the loopback addresses are always in it).
    pub self_signed_names: Vec<String>,
    /// A plain HTTP listener that redirects every request to `public_url`.
    pub redirect_listen: Option<SocketAddr>,
    /// `Strict-Transport-Security` max-age; 0 sends no HSTS header.
    pub hsts_seconds: u64,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            enabled: false,
            cert_file: None,
            key_file: None,
            self_signed_names: Vec::new(),
            redirect_listen: None,
            hsts_seconds: 365 * 24 * 3600,
        }
    }
}

impl TlsConfig {
    pub(super) fn validate(&self, public_url: &str) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        match (&self.cert_file, &self.key_file) {
            (Some(_), None) | (None, Some(_)) => {
                return bad("tls: cert_file and key_file go together; set both or neither".into());
            }
            _ => {}
        }
        if !self.enabled {
            if self.redirect_listen.is_some() {
                return bad("tls.redirect_listen needs tls.enabled = true".into());
            }
            return Ok(());
        }
        for (key, path) in [("cert_file", &self.cert_file), ("key_file", &self.key_file)] {
            if let Some(path) = path
                && !path.is_file()
            {
                return bad(format!(
                    "tls.{key} {} does not exist or is not a file",
                    path.display()
                ));
            }
        }
        if self.redirect_listen.is_some() && !public_url.starts_with("https://") {
            return bad(format!(
                "tls.redirect_listen sends agents to public_url, which must then start with https:// (got {public_url:?})"
            ));
        }
        Ok(())
    }
}

/// Who may read `/metrics`: always loopback; others only with the bearer token.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// A token that lets a remote Prometheus read `/metrics`
    /// (`Authorization: Bearer <token>`). None: loopback only.
    pub bearer_token: Option<Secret>,
    pub bearer_token_file: Option<PathBuf>,
}

impl MetricsConfig {
    pub(super) fn resolve(&mut self) -> Result<(), ConfigError> {
        self.bearer_token = resolve_secret(
            "metrics.bearer_token",
            self.bearer_token.take(),
            self.bearer_token_file.as_deref(),
        )?;
        if self
            .bearer_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 16)
        {
            return Err(ConfigError::Invalid(
                "metrics.bearer_token must be at least 16 characters".into(),
            ));
        }
        Ok(())
    }
}
