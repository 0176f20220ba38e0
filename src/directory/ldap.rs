//! LDAP and Active Directory, with ldap3 over rustls. Every search runs as the
//! service account; the password is checked by binding as the DN that search
//! found (never as the typed login). Every value put in a filter is escaped.

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry, ldap_escape};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use super::{AccountProblem, AuthError, Backend, BoxFuture, Profile};
use crate::config::{DirectoryConfig, GroupMembership};
use crate::domain::{Login, User};

/// LDAP_MATCHING_RULE_IN_CHAIN: Active Directory resolves nested groups itself.
const IN_CHAIN: &str = "1.2.840.113556.1.4.1941";
/// AD's `userAccountControl` bit for a disabled account.
const UAC_DISABLED: u64 = 2;
/// An upper bound on groups walked when resolving nesting by hand.
const MAX_GROUPS: usize = 500;
/// Entries per page of the annuaire search (AD answers at most 1,000 a page).
const PAGE_SIZE: i32 = 500;

#[derive(Clone)]
pub struct LdapBackend {
    config: DirectoryConfig,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for LdapBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapBackend")
            .field("url", &self.config.url)
            .finish()
    }
}

fn unavailable(e: impl std::fmt::Display) -> AuthError {
    AuthError::Unavailable(e.to_string())
}

/// A rustls client configuration trusting the CAs of a PEM file.
fn tls_config(ca_file: &std::path::Path) -> Result<rustls::ClientConfig, AuthError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca_file)
        .map_err(|e| unavailable(format!("directory.ca_file {}: {e}", ca_file.display())))?;
    for cert in certs {
        let cert =
            cert.map_err(|e| unavailable(format!("directory.ca_file {}: {e}", ca_file.display())))?;
        roots
            .add(cert)
            .map_err(|e| unavailable(format!("directory.ca_file {}: {e}", ca_file.display())))?;
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// `(&<user filter>(<login attribute>=<escaped login>))`
pub fn user_filter(config: &DirectoryConfig, login: &str) -> String {
    format!(
        "(&{}({}={}))",
        config.user_filter,
        config.login_attribute,
        ldap_escape(login)
    )
}

/// Groups that have `dn` as a member; with `in_chain`, transitively (AD).
pub fn groups_filter(config: &DirectoryConfig, dn: &str, in_chain: bool) -> String {
    let rule = if in_chain {
        format!(":{IN_CHAIN}:")
    } else {
        String::new()
    };
    format!(
        "(&{}(member{rule}={}))",
        config.group_filter,
        ldap_escape(dn)
    )
}

/// Maps the `data NNN` detail of an AD bind failure (code 49).
fn account_problem(diagnostic: &str) -> Option<AccountProblem> {
    let code = diagnostic.split("data ").nth(1)?.get(..3)?;
    match code {
        "533" => Some(AccountProblem::Disabled),
        "532" => Some(AccountProblem::PasswordExpired),
        "701" => Some(AccountProblem::AccountExpired),
        "773" => Some(AccountProblem::MustChangePassword),
        "775" => Some(AccountProblem::Locked),
        _ => None,
    }
}

impl LdapBackend {
    pub fn new(config: &DirectoryConfig) -> Result<Self, AuthError> {
        let tls = match &config.ca_file {
            Some(path) => Some(Arc::new(tls_config(path)?)),
            None => None,
        };
        Ok(Self {
            config: config.clone(),
            tls,
        })
    }

    fn attributes(&self) -> Vec<String> {
        let a = &self.config.attributes;
        let mut list = vec![
            self.config.login_attribute.clone(),
            a.given_name.clone(),
            a.surname.clone(),
            a.display_name.clone(),
            a.mail.clone(),
            a.phone.clone(),
            a.service.clone(),
            a.function.clone(),
            a.photo.clone(),
            a.manager.clone(),
            "memberOf".into(),
            "userAccountControl".into(),
        ];
        list.retain(|s| !s.is_empty());
        list
    }

    async fn connect(&self) -> Result<Ldap, AuthError> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(Duration::from_secs(self.config.connect_timeout_seconds))
            .set_starttls(self.config.starttls);
        if let Some(tls) = &self.tls {
            settings = settings.set_config(tls.clone());
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.config.url)
            .await
            .map_err(unavailable)?;
        ldap3::drive!(conn);
        ldap.with_timeout(Duration::from_secs(self.config.timeout_seconds));
        Ok(ldap)
    }

    /// A connection bound as the service account.
    async fn service(&self) -> Result<Ldap, AuthError> {
        let mut ldap = self.connect().await?;
        let password = self
            .config
            .bind_password
            .as_ref()
            .map(|s| s.expose().to_owned())
            .unwrap_or_default();
        ldap.simple_bind(&self.config.bind_dn, &password)
            .await
            .map_err(unavailable)?
            .success()
            .map_err(|e| unavailable(format!("service account bind refused: {e}")))?;
        Ok(ldap)
    }

    async fn search(
        &self,
        ldap: &mut Ldap,
        base: &str,
        filter: &str,
        attrs: Vec<String>,
    ) -> Result<Vec<SearchEntry>, AuthError> {
        let timeout = Duration::from_secs(self.config.timeout_seconds);
        let (entries, _) = ldap
            .with_timeout(timeout)
            .search(base, Scope::Subtree, filter, attrs)
            .await
            .map_err(unavailable)?
            .success()
            .map_err(unavailable)?;
        // AD returns referrals beside entries when searching from the domain root.
        Ok(entries
            .into_iter()
            .filter(|e| !e.is_ref() && !e.is_intermediate())
            .map(SearchEntry::construct)
            .collect())
    }

    async fn find_user(
        &self,
        ldap: &mut Ldap,
        login: &str,
    ) -> Result<Option<SearchEntry>, AuthError> {
        let mut found = self
            .search(
                ldap,
                &self.config.base_dn,
                &user_filter(&self.config, login),
                self.attributes(),
            )
            .await?;
        if found.len() > 1 {
            tracing::warn!(
                count = found.len(),
                "several directory entries match one login; refusing"
            );
            return Ok(None);
        }
        Ok(found.pop())
    }

    fn group_base(&self) -> &str {
        if self.config.group_base_dn.is_empty() {
            &self.config.base_dn
        } else {
            &self.config.group_base_dn
        }
    }

    /// The DNs of every group the entry belongs to, nested ones included when
    /// configured. Group cycles are tolerated.
    async fn groups(&self, ldap: &mut Ldap, entry: &SearchEntry) -> Result<Vec<String>, AuthError> {
        if self.config.nested_groups && self.config.active_directory {
            let filter = groups_filter(&self.config, &entry.dn, true);
            let found = self
                .search(ldap, self.group_base(), &filter, vec!["1.1".into()])
                .await?;
            return Ok(found.into_iter().map(|e| e.dn).collect());
        }
        let direct: Vec<String> = match self.config.group_membership {
            GroupMembership::MemberOf => attr_values(entry, "memberOf"),
            GroupMembership::Search => {
                let filter = groups_filter(&self.config, &entry.dn, false);
                let found = self
                    .search(ldap, self.group_base(), &filter, vec!["1.1".into()])
                    .await?;
                found.into_iter().map(|e| e.dn).collect()
            }
        };
        if !self.config.nested_groups {
            return Ok(direct);
        }
        let mut seen: HashSet<String> = direct.iter().map(|d| d.to_lowercase()).collect();
        let mut all = direct.clone();
        let mut queue: VecDeque<String> = direct.into();
        while let Some(group) = queue.pop_front() {
            if all.len() >= MAX_GROUPS {
                tracing::warn!("group nesting deeper than {MAX_GROUPS} groups; stopping there");
                break;
            }
            let filter = groups_filter(&self.config, &group, false);
            for parent in self
                .search(ldap, self.group_base(), &filter, vec!["1.1".into()])
                .await?
            {
                if seen.insert(parent.dn.to_lowercase()) {
                    all.push(parent.dn.clone());
                    queue.push_back(parent.dn);
                }
            }
        }
        Ok(all)
    }

    fn profile(&self, entry: &SearchEntry) -> Option<Profile> {
        let a = &self.config.attributes;
        let login = first(entry, &self.config.login_attribute)?;
        let display = first(entry, &a.display_name).unwrap_or_default();
        let given_name = first(entry, &a.given_name).unwrap_or_default();
        let mut surname = first(entry, &a.surname).unwrap_or_default();
        if given_name.is_empty() && surname.is_empty() {
            surname = display;
        }
        let user = User {
            login: Login::new(&login),
            given_name,
            surname,
            mail: first(entry, &a.mail).unwrap_or_default(),
            service: first(entry, &a.service).unwrap_or_default(),
            direction: String::new(),
            function: first(entry, &a.function).unwrap_or_default(),
            phone: first(entry, &a.phone).unwrap_or_default(),
            roles: Vec::new(),
            disabled: is_disabled(entry),
            photo: None,
            manager: None,
        };
        let photo = entry
            .bin_attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&a.photo))
            .and_then(|(_, v)| v.first().cloned());
        Some(Profile {
            user,
            groups: Vec::new(),
            photo,
            manager_dn: first(entry, &a.manager),
            dn: entry.dn.clone(),
        })
    }
}

fn attr_values(entry: &SearchEntry, name: &str) -> Vec<String> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn first(entry: &SearchEntry, name: &str) -> Option<String> {
    attr_values(entry, name).into_iter().next()
}

fn is_disabled(entry: &SearchEntry) -> bool {
    first(entry, "userAccountControl")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|uac| uac & UAC_DISABLED != 0)
}

impl Backend for LdapBackend {
    fn authenticate<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<Profile, AuthError>> {
        Box::pin(async move {
            let mut ldap = self.service().await?;
            let entry = self.find_user(&mut ldap, login).await?;
            let Some(entry) = entry else {
                let _ = ldap.unbind().await;
                return Err(AuthError::InvalidCredentials);
            };
            // Check the password with a bind as the DN found, on its own connection.
            let mut user_conn = self.connect().await?;
            let bound = user_conn
                .simple_bind(&entry.dn, password)
                .await
                .map_err(unavailable)?;
            let _ = user_conn.unbind().await;
            match bound.rc {
                0 => {}
                49 => {
                    let _ = ldap.unbind().await;
                    return Err(account_problem(&bound.text)
                        .map(AuthError::Account)
                        .unwrap_or(AuthError::InvalidCredentials));
                }
                rc => {
                    let _ = ldap.unbind().await;
                    return Err(unavailable(format!(
                        "bind answered code {rc}: {}",
                        bound.text
                    )));
                }
            }
            if is_disabled(&entry) {
                let _ = ldap.unbind().await;
                return Err(AuthError::Account(AccountProblem::Disabled));
            }
            let mut profile = self.profile(&entry).ok_or(AuthError::InvalidCredentials)?;
            profile.groups = self.groups(&mut ldap, &entry).await?;
            let _ = ldap.unbind().await;
            Ok(profile)
        })
    }

    fn all_people(&self) -> BoxFuture<'_, Result<Vec<Profile>, AuthError>> {
        Box::pin(async move {
            let mut ldap = self.service().await?;
            let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
                Box::new(EntriesOnly::new()),
                Box::new(PagedResults::new(PAGE_SIZE)),
            ];
            let filter = format!(
                "(&{}({}=*))",
                self.config.user_filter, self.config.login_attribute
            );
            let mut stream = ldap
                .streaming_search_with(
                    adapters,
                    &self.config.base_dn,
                    Scope::Subtree,
                    &filter,
                    self.attributes(),
                )
                .await
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            while let Some(entry) = stream.next().await.map_err(unavailable)? {
                let entry = SearchEntry::construct(entry);
                if is_disabled(&entry) {
                    continue;
                }
                entries.push(entry);
            }
            stream.finish().await.success().map_err(unavailable)?;
            // Groups per person, nesting included, so that the refreshed cache
            // carries the same roles a sign-in would give.
            let mut people = Vec::with_capacity(entries.len());
            for entry in entries {
                if let Some(mut profile) = self.profile(&entry) {
                    profile.groups = self.groups(&mut ldap, &entry).await?;
                    people.push(profile);
                }
            }
            let _ = ldap.unbind().await;
            Ok(people)
        })
    }

    fn is_active<'a>(&'a self, login: &'a Login) -> BoxFuture<'a, Result<bool, AuthError>> {
        Box::pin(async move {
            let mut ldap = self.service().await?;
            let entry = self.find_user(&mut ldap, login.as_str()).await?;
            let _ = ldap.unbind().await;
            Ok(entry.is_some_and(|e| !is_disabled(&e)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_escaped() {
        let config = DirectoryConfig {
            login_attribute: "sAMAccountName".into(),
            ..DirectoryConfig::default()
        };
        assert_eq!(
            user_filter(&config, "*)(uid=*"),
            "(&(objectClass=person)(sAMAccountName=\\2a\\29\\28uid=\\2a))"
        );
        let nested = groups_filter(&config, "CN=Dupont\\, Jean,OU=Agents,DC=m", true);
        assert!(
            nested.contains("(member:1.2.840.113556.1.4.1941:=CN=Dupont\\5c, Jean,OU=Agents,DC=m)"),
            "{nested}"
        );
    }

    #[test]
    fn ad_bind_details_map_to_account_problems() {
        let text = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 533, v4563";
        assert_eq!(account_problem(text), Some(AccountProblem::Disabled));
        assert_eq!(
            account_problem("... data 773, v4563"),
            Some(AccountProblem::MustChangePassword)
        );
        assert_eq!(
            account_problem("... data 701, v4563"),
            Some(AccountProblem::AccountExpired)
        );
        assert_eq!(
            account_problem("... data 532, v4563"),
            Some(AccountProblem::PasswordExpired)
        );
        assert_eq!(account_problem("... data 52e, v4563"), None);
        assert_eq!(account_problem("Invalid credentials"), None);
    }
}
