//! Sign-in against a real OpenLDAP slapd (tests/it/slapd.rs): every login
//! attribute, wrong and empty passwords, injection, group mapping with nested
//! groups and cycles, a disabled account, TLS, a directory that is down, and
//! the annuaire refresh.

use kiosque::config::{Config, Overrides};
use kiosque::directory::{AccountProblem, AuthError, Directory};
use kiosque::domain::{Login, Role, UnionSlug};
use kiosque::store::Store;

use crate::slapd::{AGENT_PASSWORD, JMARTIN_PASSWORD, Slapd};
use crate::support::*;

/// A kiosque configuration for this slapd; `extra` goes in `[directory]`.
fn ldap_toml(slapd: &Slapd, url: &str, starttls: bool, extra: &str) -> String {
    format!(
        r#"site_name = "Ville de Val-de-Lys"

[directory]
backend = "ldap"
url = "{url}"
starttls = {starttls}
ca_file = "{ca}"
bind_dn = "{service_dn}"
bind_password = "{password}"
base_dn = "{base}"
nested_groups = true
{extra}

[roles]
publisher = ["intranet-publication"]
manager = ["service-rh", "service-communication", "service-dsi"]
webmaster = ["service-communication"]
admin = ["service-dsi", "cycle-a"]

[[unions]]
slug = "cgt"
name = "CGT des territoriaux"
editor_group = "syndicat-cgt"

[[unions]]
slug = "cfdt"
name = "CFDT Interco"
editor_group = "syndicat-cfdt"
"#,
        ca = slapd.ca_file.display(),
        service_dn = slapd.service_dn,
        password = slapd.service_password,
        base = slapd.base_dn,
    )
}

fn config(dir: &std::path::Path, toml: &str) -> Config {
    std::fs::create_dir_all(dir).unwrap();
    let overrides = Overrides {
        data_dir: Some(dir.to_owned()),
        listen: Some("127.0.0.1:0".parse().unwrap()),
    };
    Config::merge(Some(("ldap.toml", toml)), [], &overrides).unwrap()
}

fn directory(dir: &std::path::Path, toml: &str) -> Directory {
    let config = config(dir, toml);
    let store = Store::open(&config.store_path()).unwrap();
    Directory::from_config(&config, store).unwrap()
}

fn starttls(slapd: &Slapd, extra: &str) -> String {
    ldap_toml(slapd, &slapd.url, true, extra)
}

#[tokio::test]
async fn agents_sign_in_with_each_login_attribute() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    for (attribute, typed, expected) in [
        ("uid", "amndiaye", "amndiaye"),
        ("sAMAccountName", "AMNDIAYE", "amndiaye"),
        (
            "userPrincipalName",
            "amndiaye@val-de-lys.fr",
            "amndiaye@val-de-lys.fr",
        ),
        (
            "mail",
            "anne-marie.ndiaye@val-de-lys.fr",
            "anne-marie.ndiaye@val-de-lys.fr",
        ),
    ] {
        let sub = dir.path().join(attribute);
        std::fs::create_dir_all(&sub).unwrap();
        let directory = directory(
            &sub,
            &starttls(&slapd, &format!("login_attribute = \"{attribute}\"")),
        );
        let user = directory
            .sign_in(typed, AGENT_PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{attribute}: {e}"));
        assert_eq!(user.login, Login::new(expected), "{attribute}");
        assert_eq!(user.display_name(), "Anne-Marie N'Diaye");
        assert_eq!(
            user.roles,
            [Role::UnionEditor(UnionSlug::parse("cgt").unwrap())],
            "{attribute}"
        );
    }
}

#[tokio::test]
async fn wrong_empty_and_hostile_logins_are_refused_alike() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    let directory = directory(dir.path(), &starttls(&slapd, ""));
    for (login, password) in [
        ("amndiaye", "mauvais"),
        ("amndiaye", ""),
        ("jmartin", AGENT_PASSWORD),
        ("personne", AGENT_PASSWORD),
        ("*", AGENT_PASSWORD),
        ("*)(uid=*", AGENT_PASSWORD),
        ("amndiaye)(|(uid=*", AGENT_PASSWORD),
        ("amndiaye\0", AGENT_PASSWORD),
    ] {
        let result = directory.sign_in(login, password).await;
        assert!(
            matches!(result, Err(AuthError::InvalidCredentials)),
            "{login:?}/{password:?}: {result:?}"
        );
    }
    assert!(directory.sign_in("jmartin", JMARTIN_PASSWORD).await.is_ok());
}

#[tokio::test]
async fn groups_map_to_roles_with_nesting_cycles_and_commas() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    for mode in ["memberof", "search"] {
        let sub = dir.path().join(mode);
        std::fs::create_dir_all(&sub).unwrap();
        let directory = directory(
            &sub,
            &starttls(&slapd, &format!("group_membership = \"{mode}\"")),
        );
        let roles = |login: &'static str| {
            let directory = directory.clone();
            async move {
                directory
                    .sign_in(login, AGENT_PASSWORD)
                    .await
                    .unwrap()
                    .roles
            }
        };
        assert_eq!(
            roles("clefevre").await,
            Vec::<Role>::new(),
            "{mode}: a plain agent"
        );
        assert_eq!(
            roles("hmarchand").await,
            [Role::Publisher],
            "{mode}: codir ⊂ publication"
        );
        assert_eq!(
            roles("mdupont").await,
            [Role::Publisher],
            "{mode}: referents ⊂ publication"
        );
        assert_eq!(
            roles("jroussel").await,
            [Role::Manager, Role::Webmaster],
            "{mode}"
        );
        assert_eq!(roles("nbenali").await, [Role::Manager], "{mode}");
        assert_eq!(
            roles("tgarnier").await,
            [Role::Manager, Role::Admin],
            "{mode}"
        );
        assert_eq!(
            roles("rgauthier").await,
            [Role::Admin],
            "{mode}: cycle-b ⊂ cycle-a ⊂ cycle-b"
        );
        assert_eq!(
            roles("jdupont").await,
            [Role::UnionEditor(UnionSlug::parse("cfdt").unwrap())],
            "{mode}: a DN with a comma"
        );
    }
    // Without nesting, the publication group's members of members are not publishers.
    let flat = directory(
        &dir.path().join("flat-store"),
        &starttls(&slapd, "").replace("nested_groups = true", "nested_groups = false"),
    );
    assert_eq!(
        flat.sign_in("hmarchand", AGENT_PASSWORD)
            .await
            .unwrap()
            .roles,
        Vec::<Role>::new()
    );
}

#[tokio::test]
async fn a_disabled_account_is_refused_even_with_its_password() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    let directory = directory(dir.path(), &starttls(&slapd, ""));
    let result = directory.sign_in("desactive", AGENT_PASSWORD).await;
    assert!(
        matches!(result, Err(AuthError::Account(AccountProblem::Disabled))),
        "{result:?}"
    );
    assert!(!directory.is_active(&Login::new("desactive")).await.unwrap());
    assert!(
        !directory
            .is_active(&Login::new("parti-depuis-longtemps"))
            .await
            .unwrap()
    );
    assert!(directory.is_active(&Login::new("clefevre")).await.unwrap());
}

#[tokio::test]
async fn ldaps_works_with_the_ca_file_and_fails_without_it() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    let ldaps = directory(
        &dir.path().join("a"),
        &ldap_toml(&slapd, &slapd.ldaps_url, false, ""),
    );
    assert!(ldaps.sign_in("clefevre", AGENT_PASSWORD).await.is_ok());
    let untrusted = ldap_toml(&slapd, &slapd.ldaps_url, false, "")
        .replace(&format!("ca_file = \"{}\"\n", slapd.ca_file.display()), "");
    let no_ca = directory(&dir.path().join("b"), &untrusted);
    assert!(matches!(
        no_ca.sign_in("clefevre", AGENT_PASSWORD).await,
        Err(AuthError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_directory_that_is_down_gets_a_clear_french_message() {
    let mut slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    let toml = starttls(&slapd, "connect_timeout_seconds = 2");
    let config = config(dir.path(), &toml);
    let mut server = TestServer::start_in(dir, config).await;
    server.client = server.signed_in("clefevre", AGENT_PASSWORD).await;
    server.page("/", 200).await;
    slapd.kill();
    let response = server
        .post_sign_in(&new_client(), "nbenali", AGENT_PASSWORD)
        .await;
    assert_eq!(response.status().as_u16(), 503);
    let html = scraper::Html::parse_document(&response.text().await.unwrap());
    assert!(
        text(&html, "#erreur-connexion").contains("l'annuaire de la collectivité ne répond pas")
    );
    // Agents already signed in keep working; no session is ended for a directory outage.
    assert_eq!(
        kiosque::app::end_sessions_of_inactive_accounts(server.state()).await,
        0
    );
    server.page("/", 200).await;
}

#[tokio::test]
async fn signing_in_over_http_gives_the_mapped_rights() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &starttls(&slapd, ""));
    let mut server = TestServer::start_in(dir, config).await;
    server.client = server.signed_in("tgarnier", AGENT_PASSWORD).await;
    server.page("/admin", 200).await;
    let html = server.page("/", 200).await;
    assert_eq!(text(&html, ".header-user"), "Thomas Garnier");
    server.client = server.signed_in("clefevre", AGENT_PASSWORD).await;
    server.page("/admin", 403).await;
    let refused = server
        .post_sign_in(&new_client(), "clefevre", "mauvais")
        .await;
    assert_eq!(refused.status().as_u16(), 401);
}

#[tokio::test]
async fn the_annuaire_is_refreshed_from_the_directory_with_photos_and_managers() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &starttls(&slapd, ""));
    let mut server = TestServer::start_in(dir, config).await;
    server.client = server.signed_in("tgarnier", AGENT_PASSWORD).await;
    let count = server.state().directory.refresh().await.unwrap();
    assert_eq!(count, 58, "the fixture's 59 agents but the disabled one");
    // The refresh computes roles like a sign-in: the administrator stays one.
    server.page("/admin", 200).await;
    let card = server.page("/annuaire/amndiaye", 200).await;
    assert_eq!(text(&card, "h1"), "Anne-Marie N'Diaye");
    assert!(
        !attrs(&card, "img.avatar", "src").is_empty(),
        "the directory photo is shown"
    );
    assert!(
        text(&card, "dl.facts").contains("Responsable"),
        "the manager comes from the directory"
    );
    let found = server.page("/annuaire?q=lefevre", 200).await;
    assert!(text(&found, "ul.people").contains("Lefèvre"));
    server.page("/annuaire/desactive", 404).await;
    let chart = server.page("/organigramme", 200).await;
    assert!(
        text(&chart, "ul.org-chart").contains("Hélène Marchand"),
        "the DGS heads the chart"
    );
}

#[tokio::test]
async fn an_account_disabled_in_the_directory_loses_its_sessions() {
    let slapd = Slapd::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &starttls(&slapd, ""));
    let mut server = TestServer::start_in(dir, config).await;
    server.client = server.signed_in("clefevre", AGENT_PASSWORD).await;
    server.page("/", 200).await;
    assert_eq!(
        kiosque::app::end_sessions_of_inactive_accounts(server.state()).await,
        0
    );
    disable(&slapd, "uid=clefevre,ou=people,dc=val-de-lys,dc=fr");
    assert_eq!(
        kiosque::app::end_sessions_of_inactive_accounts(server.state()).await,
        1
    );
    assert_eq!(server.get("/").await.status().as_u16(), 303);
}

/// Sets `userAccountControl: 514` on an entry, as an AD administrator would.
fn disable(slapd: &Slapd, dn: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("ldapmodify")
        .args([
            "-x",
            "-H",
            &slapd.url,
            "-D",
            &slapd.admin_dn,
            "-w",
            &slapd.admin_password,
        ])
        .env("LDAPNOINIT", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    write!(
        child.stdin.take().unwrap(),
        "dn: {dn}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n"
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
}
