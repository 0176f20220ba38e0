//! The one typed configuration: defaults that run with no file, a TOML file, then
//! environment overrides (`KIOSQUE_<KEY>` or `KIOSQUE_<SECTION>__<KEY>`), then the
//! command line. Merging is a pure function; unknown keys are errors; secrets may
//! come from `*_file` paths and never appear in `Debug` output.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::domain::UnionSlug;

mod directory;
mod smtp;
pub use directory::{DirectoryAttributes, DirectoryBackend, DirectoryConfig, GroupMembership};
pub use smtp::{SmtpConfig, SmtpSecurity};

/// Environment variables read by the command line itself, not config keys.
const ENV_NOT_KEYS: [&str; 2] = ["KIOSQUE_CONFIG", "KIOSQUE_LOG"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Demo mode: demo directory and content. On when there is no config file.
    pub demo: bool,
    /// The organisation's name, shown in the header.
    pub site_name: String,
    /// Where the store and generated files live.
    pub data_dir: PathBuf,
    /// The web listener.
    pub listen: SocketAddr,
    /// The URL agents' phones use to reach this hub (QR codes, feeds, mails).
    pub public_url: String,
    /// The time zone dates are shown in.
    pub timezone: String,
    /// Items per page in lists.
    pub page_size: usize,
    pub kiosk: KioskConfig,
    pub sessions: SessionsConfig,
    pub roles: RolesConfig,
    pub unions: Vec<UnionConfig>,
    pub directory: DirectoryConfig,
    pub federation: FederationConfig,
    /// Where union messages leave (none: they stay queued).
    pub smtp: Option<SmtpConfig>,
}

/// The box's place in the federation (DESIGN §6): no `upstream` = the hub.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// Hub: the federation listener edges call (mTLS). None: no edges.
    pub listen: Option<SocketAddr>,
    /// Edge: the hub's federation URL (`https://intranet.example:7443`).
    pub upstream: Option<String>,
    /// Edge: the longest pause between two attempts to reach the hub.
    pub retry_max_seconds: u64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            listen: None,
            upstream: None,
            retry_max_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskConfig {
    /// The borne's own listener (its browser runs on loopback). None: no kiosk.
    pub listen: Option<SocketAddr>,
    /// The borne's name and place, shown discreetly on its screen.
    pub name: String,
    pub place: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionsConfig {
    pub kiosk_idle_seconds: u64,
    pub shared_idle_seconds: u64,
    pub personal_idle_seconds: u64,
    pub personal_max_days: u64,
    /// Addresses (or CIDR ranges) of shared service computers.
    pub shared_addresses: Vec<String>,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is
    /// believed: the agent's address then comes from that header.
    pub trusted_proxies: Vec<String>,
}

/// Directory groups mapped to roles (DESIGN §4).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolesConfig {
    pub publisher: Vec<String>,
    pub manager: Vec<String>,
    pub webmaster: Vec<String>,
    pub admin: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnionConfig {
    pub slug: String,
    pub name: String,
    /// The directory group whose members edit this union's space.
    pub editor_group: String,
    #[serde(default)]
    pub description: String,
    /// An image file (PNG, JPEG, WebP, GIF): decoded and re-encoded at start,
    /// never served as given.
    #[serde(default)]
    pub logo: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            demo: false,
            site_name: "Ville de Val-de-Lys".into(),
            data_dir: PathBuf::from("./kiosque-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            timezone: "Europe/Paris".into(),
            page_size: 12,
            kiosk: KioskConfig::default(),
            sessions: SessionsConfig::default(),
            roles: RolesConfig::default(),
            unions: Vec::new(),
            directory: DirectoryConfig::default(),
            federation: FederationConfig::default(),
            smtp: None,
        }
    }
}

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            listen: None,
            name: "Borne".into(),
            place: String::new(),
        }
    }
}

impl Default for SessionsConfig {
    fn default() -> Self {
        SessionsConfig {
            kiosk_idle_seconds: 90,
            shared_idle_seconds: 600,
            personal_idle_seconds: 8 * 3600,
            personal_max_days: 30,
            shared_addresses: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// A secret value: readable by the code, redacted in logs and `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Reads a secret given inline or as a `*_file` path (trailing newline dropped).
pub fn resolve_secret(
    key: &str,
    inline: Option<Secret>,
    file: Option<&Path>,
) -> Result<Option<Secret>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid(format!(
            "{key} and {key}_file are both set; keep one"
        ))),
        (Some(secret), None) => Ok(Some(secret)),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(|s| Some(Secret(s.trim_end_matches(['\n', '\r']).to_owned())))
            .map_err(|e| ConfigError::Invalid(format!("{key}_file {}: {e}", path.display()))),
        (None, None) => Ok(None),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// What the command line sets; it wins over the file and the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
}

impl Config {
    /// Loads the configuration: `file` if given (demo mode then off unless it says
    /// `demo = true`), else defaults with demo mode on; then `env`, then `overrides`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let source = match file {
            Some(path) => Some((
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?,
            )),
            None => None,
        };
        let source = source.as_ref().map(|(o, t)| (o.as_str(), t.as_str()));
        Config::merge(source, env, overrides)
    }

    /// The pure merge behind [`Config::load`]: `(origin, toml text)` of the file.
    pub fn merge(
        file: Option<(&str, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some((origin, text)) => {
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Parse {
                        origin: origin.to_owned(),
                        message: e.to_string(),
                    })?
            }
            None => {
                let mut table = toml::Table::new();
                table.insert("demo".into(), toml::Value::Boolean(true));
                table
            }
        };
        let origin = file.map(|(o, _)| o).unwrap_or("default configuration");
        for (name, value) in env {
            apply_env(&mut table, &name, &value)?;
        }
        let mut config: Config =
            Config::deserialize(toml::Value::Table(table)).map_err(|e| ConfigError::Parse {
                origin: origin.to_owned(),
                message: e.to_string(),
            })?;
        if let Some(dir) = &overrides.data_dir {
            config.data_dir = dir.clone();
        }
        if let Some(listen) = overrides.listen {
            config.listen = listen;
        }
        if config.demo && config.unions.is_empty() {
            config.unions = demo_unions();
        }
        let d = &mut config.directory;
        d.bind_password = resolve_secret(
            "directory.bind_password",
            d.bind_password.take(),
            d.bind_password_file.as_deref(),
        )?;
        if let Some(smtp) = &mut config.smtp {
            smtp.resolve()?;
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return bad(format!(
                "public_url must start with http:// or https:// (got {:?})",
                self.public_url
            ));
        }
        if jiff::tz::TimeZone::get(&self.timezone).is_err() {
            return bad(format!(
                "timezone {:?} is not a known time zone",
                self.timezone
            ));
        }
        if !(1..=100).contains(&self.page_size) {
            return bad(format!("page_size must be 1–100 (got {})", self.page_size));
        }
        let s = &self.sessions;
        if s.kiosk_idle_seconds < 15 || s.shared_idle_seconds < 15 || s.personal_idle_seconds < 15 {
            return bad("sessions: idle limits must be at least 15 seconds".into());
        }
        if s.personal_max_days == 0 {
            return bad("sessions.personal_max_days must be at least 1".into());
        }
        for (key, list) in [
            ("shared_addresses", &s.shared_addresses),
            ("trusted_proxies", &s.trusted_proxies),
        ] {
            for address in list {
                if parse_network(address).is_none() {
                    return bad(format!(
                        "sessions.{key}: {address:?} is not an address or a CIDR range"
                    ));
                }
            }
        }
        let f = &self.federation;
        if f.listen.is_some() && f.upstream.is_some() {
            return bad(
                "federation: set listen on the hub or upstream on an edge, not both".into(),
            );
        }
        if !(1..=3600).contains(&f.retry_max_seconds) {
            return bad(format!(
                "federation.retry_max_seconds must be 1–3600 (got {})",
                f.retry_max_seconds
            ));
        }
        if let Some(upstream) = &f.upstream
            && !upstream.starts_with("https://")
        {
            return bad(format!(
                "federation.upstream must be the hub's https:// federation URL (got {upstream:?})"
            ));
        }
        let d = &self.directory;
        if d.backend == DirectoryBackend::Ldap {
            if !(d.url.starts_with("ldap://") || d.url.starts_with("ldaps://")) {
                return bad(format!(
                    "directory.url must start with ldap:// or ldaps:// (got {:?})",
                    d.url
                ));
            }
            if d.starttls && d.url.starts_with("ldaps://") {
                return bad("directory: starttls applies to ldap:// URLs, not ldaps://".into());
            }
            if d.base_dn.trim().is_empty() {
                return bad("directory.base_dn is required with backend = \"ldap\"".into());
            }
            if d.bind_dn.trim().is_empty() || d.bind_password.is_none() {
                return bad("directory: bind_dn and bind_password (or bind_password_file) are required with backend = \"ldap\"".into());
            }
            let attribute_ok = |a: &str| {
                !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            if !attribute_ok(&d.login_attribute) {
                return bad(format!(
                    "directory.login_attribute {:?} is not an attribute name",
                    d.login_attribute
                ));
            }
            if let Some(ca) = &d.ca_file
                && !ca.is_file()
            {
                return bad(format!(
                    "directory.ca_file {} does not exist or is not a file",
                    ca.display()
                ));
            }
            if d.connect_timeout_seconds == 0 || d.timeout_seconds == 0 {
                return bad("directory: timeouts must be at least 1 second".into());
            }
        }
        let mut seen = std::collections::HashSet::new();
        for union in &self.unions {
            if UnionSlug::parse(&union.slug).is_none() {
                return bad(format!(
                    "unions: slug {:?} must be 1–32 lowercase letters, digits or hyphens",
                    union.slug
                ));
            }
            if !seen.insert(&union.slug) {
                return bad(format!("unions: slug {:?} appears twice", union.slug));
            }
            if union.editor_group.trim().is_empty() {
                return bad(format!("unions: {} has an empty editor_group", union.slug));
            }
            if union.name.trim().is_empty() {
                return bad(format!("unions: {} has an empty name", union.slug));
            }
            smtp::check_logo(&union.slug, union.logo.as_deref())?;
        }
        Ok(())
    }

    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("kiosque.redb")
    }

    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    pub fn union_slugs(&self) -> Vec<UnionSlug> {
        self.unions
            .iter()
            .filter_map(|u| UnionSlug::parse(&u.slug))
            .collect()
    }
}

/// Parses `10.0.0.5` or `10.0.0.0/24` (IPv4 or IPv6).
pub fn parse_network(raw: &str) -> Option<ipnet::IpNet> {
    raw.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| raw.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

/// The demo's unions, when demo mode is on and the file names none.
fn demo_unions() -> Vec<UnionConfig> {
    vec![
        UnionConfig {
            slug: "cgt".into(),
            name: "CGT des territoriaux".into(),
            editor_group: "syndicat-cgt".into(),
            description: "Syndicat CGT des agents de la ville.".into(),
            logo: None,
        },
        UnionConfig {
            slug: "cfdt".into(),
            name: "CFDT Interco".into(),
            editor_group: "syndicat-cfdt".into(),
            description: "Section CFDT Interco de la ville.".into(),
            logo: None,
        },
    ]
}

/// Applies one `KIOSQUE_…` variable to the table: `KIOSQUE_LISTEN` → `listen`,
/// `KIOSQUE_SESSIONS__KIOSK_IDLE_SECONDS` → `sessions.kiosk_idle_seconds`.
/// Values parse as TOML scalars when they can (numbers, booleans), else strings.
fn apply_env(table: &mut toml::Table, name: &str, value: &str) -> Result<(), ConfigError> {
    let Some(rest) = name.strip_prefix("KIOSQUE_") else {
        return Ok(());
    };
    if ENV_NOT_KEYS.contains(&name) || rest.is_empty() {
        return Ok(());
    }
    let path: Vec<String> = rest.split("__").map(|p| p.to_lowercase()).collect();
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    let (last, parents) = path.split_last().expect("split yields one part");
    let mut at = table;
    for part in parents {
        let entry = at
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        at = entry
            .as_table_mut()
            .ok_or_else(|| ConfigError::Invalid(format!("{name}: {part} is not a section")))?;
    }
    at.insert(last.clone(), parsed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(file: Option<&str>, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::merge(
            file.map(|t| ("kiosque.toml", t)),
            env,
            &Overrides::default(),
        )
    }

    #[test]
    fn no_file_means_demo_with_defaults() {
        let config = merge(None, &[]).unwrap();
        assert!(config.demo);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.sessions.kiosk_idle_seconds, 90);
        assert_eq!(config.unions.len(), 2, "the demo has unions");
    }

    #[test]
    fn a_file_turns_demo_off_unless_it_says_so() {
        assert!(!merge(Some("site_name = \"Mairie\""), &[]).unwrap().demo);
        assert!(merge(Some("demo = true"), &[]).unwrap().demo);
    }

    #[test]
    fn unknown_keys_are_refused_precisely() {
        let err = merge(Some("[sessions]\nkiosk_idle = 30\n"), &[]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("kiosque.toml"), "{msg}");
        assert!(msg.contains("kiosk_idle"), "{msg}");
        let err = merge(None, &[("KIOSQUE_NOPE", "1")]).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn environment_overrides_the_file_and_the_command_line_wins() {
        let env = [
            ("KIOSQUE_LISTEN", "0.0.0.0:9000"),
            ("KIOSQUE_SESSIONS__KIOSK_IDLE_SECONDS", "45"),
            ("KIOSQUE_SITE_NAME", "Mairie de Test"),
            ("KIOSQUE_CONFIG", "/ignored.toml"),
            ("PATH", "/usr/bin"),
        ];
        let config = merge(Some("listen = \"127.0.0.1:1\""), &env).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.sessions.kiosk_idle_seconds, 45);
        assert_eq!(config.site_name, "Mairie de Test");
        let overrides = Overrides {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            data_dir: Some("/tmp/x".into()),
        };
        let config =
            Config::merge(None, env.map(|(k, v)| (k.into(), v.into())), &overrides).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn invalid_values_are_explained() {
        for (text, needle) in [
            ("public_url = \"intranet\"", "public_url"),
            ("timezone = \"Mars/Olympus\"", "timezone"),
            ("listen = \"pas une adresse\"", "listen"),
            (
                "[[unions]]\nslug = \"C G T\"\nname = \"x\"\neditor_group = \"g\"",
                "slug",
            ),
        ] {
            let msg = merge(Some(text), &[]).unwrap_err().to_string();
            assert!(msg.contains(needle), "{text}: {msg}");
        }
    }

    #[test]
    fn an_ldap_directory_needs_its_essentials() {
        let msg = merge(
            Some("[directory]\nbackend = \"ldap\"\nurl = \"ldap://dc\""),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("base_dn"), "{msg}");
        let ok = "[directory]\nbackend = \"ldap\"\nurl = \"ldaps://dc1\"\nbase_dn = \"DC=m\"\nbind_dn = \"CN=svc\"\nbind_password = \"pw\"\nlogin_attribute = \"sAMAccountName\"";
        let config = merge(Some(ok), &[]).unwrap();
        assert_eq!(config.directory.bind_password.unwrap().expose(), "pw");
        let msg = merge(
            Some("[sessions]\nshared_addresses = [\"10.0.0.0/33\"]"),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("shared_addresses"), "{msg}");
        assert!(parse_network("10.1.2.3").is_some());
        assert!(parse_network("fd00::/8").is_some());
    }

    #[test]
    fn secrets_come_from_files_and_are_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\n").unwrap();
        let secret = resolve_secret("bind_password", None, Some(&path))
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        let both = resolve_secret("bind_password", Some(secret), Some(&path));
        assert!(both.unwrap_err().to_string().contains("both set"));
    }
}
