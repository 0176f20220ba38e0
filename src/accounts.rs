//! `kiosque user …`: the local directory's accounts, managed from the command
//! line by the IT service. Passwords are hashed with argon2; nothing prints them.

use anyhow::{Context, bail};
use std::io::IsTerminal;

use crate::cli::UserCommand;
use crate::config::{Config, DirectoryBackend};
use crate::directory::hash_password;
use crate::domain::{Login, Role, UnionSlug, User};
use crate::store::Store;

/// The shortest password accepted for a local account.
const MIN_PASSWORD: usize = 12;

pub fn run(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    if config.directory.backend != DirectoryBackend::Local {
        bail!(
            "the directory is LDAP: accounts are managed in the directory itself, not with `kiosque user`"
        );
    }
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let store = Store::open(&config.store_path())
        .with_context(|| format!("opening the store in {}", config.data_dir.display()))?;
    match command {
        UserCommand::Add {
            login,
            given_name,
            surname,
            mail,
            service,
            function,
            phone,
            roles,
        } => {
            let login = checked_login(&login)?;
            if store.get_user(&login)?.is_some() {
                bail!(
                    "the account {login} already exists; use `kiosque user passwd {login}` to change its password"
                );
            }
            let roles = roles
                .iter()
                .map(|r| parse_role(r, config))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let password = read_password(&format!("Mot de passe pour {login} : "))?;
            let user = User {
                login: login.clone(),
                given_name,
                surname,
                mail,
                service,
                direction: String::new(),
                function,
                phone,
                roles,
                disabled: false,
                photo: None,
                manager: None,
            };
            store.put_users(&[user])?;
            store.set_credential(&login, &hash_password(&password))?;
            println!("Compte {login} créé.");
        }
        UserCommand::Passwd { login } => {
            let login = existing(&store, &login)?.login;
            let password = read_password(&format!("Nouveau mot de passe pour {login} : "))?;
            store.set_credential(&login, &hash_password(&password))?;
            let ended = store.delete_sessions_of(&login)?;
            println!("Mot de passe de {login} changé ; {ended} session(s) terminée(s).");
        }
        UserCommand::Disable { login } => {
            let mut user = existing(&store, &login)?;
            user.disabled = true;
            store.put_users(std::slice::from_ref(&user))?;
            let ended = store.delete_sessions_of(&user.login)?;
            println!(
                "Compte {} désactivé ; {ended} session(s) terminée(s).",
                user.login
            );
        }
        UserCommand::Enable { login } => {
            let mut user = existing(&store, &login)?;
            user.disabled = false;
            store.put_users(std::slice::from_ref(&user))?;
            println!("Compte {} réactivé.", user.login);
        }
    }
    Ok(())
}

fn checked_login(raw: &str) -> anyhow::Result<Login> {
    let login = Login::new(raw);
    let ok = !login.as_str().is_empty()
        && login.as_str().len() <= 64
        && login
            .as_str()
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !ok {
        bail!("a login is 1–64 letters, digits, dots, hyphens, underscores or @ (got {raw:?})");
    }
    Ok(login)
}

fn existing(store: &Store, raw: &str) -> anyhow::Result<User> {
    let login = Login::new(raw);
    store
        .get_user(&login)?
        .with_context(|| format!("no local account named {login}"))
}

fn parse_role(raw: &str, config: &Config) -> anyhow::Result<Role> {
    Ok(match raw {
        "publisher" => Role::Publisher,
        "manager" => Role::Manager,
        "webmaster" => Role::Webmaster,
        "admin" => Role::Admin,
        other => {
            let slug = other
                .strip_prefix("union:")
                .and_then(UnionSlug::parse)
                .with_context(|| format!("unknown role {other:?}: publisher, manager, webmaster, admin or union:<slug>"))?;
            if !config.unions.iter().any(|u| u.slug == slug.as_str()) {
                bail!("no union {slug} in the configuration");
            }
            Role::UnionEditor(slug)
        }
    })
}

/// Reads a password without echo on a terminal, or one line from stdin.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)?;
        let again = rpassword::prompt_password("Confirmez : ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.chars().count() < MIN_PASSWORD {
        bail!("the password must have at least {MIN_PASSWORD} characters");
    }
    Ok(password)
}
