//! The directory: who agents are and what they may do. The only module that
//! names ldap3. Two backends behind one trait — LDAP/Active Directory and local
//! accounts (argon2) — and the mapping from directory groups to roles.
//! Invariant: a password is checked by the backend and never stored or logged.

mod ldap;
mod local;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::config::{Config, DirectoryBackend, RolesConfig, UnionConfig};
use crate::domain::{Login, Role, UnionSlug, User};
use crate::store::{Store, StoreError};

pub use ldap::LdapBackend;
pub use local::{LocalBackend, hash_password};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a backend knows of an agent.
#[derive(Debug, Clone)]
pub struct Profile {
    pub user: User,
    /// Group names (CN) and DNs the agent belongs to, nested ones included.
    pub groups: Vec<String>,
    /// The raw directory photo, if any (re-encoded before it is stored).
    pub photo: Option<Vec<u8>>,
    /// The entry's DN and its manager's (LDAP only), for the org chart.
    pub dn: String,
    pub manager_dn: Option<String>,
}

/// Why an account may not sign in although its password may be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AccountProblem {
    Disabled,
    /// The account itself expired (AD `accountExpires`, e.g. a contract's end).
    AccountExpired,
    PasswordExpired,
    MustChangePassword,
    Locked,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong login or password, or an unknown account: never say which.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("account problem: {0:?}")]
    Account(AccountProblem),
    /// The directory cannot be reached or answered an error.
    #[error("directory unavailable: {0}")]
    Unavailable(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// A directory backend.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// Checks a login and password and returns the agent's profile.
    fn authenticate<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<Profile, AuthError>>;

    /// Every active person of the directory, for the annuaire cache.
    fn all_people(&self) -> BoxFuture<'_, Result<Vec<Profile>, AuthError>>;

    /// Whether an account still exists and is enabled.
    fn is_active<'a>(&'a self, login: &'a Login) -> BoxFuture<'a, Result<bool, AuthError>>;
}

/// The directory service: a backend plus the role mapping and the cache.
#[derive(Debug, Clone)]
pub struct Directory {
    backend: Arc<dyn Backend>,
    store: Store,
    // Shared, not copied: the state (and so this) is cloned for every request.
    roles: Arc<RolesConfig>,
    unions: Arc<[UnionConfig]>,
}

impl Directory {
    pub fn new(backend: Arc<dyn Backend>, store: Store, config: &Config) -> Self {
        Self {
            backend,
            store,
            roles: Arc::new(config.roles.clone()),
            unions: config.unions.clone().into(),
        }
    }

    /// The backend the configuration asks for.
    pub fn from_config(config: &Config, store: Store) -> Result<Self, AuthError> {
        let backend: Arc<dyn Backend> = match config.directory.backend {
            DirectoryBackend::Local => Arc::new(LocalBackend::new(store.clone())),
            DirectoryBackend::Ldap => Arc::new(LdapBackend::new(&config.directory)?),
        };
        Ok(Self::new(backend, store, config))
    }

    /// Signs an agent in: checks the password with the backend, maps groups to
    /// roles and refreshes the agent's cached profile.
    pub async fn sign_in(&self, login: &str, password: &str) -> Result<User, AuthError> {
        // RFC 4513 §5.1.2: a bind with a DN and an empty password is an
        // "unauthenticated" bind that many servers (AD included) accept.
        if password.is_empty() || login.trim().is_empty() {
            return Err(AuthError::InvalidCredentials);
        }
        let profile = self.backend.authenticate(login.trim(), password).await?;
        let login = profile.user.login.clone();
        let cached = self.store.run(move |store| store.get_user(&login)).await?;
        // The manager comes from the annuaire refresh, which knows every DN.
        let manager = cached.and_then(|u| u.manager);
        self.remember(profile, manager).await
    }

    async fn remember(&self, profile: Profile, manager: Option<Login>) -> Result<User, AuthError> {
        let mut user = profile.user;
        if user.manager.is_none() {
            user.manager = manager;
        }
        for role in roles_for(&profile.groups, &self.roles, &self.unions) {
            if !user.roles.contains(&role) {
                user.roles.push(role);
            }
        }
        if let Some(bytes) = profile.photo {
            user.photo = crate::media::process_photo(&bytes)
                .ok()
                .map(|p| p.thumbnail)
                .map(|thumb| self.store.put_blob(&thumb, "image/jpeg"))
                .transpose()?;
        }
        let saved = user.clone();
        self.store
            .run(move |store| store.put_users(&[saved]))
            .await?;
        Ok(user)
    }

    /// Refreshes the annuaire cache from the directory; returns the count.
    /// People no longer in the directory are marked disabled (kept for the
    /// authorship of what they published).
    pub async fn refresh(&self) -> Result<usize, AuthError> {
        let people = self.backend.all_people().await?;
        let count = people.len();
        let present: std::collections::HashSet<Login> =
            people.iter().map(|p| p.user.login.clone()).collect();
        self.store
            .run(move |store| {
                let gone: Vec<User> = store
                    .all_users()?
                    .into_iter()
                    .filter(|u| !u.disabled && !present.contains(&u.login))
                    .map(|mut u| {
                        u.disabled = true;
                        u
                    })
                    .collect();
                store.put_users(&gone)
            })
            .await?;
        let logins: std::collections::HashMap<String, Login> = people
            .iter()
            .filter(|p| !p.dn.is_empty())
            .map(|p| (p.dn.to_lowercase(), p.user.login.clone()))
            .collect();
        for profile in people {
            let manager = profile
                .manager_dn
                .as_ref()
                .and_then(|dn| logins.get(&dn.to_lowercase()).cloned());
            self.remember(profile, manager).await?;
        }
        Ok(count)
    }

    /// Whether an account is still active; an inactive one is marked disabled
    /// in the cache so it leaves the annuaire.
    pub async fn is_active(&self, login: &Login) -> Result<bool, AuthError> {
        let active = self.backend.is_active(login).await?;
        if !active {
            let login = login.clone();
            self.store
                .run(move |store| {
                    if let Some(mut user) = store.get_user(&login)?
                        && !user.disabled
                    {
                        user.disabled = true;
                        store.put_users(&[user])?;
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(active)
    }
}

/// Roles from directory groups (compared by CN or full DN, case-insensitively).
pub fn roles_for(groups: &[String], roles: &RolesConfig, unions: &[UnionConfig]) -> Vec<Role> {
    let member_of = |wanted: &str| {
        groups.iter().any(|g| {
            g.eq_ignore_ascii_case(wanted)
                || group_cn(g).is_some_and(|cn| cn.eq_ignore_ascii_case(wanted))
        })
    };
    let any = |list: &[String]| list.iter().any(|g| member_of(g));
    let mut out = Vec::new();
    if any(&roles.publisher) {
        out.push(Role::Publisher);
    }
    if any(&roles.manager) {
        out.push(Role::Manager);
    }
    if any(&roles.webmaster) {
        out.push(Role::Webmaster);
    }
    if any(&roles.admin) {
        out.push(Role::Admin);
    }
    for union in unions {
        if member_of(&union.editor_group)
            && let Some(slug) = UnionSlug::parse(&union.slug)
        {
            out.push(Role::UnionEditor(slug));
        }
    }
    out
}

/// The CN of a group DN: `CN=GG-RH,OU=Groupes,DC=m` → `GG-RH` (escapes kept as typed).
pub fn group_cn(dn: &str) -> Option<&str> {
    let first = split_rdn(dn);
    let (attr, value) = first.split_once('=')?;
    attr.trim().eq_ignore_ascii_case("cn").then(|| value.trim())
}

/// The first RDN of a DN, honouring `\,` escapes.
fn split_rdn(dn: &str) -> &str {
    let bytes = dn.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b',' => return &dn[..i],
            _ => i += 1,
        }
    }
    dn
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles_config() -> RolesConfig {
        RolesConfig {
            publisher: vec!["intranet-publication".into()],
            manager: vec!["service-rh".into(), "service-communication".into()],
            webmaster: vec!["service-communication".into()],
            admin: vec!["CN=service-dsi,ou=groups,dc=val-de-lys,dc=fr".into()],
        }
    }

    fn unions() -> Vec<UnionConfig> {
        vec![UnionConfig {
            slug: "cgt".into(),
            name: "CGT".into(),
            editor_group: "syndicat-cgt".into(),
            description: String::new(),
            logo: None,
        }]
    }

    #[test]
    fn groups_map_to_roles_by_cn_or_dn() {
        let groups = vec![
            "cn=Service-Communication,ou=groups,dc=val-de-lys,dc=fr".to_owned(),
            "cn=service-dsi,ou=groups,dc=val-de-lys,dc=fr".to_owned(),
        ];
        let roles = roles_for(&groups, &roles_config(), &unions());
        assert_eq!(roles, [Role::Manager, Role::Webmaster, Role::Admin]);
        let cgt = roles_for(&["syndicat-cgt".into()], &roles_config(), &unions());
        assert_eq!(cgt, [Role::UnionEditor(UnionSlug::parse("cgt").unwrap())]);
        assert!(
            roles_for(&[], &roles_config(), &unions()).is_empty(),
            "a plain agent"
        );
    }

    #[test]
    fn group_cns_honour_escaped_commas() {
        assert_eq!(group_cn("CN=GG-RH,OU=Groupes,DC=m"), Some("GG-RH"));
        assert_eq!(
            group_cn("cn=Dupont\\, Jean,ou=people"),
            Some("Dupont\\, Jean")
        );
        assert_eq!(group_cn("ou=people,dc=x"), None);
    }
}
