//! The `[directory]` section: which directory signs agents in, and how it is
//! read (DESIGN §8 lists the Active Directory realities handled).

use serde::Deserialize;
use std::path::PathBuf;

use super::Secret;

/// Which directory signs agents in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectoryBackend {
    /// Accounts kept in kiosque's store (argon2 hashes): the demo, small sites.
    Local,
    /// LDAP or Active Directory.
    Ldap,
}

/// How the groups of an agent are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupMembership {
    /// The user entry's `memberOf` attribute (AD, OpenLDAP with the memberof overlay).
    MemberOf,
    /// A search for groups whose `member` is the user's DN.
    Search,
}

/// The directory (DESIGN §8 lists the Active Directory realities handled).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryConfig {
    pub backend: DirectoryBackend,
    /// `ldaps://dc1.mairie.local` or `ldap://…` (then use `starttls = true`).
    pub url: String,
    pub starttls: bool,
    /// PEM file of the CA that signed the directory's certificate; the system's
    /// roots when absent.
    pub ca_file: Option<PathBuf>,
    /// The service account that searches for users.
    pub bind_dn: String,
    pub bind_password: Option<Secret>,
    pub bind_password_file: Option<PathBuf>,
    pub base_dn: String,
    /// The attribute agents type as their login: `sAMAccountName`, `uid`, `mail`
    /// or `userPrincipalName`.
    pub login_attribute: String,
    /// Which entries are people (ANDed with the login match).
    pub user_filter: String,
    pub group_membership: GroupMembership,
    /// Where groups live (for `search` and nested groups); `base_dn` when empty.
    pub group_base_dn: String,
    pub group_filter: String,
    /// Resolve groups of groups (cycles are tolerated).
    pub nested_groups: bool,
    /// Active Directory: nested groups through the in-chain matching rule.
    /// (`userAccountControl` and the `data 533/532/701/773/775` details of
    /// refused binds are honoured with any directory.)
    pub active_directory: bool,
    pub connect_timeout_seconds: u64,
    pub timeout_seconds: u64,
    pub attributes: DirectoryAttributes,
    /// Show office phone numbers in the annuaire.
    pub show_phones: bool,
    /// How often the annuaire cache is refreshed from the directory.
    pub refresh_minutes: u64,
    /// How soon an account disabled or removed in the directory loses its sessions.
    pub disabled_check_minutes: u64,
}

/// Directory attribute names for the annuaire card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryAttributes {
    pub given_name: String,
    pub surname: String,
    pub display_name: String,
    pub mail: String,
    pub phone: String,
    pub service: String,
    pub function: String,
    pub photo: String,
    pub manager: String,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig {
            backend: DirectoryBackend::Local,
            url: String::new(),
            starttls: false,
            ca_file: None,
            bind_dn: String::new(),
            bind_password: None,
            bind_password_file: None,
            base_dn: String::new(),
            login_attribute: "uid".into(),
            user_filter: "(objectClass=person)".into(),
            group_membership: GroupMembership::MemberOf,
            group_base_dn: String::new(),
            group_filter: "(|(objectClass=groupOfNames)(objectClass=group))".into(),
            nested_groups: false,
            active_directory: false,
            connect_timeout_seconds: 5,
            timeout_seconds: 10,
            attributes: DirectoryAttributes::default(),
            show_phones: true,
            refresh_minutes: 60,
            disabled_check_minutes: 5,
        }
    }
}

impl Default for DirectoryAttributes {
    fn default() -> Self {
        DirectoryAttributes {
            given_name: "givenName".into(),
            surname: "sn".into(),
            display_name: "cn".into(),
            mail: "mail".into(),
            phone: "telephoneNumber".into(),
            service: "department".into(),
            function: "title".into(),
            photo: "jpegPhoto".into(),
            manager: "manager".into(),
        }
    }
}
