//! Identity over real HTTP with the local directory: sign-in, sessions per
//! device class, sign-out, throttling, the charter, the annuaire, administration.

use jiff::SignedDuration;
use std::time::Instant;

use crate::support::*;

fn config_with(dir: &std::path::Path, extra: &str) -> kiosque::config::Config {
    test_config(dir, Some(&format!("demo = true\n{extra}")))
}

async fn demo_with(extra: &str) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), extra);
    std::fs::copy(demo_template(), config.store_path()).unwrap();
    TestServer::start_in(dir, config).await
}

#[tokio::test]
async fn a_refused_sign_in_keeps_the_login_and_says_why_in_french() {
    let server = TestServer::demo().await;
    let client = new_client();
    for (login, password) in [("agent", "mauvais"), ("inconnu", "kiosque"), ("agent", "")] {
        let response = server.post_sign_in(&client, login, password).await;
        assert_eq!(response.status().as_u16(), 401, "{login}/{password}");
        let html = scraper::Html::parse_document(&response.text().await.unwrap());
        assert!(
            text(&html, "#erreur-connexion").starts_with("Identifiant ou mot de passe incorrect")
        );
        assert_eq!(
            attrs(&html, "#identifiant", "value"),
            [login],
            "the login is kept"
        );
        assert_eq!(
            attrs(&html, "#mot-de-passe", "value"),
            Vec::<String>::new(),
            "never the password"
        );
    }
    assert_eq!(
        client
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
}

#[tokio::test]
async fn unknown_accounts_and_wrong_passwords_take_similar_time() {
    let server = TestServer::demo().await;
    let time = |login: &'static str| {
        let server = &server;
        async move {
            let client = new_client();
            let start = Instant::now();
            let response = server.post_sign_in(&client, login, "pas-le-bon").await;
            assert_eq!(response.status().as_u16(), 401);
            start.elapsed()
        }
    };
    let known = time("codir").await;
    let unknown = time("personne-de-ce-nom").await;
    assert!(
        known.as_millis() >= 400 && unknown.as_millis() >= 400,
        "{known:?} {unknown:?}"
    );
    let gap = known.abs_diff(unknown);
    assert!(
        gap.as_millis() < 250,
        "known {known:?} vs unknown {unknown:?}"
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account() {
    let server = TestServer::demo().await;
    let client = new_client();
    for _ in 0..5 {
        assert_eq!(
            server
                .post_sign_in(&client, "rh", "faux")
                .await
                .status()
                .as_u16(),
            401
        );
    }
    let started = Instant::now();
    let throttled = server.post_sign_in(&client, "rh", "kiosque").await;
    assert!(
        started.elapsed().as_millis() < 300,
        "a throttled attempt answers at once"
    );
    assert_eq!(
        throttled.status().as_u16(),
        429,
        "even the right password waits"
    );
    let html = scraper::Html::parse_document(&throttled.text().await.unwrap());
    assert!(text(&html, "#erreur-connexion").starts_with("Trop de tentatives"));
    // The same message for an account that does not exist.
    for _ in 0..5 {
        server.post_sign_in(&client, "fantome", "faux").await;
    }
    assert_eq!(
        server
            .post_sign_in(&client, "fantome", "faux")
            .await
            .status()
            .as_u16(),
        429
    );
    // Once the wait is over, the right password works.
    server.clock.advance(SignedDuration::from_secs(2));
    assert_eq!(
        server
            .post_sign_in(&client, "rh", "kiosque")
            .await
            .status()
            .as_u16(),
        303
    );
}

#[tokio::test]
async fn sign_out_ends_the_server_session_and_clears_the_browser() {
    let server = TestServer::demo_as("agent").await;
    let cookie_client = server.client.clone();
    let html = server.page("/actus", 200).await;
    let csrf = csrf_of(&html);
    // The session token, as a thief would have copied it.
    let response = server
        .client
        .post(server.url("/deconnexion"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/connexion?deconnecte=1");
    assert_eq!(
        response.headers()["clear-site-data"],
        "\"cache\", \"cookies\", \"storage\""
    );
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(set_cookie.contains("Max-Age=0"), "{set_cookie}");
    assert_eq!(
        cookie_client
            .get(server.url("/actus"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
}

#[tokio::test]
async fn a_replayed_cookie_is_refused_after_sign_out() {
    let server = TestServer::demo().await;
    let client = new_client();
    let response = server.post_sign_in(&client, "agent", DEMO_PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    accept_charter(&client, &server.base).await;
    let html = scraper::Html::parse_document(
        &client
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    client
        .post(server.url("/deconnexion"))
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = replay
        .get(server.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
}

#[tokio::test]
async fn each_sign_in_gets_a_new_token() {
    let server = TestServer::demo().await;
    let token = |response: reqwest::Response| {
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let a = token(
        server
            .post_sign_in(&new_client(), "agent", DEMO_PASSWORD)
            .await,
    );
    let b = token(
        server
            .post_sign_in(&new_client(), "agent", DEMO_PASSWORD)
            .await,
    );
    assert_ne!(a, b);
    let value = a.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert_eq!(value.len(), 64, "256 random bits in hex");
    assert!(a.contains("HttpOnly") && a.contains("SameSite=Lax"), "{a}");
}

#[tokio::test]
async fn personal_sessions_end_after_eight_idle_hours_unless_stay_signed_in() {
    let mut server = TestServer::demo_as("agent").await;
    server.page("/", 200).await;
    server
        .clock
        .advance(SignedDuration::from_hours(8) - SignedDuration::from_secs(1));
    server.page("/", 200).await;
    server.clock.advance(SignedDuration::from_hours(8));
    assert_eq!(server.get("/").await.status().as_u16(), 303);

    // "Rester connecté": a cookie for 30 days, and the session outlives idle days.
    let client = new_client();
    let response = client
        .post(server.url("/connexion"))
        .form(&[
            ("identifiant", "agent"),
            ("mot_de_passe", DEMO_PASSWORD),
            ("rester_connecte", "oui"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=2592000")
    );
    accept_charter(&client, &server.base).await;
    server.client = client;
    server.clock.advance(SignedDuration::from_hours(24 * 10));
    server.page("/", 200).await;
    server.clock.advance(SignedDuration::from_hours(24 * 21));
    assert_eq!(
        server.get("/").await.status().as_u16(),
        303,
        "30 days at most"
    );
}

#[tokio::test]
async fn shared_computers_sign_out_after_ten_idle_minutes_and_never_stay() {
    let mut server = demo_with("[sessions]\nshared_addresses = [\"127.0.0.0/8\"]").await;
    let html = server.page("/connexion", 200).await;
    assert!(
        select(&html, "input[name=rester_connecte]").is_empty(),
        "no 'stay' on a shared computer"
    );
    server.client = server.signed_in("agent", DEMO_PASSWORD).await;
    server.clock.advance(SignedDuration::from_mins(9));
    server.page("/", 200).await;
    server.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(server.get("/").await.status().as_u16(), 303);
}

#[tokio::test]
async fn kiosk_sessions_end_after_ninety_idle_seconds_and_stay_on_the_borne() {
    let server = demo_with("[kiosk]\nlisten = \"127.0.0.1:0\"\nname = \"Borne CTM\"").await;
    let client = new_client();
    let page = client
        .get(server.kiosk_url("/connexion"))
        .send()
        .await
        .unwrap();
    let html = scraper::Html::parse_document(&page.text().await.unwrap());
    assert!(
        select(&html, "input[name=rester_connecte]").is_empty(),
        "no 'stay' on a borne"
    );
    assert_eq!(attrs(&html, "body", "data-device"), ["kiosk"]);
    let response = client
        .post(server.kiosk_url("/connexion"))
        .form(&[
            ("identifiant", "agent"),
            ("mot_de_passe", DEMO_PASSWORD),
            ("rester_connecte", "oui"),
        ])
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !set_cookie.contains("Max-Age"),
        "a borne never keeps a session: {set_cookie}"
    );
    let base = server.kiosk_url("");
    accept_charter(&client, &base).await;
    assert_eq!(
        client
            .get(server.kiosk_url("/"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // The borne's cookie is worth nothing on the web listener.
    assert_eq!(
        client
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
    server.clock.advance(SignedDuration::from_secs(89));
    assert_eq!(
        client
            .get(server.kiosk_url("/"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    server.clock.advance(SignedDuration::from_secs(90));
    // The session is gone: the borne shows its idle screen, nothing of the agent.
    let after = client
        .get(server.kiosk_url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(after.contains("Touchez l'écran pour commencer"));
    assert!(!after.contains("Camille"));
    assert_eq!(
        client
            .get(server.kiosk_url("/actus"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
}

#[tokio::test]
async fn the_charter_is_accepted_once_and_again_for_each_new_version() {
    let server = TestServer::demo().await;
    let client = new_client();
    server.post_sign_in(&client, "agent", DEMO_PASSWORD).await;
    let first = client.get(server.url("/annonces")).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 303);
    assert_eq!(
        first.headers()["location"],
        "/charte/accepter?retour=%2Fannonces"
    );
    accept_charter(&client, &server.base).await;
    assert_eq!(
        client
            .get(server.url("/annonces"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let html = scraper::Html::parse_document(
        &client
            .get(server.url("/charte"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(text(&html, "p.notice").starts_with("Vous avez accepté la version 1"));

    // An administrator publishes version 2: the agent must accept it.
    let admin = server.signed_in("dsi", DEMO_PASSWORD).await;
    let form = scraper::Html::parse_document(
        &admin
            .get(server.url("/admin/charte"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let csrf = attrs(
        &form,
        "form[action='/admin/charte'] input[name=csrf]",
        "value",
    )
    .remove(0);
    let short = admin
        .post(server.url("/admin/charte"))
        .form(&[("csrf", csrf.as_str()), ("texte", "Trop court")])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status().as_u16(), 422);
    let kept = scraper::Html::parse_document(&short.text().await.unwrap());
    assert_eq!(
        text(&kept, "textarea"),
        "Trop court",
        "a refused form keeps what was typed"
    );
    let published = admin
        .post(server.url("/admin/charte"))
        .form(&[
            ("csrf", csrf.as_str()),
            (
                "texte",
                "## Nouvelle charte\n\nDéconnectez-vous toujours sur une borne.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(published.status().as_u16(), 303);
    let again = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(again.headers()["location"], "/charte/accepter");
    let page = scraper::Html::parse_document(
        &client
            .get(server.url("/charte/accepter"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(text(&page, "p.notice").starts_with("La charte a changé"));
    assert!(text(&page, ".prose h2").contains("Nouvelle charte"));
    accept_charter(&client, &server.base).await;
    assert_eq!(
        client
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // The administrator too accepts the new version before going on.
    assert_eq!(
        admin
            .get(server.url("/admin"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
    accept_charter(&admin, &server.base).await;
    let log = scraper::Html::parse_document(
        &admin
            .get(server.url("/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(text(&log, "table.audit tbody").contains("publication de la charte"));
}

#[tokio::test]
async fn admins_end_an_agents_sessions_and_nobody_else_can() {
    let server = TestServer::demo_as("agent").await;
    server.page("/", 200).await;
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let admin = server.signed_in("dsi", DEMO_PASSWORD).await;
    let html = scraper::Html::parse_document(
        &admin
            .get(server.url("/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let csrf = csrf_of(&html);
    // Without the session's token, or from another origin: refused.
    let forged = admin
        .post(server.url("/admin/sessions"))
        .form(&[("csrf", "faux"), ("identifiant", "agent")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let cross = admin
        .post(server.url("/admin/sessions"))
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", csrf.as_str()), ("identifiant", "agent")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);
    let page = scraper::Html::parse_document(&cross.text().await.unwrap());
    assert_eq!(
        text(&page, "main h1"),
        "Accès refusé",
        "a French page, not a bare 403"
    );
    let refused = webmaster
        .post(server.url("/admin/sessions"))
        .form(&[("csrf", "x"), ("identifiant", "agent")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    server.page("/", 200).await;
    let done = admin
        .post(server.url("/admin/sessions"))
        .form(&[("csrf", csrf.as_str()), ("identifiant", "agent")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(
        server.get("/").await.status().as_u16(),
        303,
        "the agent's session is gone"
    );
    let log = scraper::Html::parse_document(
        &admin
            .get(server.url("/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(text(&log, "table.audit tbody").contains("fin des sessions"));
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions() {
    let server = TestServer::demo_as("agent").await;
    server.page("/", 200).await;
    let store = server.state().content.store().clone();
    let mut user = store
        .get_user(&kiosque::domain::Login::new("agent"))
        .unwrap()
        .unwrap();
    user.disabled = true;
    store.put_users(&[user]).unwrap();
    assert_eq!(
        kiosque::app::end_sessions_of_inactive_accounts(server.state()).await,
        1
    );
    assert_eq!(server.get("/").await.status().as_u16(), 303);
    let refused = server
        .post_sign_in(&new_client(), "agent", DEMO_PASSWORD)
        .await;
    assert_eq!(refused.status().as_u16(), 403);
    let html = scraper::Html::parse_document(&refused.text().await.unwrap());
    assert!(text(&html, "#erreur-connexion").starts_with("Votre compte est désactivé"));
}

#[tokio::test]
async fn the_annuaire_finds_colleagues_without_accents() {
    let server = TestServer::demo_as("agent").await;
    let html = server.page("/annuaire?q=lefevre", 200).await;
    let names: Vec<String> = select(&html, "a.person-name")
        .iter()
        .map(|e| e.text().collect())
        .collect();
    assert!(names.iter().any(|n| n == "Camille Lefèvre"), "{names:?}");
    let by_function = server.page("/annuaire?q=jardini", 200).await;
    assert!(select(&by_function, "li.person").len() > 3);
    let ndiaye = server.page("/annuaire?q=n%27diaye", 200).await;
    let href = attrs(&ndiaye, "a.person-name", "href");
    assert!(href.contains(&"/annuaire/syndicat".to_owned()), "{href:?}");
    let card = server.page("/annuaire/syndicat", 200).await;
    assert_eq!(text(&card, "h1"), "Anne-Marie N'Diaye");
    assert!(text(&card, "dl.facts").contains("Restauration scolaire"));
    let service = server.page("/annuaire?service=Espaces%20verts", 200).await;
    assert!(text(&service, ".result-count").ends_with("agents trouvés."));
    let none = server.page("/annuaire?q=zzzzzz", 200).await;
    assert_eq!(
        text(&none, ".result-count"),
        "Aucun agent ne correspond à votre recherche."
    );
    server.page("/annuaire/personne-inconnue", 404).await;
    let me = server.page("/annuaire/moi", 200).await;
    assert_eq!(text(&me, "h1"), "Camille Lefèvre");
    let chart = server.page("/organigramme", 200).await;
    assert!(
        select(&chart, "ul.org-chart li").len() > 20,
        "services under the DGA"
    );
    assert!(text(&chart, "ul.org-chart").contains("Hélène Marchand"));
}

#[tokio::test]
async fn phones_can_be_hidden_from_the_annuaire() {
    let mut server = demo_with("[directory]\nshow_phones = false").await;
    server.client = server.signed_in("agent", DEMO_PASSWORD).await;
    let card = server.page("/annuaire/syndicat", 200).await;
    assert!(!text(&card, "dl.facts").contains("Téléphone"));
}

/// Runs `kiosque user …` on a data directory, with `stdin` as its input.
fn user_command(
    dir: &std::path::Path,
    config: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kiosque"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            dir.to_str().unwrap(),
            "user",
        ])
        .args(args)
        .env_remove("KIOSQUE_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn local_accounts_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("kiosque.toml");
    std::fs::write(&config_file, "site_name = \"Mairie de Test\"\n").unwrap();
    let data = dir.path().join("data");
    let add = [
        "add",
        "MLeGall",
        "--given-name",
        "Maëlle",
        "--surname",
        "Le Gall",
        "--service",
        "Accueil",
        "--role",
        "publisher",
    ];
    let short = user_command(&data, &config_file, &add, "court\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let out = user_command(&data, &config_file, &add, "Un-Mot-De-Passe-Long\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = user_command(&data, &config_file, &add, "Un-Mot-De-Passe-Long\n");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad_role = user_command(
        &data,
        &config_file,
        &[
            "add",
            "x",
            "--given-name",
            "X",
            "--surname",
            "Y",
            "--role",
            "roi",
        ],
        "Un-Mot-De-Passe-Long\n",
    );
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));

    let config = test_config(&data, Some("site_name = \"Mairie de Test\""));
    let mut server = TestServer::start_in(tempfile::tempdir().unwrap(), config).await;
    server.client = server.signed_in("mlegall", "Un-Mot-De-Passe-Long").await;
    server.page("/", 200).await;
    let dir_back = server.stop().await;
    drop(dir_back);

    assert!(
        user_command(
            &data,
            &config_file,
            &["passwd", "mlegall"],
            "Un-Autre-Mot-De-Passe\n"
        )
        .status
        .success()
    );
    let out = user_command(&data, &config_file, &["disable", "mlegall"], "");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("désactivé"));
    let config = test_config(&data, Some("site_name = \"Mairie de Test\""));
    let server = TestServer::start_in(tempfile::tempdir().unwrap(), config).await;
    assert_eq!(
        server
            .post_sign_in(&new_client(), "mlegall", "Un-Autre-Mot-De-Passe")
            .await
            .status()
            .as_u16(),
        403
    );
    let data_dir = server.stop().await;
    drop(data_dir);
    assert!(
        user_command(&data, &config_file, &["enable", "mlegall"], "")
            .status
            .success()
    );
    let config = test_config(&data, Some("site_name = \"Mairie de Test\""));
    let server = TestServer::start_in(tempfile::tempdir().unwrap(), config).await;
    assert_eq!(
        server
            .post_sign_in(&new_client(), "mlegall", "Un-Mot-De-Passe-Long")
            .await
            .status()
            .as_u16(),
        401,
        "the old password no longer works"
    );
    assert_eq!(
        server
            .post_sign_in(&new_client(), "mlegall", "Un-Autre-Mot-De-Passe")
            .await
            .status()
            .as_u16(),
        303
    );

    let ldap = dir.path().join("ldap.toml");
    std::fs::write(&ldap, "[directory]\nbackend = \"ldap\"\nurl = \"ldaps://dc\"\nbase_dn = \"dc=x\"\nbind_dn = \"cn=s\"\nbind_password = \"p\"\n").unwrap();
    let refused = user_command(&dir.path().join("other"), &ldap, &["disable", "x"], "");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("managed in the directory"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_decides() {
    let server = demo_with(
        "[sessions]\nshared_addresses = [\"10.20.0.0/24\"]\ntrusted_proxies = [\"127.0.0.1/32\"]",
    )
    .await;
    let from_service = |xff: &'static str| {
        let url = server.url("/connexion");
        async move {
            let html = new_client()
                .get(url)
                .header("x-forwarded-for", xff)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            scraper::Html::parse_document(&html)
        }
    };
    // A shared computer of a service, seen through the proxy: no "rester connecté".
    let shared = from_service("10.20.0.7").await;
    assert!(select(&shared, "input[name=rester_connecte]").is_empty());
    // A phone from outside, through the same proxy: a personal device.
    let phone = from_service("203.0.113.5").await;
    assert_eq!(select(&phone, "input[name=rester_connecte]").len(), 1);
    // Throttling counts the agent's address, not the proxy's: failures from one
    // outside address do not slow down another.
    let client = new_client();
    for i in 0..21 {
        let login = format!("inconnu{i}");
        client
            .post(server.url("/connexion"))
            .header("x-forwarded-for", "203.0.113.66")
            .form(&[("identifiant", login.as_str()), ("mot_de_passe", "faux")])
            .send()
            .await
            .unwrap();
    }
    let blocked = client
        .post(server.url("/connexion"))
        .header("x-forwarded-for", "203.0.113.66")
        .form(&[("identifiant", "agent"), ("mot_de_passe", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        blocked.status().as_u16(),
        429,
        "the hammering address waits"
    );
    let other = client
        .post(server.url("/connexion"))
        .header("x-forwarded-for", "203.0.113.77")
        .form(&[("identifiant", "agent"), ("mot_de_passe", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status().as_u16(),
        303,
        "another agent behind the same proxy signs in"
    );
}
