//! The `[smtp]` section: the server union messages leave through. Optional: a
//! hub without it keeps union messages queued (the editors' page says so).

use serde::Deserialize;
use std::path::{Path, PathBuf};

use super::{ConfigError, Secret, resolve_secret};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (refused if the server cannot).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption: only for a server on this machine (loopback) and tests.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The server's host name (checked against its certificate) or address.
    pub server: String,
    /// Default: 587 with STARTTLS, 465 with TLS, 25 without.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default = "default_security")]
    pub security: SmtpSecurity,
    /// Sign in to the server with this account (with a password).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// The sender, e.g. `Intranet de la ville <intranet@ville.fr>`.
    pub from: String,
    /// A PEM file of extra CA certificates to trust (an internal CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The longest pause between two attempts for one recipient.
    #[serde(default = "default_retry_max")]
    pub retry_max_seconds: u64,
}

fn default_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

fn default_retry_max() -> u64 {
    600
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        })
    }

    /// Reads `password_file`, then checks the section.
    pub(super) fn resolve(&mut self) -> Result<(), ConfigError> {
        self.password = resolve_secret(
            "smtp.password",
            self.password.take(),
            self.password_file.as_deref(),
        )?;
        self.validate()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.server.trim().is_empty() {
            return bad("smtp.server is empty".into());
        }
        if self.security == SmtpSecurity::None && !is_loopback(&self.server) {
            return bad(format!(
                "smtp.security = \"none\" is only allowed for a server on this machine (localhost, 127.0.0.1, ::1), not {:?}; use \"starttls\" or \"tls\"",
                self.server
            ));
        }
        if self.username.is_some() != self.password.is_some() {
            return bad("smtp: username and password (or password_file) go together".into());
        }
        if !is_mailbox(&self.from) {
            return bad(format!(
                "smtp.from {:?} is not a mail address (e.g. \"Intranet <intranet@ville.fr>\")",
                self.from
            ));
        }
        if let Some(ca) = &self.ca_file
            && !ca.is_file()
        {
            return bad(format!(
                "smtp.ca_file {} does not exist or is not a file",
                ca.display()
            ));
        }
        if !(1..=86_400).contains(&self.retry_max_seconds) {
            return bad(format!(
                "smtp.retry_max_seconds must be 1–86400 (got {})",
                self.retry_max_seconds
            ));
        }
        Ok(())
    }
}

/// `intranet@ville.fr` or `Intranet de la ville <intranet@ville.fr>` (the
/// mail module parses it exactly at start; this catches the usual mistakes
/// when the file is read, without naming the mail library here).
fn is_mailbox(raw: &str) -> bool {
    let raw = raw.trim();
    let address = match (raw.rfind('<'), raw.strip_suffix('>')) {
        (Some(open), Some(inner)) => &inner[open + 1..],
        (None, None) => raw,
        _ => return false,
    };
    match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && (domain.contains('.') || domain.eq_ignore_ascii_case("localhost"))
                && !address.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn is_loopback(server: &str) -> bool {
    let host = server.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A union's logo: the file must exist when the configuration is read (it is
/// decoded and re-encoded at start).
pub(super) fn check_logo(slug: &str, logo: Option<&Path>) -> Result<(), ConfigError> {
    match logo {
        Some(path) if !path.is_file() => Err(ConfigError::Invalid(format!(
            "unions: the logo of {slug} ({}) does not exist or is not a file",
            path.display()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, Overrides};
    use super::*;

    fn merge(file: &str) -> Result<Config, ConfigError> {
        Config::merge(Some(("kiosque.toml", file)), [], &Overrides::default())
    }

    #[test]
    fn a_full_section_reads_and_its_password_is_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("smtp-pw");
        std::fs::write(&pw, "m0t\n").unwrap();
        let text = format!(
            "[smtp]\nserver = \"smtp.ville.fr\"\nsecurity = \"tls\"\nusername = \"intranet\"\npassword_file = \"{}\"\nfrom = \"Intranet <intranet@ville.fr>\"\n",
            pw.display()
        );
        let config = merge(&text).unwrap();
        let smtp = config.smtp.unwrap();
        assert_eq!(smtp.port(), 465);
        assert_eq!(smtp.password.as_ref().unwrap().expose(), "m0t");
        assert!(!format!("{smtp:?}").contains("m0t"));
    }

    #[test]
    fn mistakes_are_refused_precisely() {
        for (text, needle) in [
            (
                "[smtp]\nserver = \"smtp.ville.fr\"\nfrom = \"a@b.fr\"\nsecurity = \"none\"",
                "only allowed for a server on this machine",
            ),
            (
                "[smtp]\nserver = \"smtp.ville.fr\"\nfrom = \"a@b.fr\"\nsecurity = \"ssl\"",
                "ssl",
            ),
            (
                "[smtp]\nserver = \"smtp.ville.fr\"\nfrom = \"a@b.fr\"\nmot_de_passe = \"x\"",
                "mot_de_passe",
            ),
            (
                "[smtp]\nserver = \"smtp.ville.fr\"\nfrom = \"pas une adresse\"",
                "smtp.from",
            ),
            (
                "[smtp]\nserver = \"smtp.ville.fr\"\nfrom = \"a@b.fr\"\nusername = \"u\"",
                "go together",
            ),
            (
                "[[unions]]\nslug = \"cgt\"\nname = \"CGT\"\neditor_group = \"g\"\nlogo = \"/nulle/part.png\"",
                "logo",
            ),
        ] {
            let msg = merge(text).unwrap_err().to_string();
            assert!(msg.contains(needle), "{text}: {msg}");
        }
        for ok in ["a@b.fr", "Intranet de la ville <intranet@ville.fr>"] {
            assert!(is_mailbox(ok), "{ok}");
        }
        for bad in [
            "",
            "intranet",
            "a b@c.fr",
            "<a@b.fr",
            "Nom <a@b@c.fr>",
            "@b.fr",
        ] {
            assert!(!is_mailbox(bad), "{bad}");
        }
        let local = merge(
            "[smtp]\nserver = \"127.0.0.1\"\nport = 2525\nsecurity = \"none\"\nfrom = \"a@b.fr\"",
        )
        .unwrap();
        assert_eq!(local.smtp.unwrap().port(), 2525);
    }
}
