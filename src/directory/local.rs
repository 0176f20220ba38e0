//! Local accounts: argon2 hashes in the store (the demo, small sites without a
//! directory). Unknown accounts cost the same work as known ones.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

use super::{AccountProblem, AuthError, Backend, BoxFuture, Profile};
use crate::domain::Login;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct LocalBackend {
    store: Store,
}

/// Hashes a password to an argon2id PHC string.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters")
        .to_string()
}

/// A hash to verify against when the account does not exist, so that an
/// attacker cannot tell unknown accounts by their speed.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("kiosque-decoy-password"))
}

fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

impl LocalBackend {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Backend for LocalBackend {
    fn authenticate<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<Profile, AuthError>> {
        let login = Login::new(login);
        let password = password.to_owned();
        Box::pin(async move {
            let found = self
                .store
                .run(move |store| {
                    let credential = store.get_credential(&login)?;
                    let user = store.get_user(&login)?;
                    Ok((credential, user))
                })
                .await?;
            let (credential, user) = found;
            let phc = credential
                .clone()
                .unwrap_or_else(|| decoy_hash().to_owned());
            // argon2 is deliberately slow: keep it off the async executor.
            let ok = tokio::task::spawn_blocking(move || verify(&password, &phc))
                .await
                .unwrap_or(false);
            match (ok && credential.is_some(), user) {
                (true, Some(user)) if user.disabled => {
                    Err(AuthError::Account(AccountProblem::Disabled))
                }
                (true, Some(user)) => Ok(Profile {
                    user,
                    groups: Vec::new(),
                    photo: None,
                    dn: String::new(),
                    manager_dn: None,
                }),
                _ => Err(AuthError::InvalidCredentials),
            }
        })
    }

    fn all_people(&self) -> BoxFuture<'_, Result<Vec<Profile>, AuthError>> {
        Box::pin(async move {
            let users = self.store.run(|store| store.all_users()).await?;
            Ok(users
                .into_iter()
                .filter(|u| !u.disabled)
                .map(|user| Profile {
                    user,
                    groups: Vec::new(),
                    photo: None,
                    dn: String::new(),
                    manager_dn: None,
                })
                .collect())
        })
    }

    fn is_active<'a>(&'a self, login: &'a Login) -> BoxFuture<'a, Result<bool, AuthError>> {
        let login = login.clone();
        Box::pin(async move {
            let user = self.store.run(move |store| store.get_user(&login)).await?;
            Ok(user.is_some_and(|u| !u.disabled))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::User;

    #[tokio::test]
    async fn local_accounts_check_passwords_and_refuse_disabled_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let user = |login: &str, disabled: bool| User {
            login: Login::new(login),
            given_name: "Camille".into(),
            surname: "Lefèvre".into(),
            mail: String::new(),
            service: String::new(),
            direction: String::new(),
            function: String::new(),
            phone: String::new(),
            roles: vec![],
            disabled,
            photo: None,
            manager: None,
        };
        store
            .put_users(&[user("agent", false), user("parti", true)])
            .unwrap();
        let phc = hash_password("secret");
        store
            .set_credentials(&[Login::new("agent"), Login::new("parti")], &phc)
            .unwrap();
        let backend = LocalBackend::new(store);
        assert!(
            backend.authenticate("AGENT", "secret").await.is_ok(),
            "logins fold case"
        );
        assert!(matches!(
            backend.authenticate("agent", "Secret").await,
            Err(AuthError::InvalidCredentials)
        ));
        assert!(matches!(
            backend.authenticate("inconnu", "secret").await,
            Err(AuthError::InvalidCredentials)
        ));
        assert!(matches!(
            backend.authenticate("parti", "secret").await,
            Err(AuthError::Account(AccountProblem::Disabled))
        ));
        assert!(!backend.is_active(&Login::new("parti")).await.unwrap());
    }
}
