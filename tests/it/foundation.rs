//! The foundation over real HTTP: every space readable, errors in French,
//! headers, assets, the command line.

use crate::support::*;

const SPACES: [&str; 6] = [
    "/actus",
    "/rh",
    "/annonces",
    "/emploi",
    "/syndicats/cgt",
    "/syndicats/cfdt",
];

#[tokio::test]
async fn every_space_lists_items_whose_pages_open() {
    let server = TestServer::demo_as("agent").await;
    for space in SPACES {
        let html = server.page(space, 200).await;
        let links = attrs(&html, "article.card h3.card-title a", "href");
        assert!(!links.is_empty(), "{space} lists nothing");
        for href in links.iter().take(3) {
            let page = server.page(href, 200).await;
            assert!(!text(&page, "main h1").is_empty(), "{href} has no title");
            assert!(
                !select(&page, "main .prose").is_empty(),
                "{href} has no body"
            );
        }
    }
}

#[tokio::test]
async fn the_home_page_has_every_block() {
    let server = TestServer::demo_as("agent").await;
    let html = server.page("/", 200).await;
    for id in [
        "#titre-une",
        "#titre-agenda",
        "#titre-clic",
        "#titre-rh",
        "#titre-annonces",
        "#titre-assistance",
    ] {
        assert!(!select(&html, id).is_empty(), "missing {id}");
    }
    assert!(select(&html, ".block-une article.card").len() >= 4);
    assert!(select(&html, ".link-grid a.link-tile").len() >= 6);
    assert!(
        !select(&html, ".assistance strong.phone").is_empty(),
        "assistance numbers"
    );
    assert_eq!(
        text(&html, "p.today"),
        "Nous sommes dimanche 29 novembre 2026."
    );
    assert_eq!(attrs(&html, "html", "lang"), ["fr"]);
    assert!(
        !select(&html, "img.card-photo").is_empty(),
        "demo photos are shown"
    );
}

#[tokio::test]
async fn lists_paginate() {
    let server = TestServer::demo_as("agent").await;
    let first = server.page("/actus", 200).await;
    let next = attrs(&first, ".pagination a[rel=next]", "href");
    assert_eq!(next, ["/actus?page=2"]);
    let second = server.page("/actus?page=2", 200).await;
    assert_eq!(
        attrs(&second, ".pagination a[rel=prev]", "href"),
        ["/actus"]
    );
    let first_titles = attrs(&first, ".card-title a", "href");
    let second_titles = attrs(&second, ".card-title a", "href");
    assert!(
        first_titles.iter().all(|t| !second_titles.contains(t)),
        "pages overlap"
    );
    let far = server.page("/actus?page=40", 200).await;
    assert_eq!(text(&far, "p.empty"), "Rien à afficher ici pour le moment.");
    let bad = server.page("/actus?page=deux", 400).await;
    assert_eq!(text(&bad, "main h1"), "Demande incorrecte");
    assert!(text(&bad, "main p").contains("numéro de page"));
}

#[tokio::test]
async fn annonces_filter_by_category() {
    let server = TestServer::demo_as("agent").await;
    let html = server.page("/annonces?categorie=covoiturage", 200).await;
    let badges: Vec<String> = select(&html, "article.card .badge")
        .iter()
        .map(|e| e.text().collect())
        .collect();
    assert!(!badges.is_empty());
    assert!(badges.iter().all(|b| b == "Covoiturage"), "{badges:?}");
    assert_eq!(text(&html, ".chips a[aria-current=true]"), "Covoiturage");
    server.page("/annonces?categorie=voitures", 400).await;
    let jobs = server.page("/emploi?type=concours", 200).await;
    let kinds: Vec<String> = select(&jobs, "article.card .badge")
        .iter()
        .map(|e| e.text().collect())
        .collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| k == "Concours"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn the_agenda_shows_weeks_and_days_in_paris_time() {
    let server = TestServer::demo_as("agent").await;
    let week = server.page("/agenda", 200).await;
    assert_eq!(
        text(&week, "main h1"),
        "Agenda de la semaine du 23 novembre 2026"
    );
    assert_eq!(select(&week, "section.agenda-day").len(), 7);
    let next = attrs(&week, ".agenda-nav a[rel=next]", "href");
    assert_eq!(next, ["/agenda?semaine=2026-11-30"]);
    let following = server.page(&next[0], 200).await;
    assert!(
        !select(&following, "li.agenda-event").is_empty(),
        "events next week"
    );
    let today = server.page("/agenda/jour/2026-11-29", 200).await;
    assert_eq!(
        text(&today, "main h1"),
        "Agenda du dimanche 29 novembre 2026"
    );
    let event = attrs(&following, "li.agenda-event a", "href");
    let page = server.page(&event[0], 200).await;
    assert!(text(&page, "dl.facts").contains("Quand"));
    let bad = server.page("/agenda/jour/2026-13-45", 400).await;
    assert!(text(&bad, "main p").contains("AAAA-MM-JJ"));
}

#[tokio::test]
async fn pages_form_a_tree_with_breadcrumbs() {
    let server = TestServer::demo_as("agent").await;
    let tree = server.page("/pages", 200).await;
    let hrefs = attrs(&tree, "ul.tree a", "href");
    for slug in [
        "/pages/procedures",
        "/pages/conges",
        "/pages/elus",
        "/pages/representants-du-personnel",
        "/pages/charte",
    ] {
        assert!(hrefs.iter().any(|h| h == slug), "missing {slug}");
    }
    let conges = server.page("/pages/conges", 200).await;
    let crumbs = attrs(&conges, "nav.breadcrumb a", "href");
    assert_eq!(crumbs, ["/", "/pages", "/pages/procedures"]);
    let procedures = server.page("/pages/procedures", 200).await;
    assert!(!select(&procedures, "section.subpages li").is_empty());
    server.page("/pages/n-existe-pas", 404).await;
    let links = server.page("/liens", 200).await;
    assert!(select(&links, ".link-grid a").len() >= 10);
}

#[tokio::test]
async fn unknown_things_get_the_french_404() {
    let server = TestServer::demo_as("agent").await;
    for path in [
        "/nulle-part",
        "/actus/01JZZZZZZZZZZZZZZZZZZZZZZZ",
        "/actus/pas-un-identifiant",
        "/syndicats/inconnu",
        "/media/0000000000000000000000000000000000000000000000000000000000000000",
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/static/../Cargo.toml",
        "/static/kiosque.css/../../Cargo.toml",
    ] {
        let html = server.page(path, 404).await;
        assert_eq!(text(&html, "main h1"), "Page introuvable", "{path}");
        assert!(
            !select(&html, "nav.site-nav").is_empty(),
            "{path}: the 404 keeps the site frame"
        );
    }
    // An actu's id under another space is not found either.
    let actus = server.page("/actus", 200).await;
    let href = &attrs(&actus, ".card-title a", "href")[0];
    server.page(&href.replace("/actus/", "/rh/"), 404).await;
}

#[tokio::test]
async fn a_wrong_method_gets_a_french_page() {
    let server = TestServer::demo_as("agent").await;
    let response = server
        .client
        .delete(server.url("/actus"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert!(response.headers().contains_key("allow"));
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Cette action n&#39;est pas possible")
            || body.contains("Cette action n'est pas possible"),
        "{body}"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = TestServer::demo_as("agent").await;
    for path in ["/", "/nulle-part", "/healthz"] {
        let response = server.get(path).await;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    let home = server.get("/").await;
    assert_eq!(home.headers()["cache-control"], "no-store");
    let html = home.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains(" onclick="),
        "no inline script"
    );
}

#[tokio::test]
async fn assets_are_versioned_cached_and_compressed() {
    let server = TestServer::demo_as("agent").await;
    let home = server.page("/", 200).await;
    let css = attrs(&home, "link[rel=stylesheet]", "href").remove(0);
    assert!(css.starts_with("/static/kiosque.css?v="), "{css}");
    let response = server
        .client
        .get(server.url(&css))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let h = response.headers().clone();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(h["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(h["content-encoding"], "br");
    let etag = h["etag"].to_str().unwrap().to_owned();
    let again = server
        .client
        .get(server.url(&css))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let page = server
        .client
        .get(server.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn photos_are_served_as_reencoded_jpeg() {
    let server = TestServer::demo_as("agent").await;
    let home = server.page("/", 200).await;
    let src = attrs(&home, "img.card-photo", "src").remove(0);
    let response = server.get(&src).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
}

#[tokio::test]
async fn the_health_check_answers_ok() {
    let server = TestServer::demo_as("agent").await;
    let response = server.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn demo_sign_in_shows_the_password_only_in_demo_mode() {
    let server = TestServer::demo().await;
    let html = server.page("/connexion", 200).await;
    assert_eq!(text(&html, ".demo-accounts strong code"), "kiosque");
    assert_eq!(attrs(&html, "form", "autocomplete"), ["off"]);

    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), Some("site_name = \"Mairie de Test\""));
    let plain = TestServer::start_in(dir, config).await;
    let html = plain.page("/connexion", 200).await;
    assert!(select(&html, ".demo-accounts").is_empty());
    assert_eq!(
        plain.get("/").await.status().as_u16(),
        303,
        "no account, no content"
    );
    let store = plain.state().content.store().clone();
    let user = kiosque::domain::User {
        login: kiosque::domain::Login::new("mlegall"),
        given_name: "Maëlle".into(),
        surname: "Le Gall".into(),
        mail: String::new(),
        service: "Accueil".into(),
        direction: String::new(),
        function: String::new(),
        phone: String::new(),
        roles: vec![],
        disabled: false,
        photo: None,
        manager: None,
    };
    store.put_users(&[user]).unwrap();
    store
        .set_credential(
            &user_login("mlegall"),
            &kiosque::directory::hash_password("Un-Mot-De-Passe"),
        )
        .unwrap();
    let mut plain = plain;
    plain.client = plain.signed_in("mlegall", "Un-Mot-De-Passe").await;
    let home = plain.page("/", 200).await;
    assert!(
        select(&home, "article.card").is_empty(),
        "no demo content without demo mode"
    );
    assert!(text(&home, ".brand-name").contains("Mairie de Test"));
}

#[tokio::test]
async fn a_restart_keeps_the_data_and_does_not_seed_twice() {
    let server = TestServer::demo_as("agent").await;
    let before = server.page("/actus", 200).await;
    let first = attrs(&before, ".card-title a", "href");
    let client = server.client.clone();
    let dir = server.stop().await;
    let config = test_config(dir.path(), None);
    let mut again = TestServer::start_in(dir, config).await;
    // The session lives in the store: it survives the restart.
    again.client = client;
    let after = again.page("/actus", 200).await;
    assert_eq!(attrs(&after, ".card-title a", "href"), first);
}

fn kiosque(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kiosque"))
        .args(args)
        .env_remove("KIOSQUE_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn check_config_reports_unknown_keys_precisely() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "site_name = \"Mairie\"\n[sessions]\nkiosk_idle = 30\n",
    )
    .unwrap();
    let out = kiosque(&["check-config", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("kiosk_idle"),
        "{err}"
    );

    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "site_name = \"Mairie\"\n[sessions]\nkiosk_idle_seconds = 60\n",
    )
    .unwrap();
    let out = kiosque(&["check-config", good.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let missing = kiosque(&["check-config", "/nonexistent/kiosque.toml"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
}

#[test]
fn serve_refuses_a_bad_config_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "listen = \"nulle part\"\n").unwrap();
    let out = kiosque(&[
        "--config",
        bad.to_str().unwrap(),
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen"));
}

#[tokio::test]
async fn annonces_drop_out_after_thirty_days() {
    let server = TestServer::demo_as("agent").await;
    let before = server.page("/annonces", 200).await;
    let first = attrs(&before, ".card-title a", "href").remove(0);
    server.page(&first, 200).await;
    server
        .clock
        .advance(jiff::SignedDuration::from_hours(24 * 31));
    // A month later the session has long ended: sign in again, as someone who
    // wrote none of them (an author still sees an expired annonce, to renew it).
    let mut server = server;
    server.client = server.signed_in("codir", DEMO_PASSWORD).await;
    let after = server.page("/annonces", 200).await;
    assert_eq!(
        text(&after, "p.empty"),
        "Rien à afficher ici pour le moment."
    );
    server.page(&first, 404).await;
    // Actus do not expire.
    let actus = server.page("/actus", 200).await;
    assert!(!select(&actus, "article.card").is_empty());
}

fn user_login(login: &str) -> kiosque::domain::Login {
    kiosque::domain::Login::new(login)
}

#[tokio::test]
async fn the_accessibility_statement_is_public() {
    let server = TestServer::demo().await;
    let html = server.page("/accessibilite", 200).await;
    assert_eq!(text(&html, "main h1"), "Déclaration d'accessibilité");
    assert!(text(&html, ".prose").contains("partiellement conforme"));
    let signed_in = TestServer::demo_as("agent").await;
    let home = signed_in.page("/", 200).await;
    assert!(attrs(&home, "footer a", "href").contains(&"/accessibilite".to_owned()));
}
