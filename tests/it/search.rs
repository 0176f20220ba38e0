//! Full-text search end to end on the demo: French queries with accents,
//! plurals and typos, phrases, filters, who finds what, search-as-you-type,
//! and an index that is rebuilt when damaged or asked to.

use jiff::SignedDuration;
use scraper::Html;
use std::time::{Duration, Instant};

use crate::publishing::submit;
use crate::support::*;

/// Waits until the background indexer has built the index and caught up
/// with the store.
pub async fn wait_indexed(server: &TestServer) {
    let state = server.state();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(state.search.is_complete()
        && state.search.indexed_seq() == state.content.store().current_seq())
    {
        assert!(
            Instant::now() < deadline,
            "the search index never caught up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn query_path(q: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    format!("/recherche?q={encoded}")
}

/// The titles of the results `client` gets for `q`, best first per group.
async fn found_by(server: &TestServer, client: &reqwest::Client, q: &str) -> Vec<String> {
    let response = client.get(server.url(&query_path(q))).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{q}");
    let html = Html::parse_document(&response.text().await.unwrap());
    select(&html, ".hit-title")
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

async fn found(server: &TestServer, q: &str) -> Vec<String> {
    found_by(server, &server.client, q).await
}

fn assert_finds(results: &[String], title: &str, q: &str) {
    assert!(
        results.iter().any(|r| r == title),
        "{q:?} should find {title:?}; found {results:?}"
    );
}

#[tokio::test]
async fn french_queries_find_the_demo_items_whatever_the_accents_plurals_or_typos() {
    let server = TestServer::demo_as("agent").await;
    wait_indexed(&server).await;
    for q in ["congés", "conges", "Congé", "CONGES", "congès"] {
        assert_finds(&found(&server, q).await, "Demander un congé", q);
    }
    let maternity = "Congé maternité, paternité et adoption";
    for q in [
        "congé maternité",
        "conge maternite",
        "congés maternités",
        "congé matrenité",
    ] {
        let results = found(&server, q).await;
        assert_eq!(
            results.first().map(String::as_str),
            Some(maternity),
            "{q:?}: {results:?}"
        );
    }
    for q in ["cantine", "cantines", "Cantine", "cantinne"] {
        assert_finds(
            &found(&server, q).await,
            "Commission des menus de la cantine",
            q,
        );
    }
    for q in ["Dupont", "dupont", "dupond", "Marc Dupont"] {
        assert_finds(&found(&server, q).await, "Marc Dupont", q);
    }
    assert_finds(
        &found(&server, "\"congé de maternité\"").await,
        maternity,
        "phrase",
    );
    // A phrase keeps its words together and in order.
    assert!(
        !found(&server, "\"maternité congé\"")
            .await
            .contains(&maternity.to_owned())
    );
    assert!(found(&server, "zzzyxw").await.is_empty());
}

#[tokio::test]
async fn results_are_grouped_by_space_with_highlighted_excerpts_and_filters() {
    let server = TestServer::demo_as("agent").await;
    wait_indexed(&server).await;
    let page = server.page(&query_path("congés"), 200).await;
    let groups: Vec<String> = select(&page, ".result-group h2")
        .iter()
        .map(|e| e.text().collect::<String>())
        .collect();
    assert!(
        groups.iter().any(|g| g.starts_with("Infos pratiques")),
        "{groups:?}"
    );
    assert!(
        groups.len() >= 3,
        "several spaces mention congés: {groups:?}"
    );
    let marks: Vec<String> = select(&page, ".excerpt mark")
        .iter()
        .map(|e| e.text().collect::<String>().to_lowercase())
        .collect();
    assert!(marks.iter().any(|m| m.starts_with("cong")), "{marks:?}");

    // Only the annuaire.
    let people = server
        .page(&format!("{}&espace=annuaire", query_path("Dupont")), 200)
        .await;
    let groups = select(&people, ".result-group");
    assert_eq!(groups.len(), 1);
    assert!(text(&people, ".result-group h2").starts_with("Annuaire"));
    // A date filter keeps dated items only: no people.
    let dated = server
        .page(
            &format!(
                "{}&du=2026-11-01&au=2026-12-31",
                query_path("Dupont cantine")
            ),
            200,
        )
        .await;
    assert!(!text(&dated, "#resultats").contains("Annuaire ("));
    let far = server
        .page(&format!("{}&du=2030-01-01", query_path("cantine")), 200)
        .await;
    assert!(select(&far, ".hit").is_empty());
    // Bad filters get a French sentence.
    let bad = server
        .get(&format!("{}&du=hier", query_path("cantine")))
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("Cette date n'est pas valable")
    );
    let bad = server
        .get(&format!("{}&espace=nulle-part", query_path("cantine")))
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    let long = server.get(&query_path(&"a".repeat(201))).await;
    assert_eq!(long.status().as_u16(), 400);
}

#[tokio::test]
async fn the_search_box_is_on_every_page_and_search_as_you_type_on_personal_devices() {
    let server = TestServer::demo_as("agent").await;
    wait_indexed(&server).await;
    let home = server.page("/", 200).await;
    assert_eq!(attrs(&home, "form.header-search", "action"), ["/recherche"]);
    let page = server.page(&query_path("cong"), 200).await;
    assert_eq!(attrs(&page, "form.search-page", "data-live"), ["1"]);
    // The results region alone, with the unfinished word as a prefix.
    let response = server.get(&format!("{}&vite=1", query_path("mater"))).await;
    assert_eq!(response.status().as_u16(), 200);
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment");
    let fragment = Html::parse_fragment(&body);
    let titles: Vec<String> = select(&fragment, "#resultats .hit-title")
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect();
    assert_finds(
        &titles,
        "Congé maternité, paternité et adoption",
        "mater (typing)",
    );
    // Signed out: no search at all (the intranet is for agents).
    let anonymous = new_client();
    let response = anonymous
        .get(server.url(&query_path("congés")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
}

#[tokio::test]
async fn a_pending_item_is_found_by_its_author_and_webmasters_only_and_expired_annonces_drop_out() {
    let server = TestServer::demo_as("agent").await;
    let agent = server.client.clone();
    let response = submit(
        &server,
        &agent,
        "/publier?espace=annonces",
        &[
            ("titre", "Vends trottinette xylophonique"),
            ("resume", "Très bon état."),
            ("texte", "Trottinette pliable, peu servie."),
            ("categorie", "vente"),
            ("prix", "40 €"),
            ("contact", "poste 4242"),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303, "proposal sent");
    wait_indexed(&server).await;
    let title = "Vends trottinette xylophonique".to_owned();
    assert!(
        found_by(&server, &agent, "trottinette")
            .await
            .contains(&title),
        "its author"
    );
    let webmestre = server.signed_in("webmestre", DEMO_PASSWORD).await;
    assert!(
        found_by(&server, &webmestre, "trottinettes")
            .await
            .contains(&title),
        "a webmaster"
    );
    for other in ["rh", "codir", "referent"] {
        let client = server.signed_in(other, DEMO_PASSWORD).await;
        assert!(
            !found_by(&server, &client, "trottinette")
                .await
                .contains(&title),
            "{other} must not find a proposal"
        );
    }

    // Expired annonces drop out without any reindexing.
    let annonces = server.page("/annonces", 200).await;
    let first = text(&annonces, ".card-title a");
    assert_finds(&found(&server, &first).await, &first, &first);
    server.clock.advance(SignedDuration::from_hours(31 * 24));
    // A month later the session has ended too: sign in again.
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    let later = found_by(&server, &agent, &first).await;
    assert!(
        !later.contains(&first),
        "an expired annonce is still found: {later:?}"
    );
}

#[tokio::test]
async fn a_damaged_index_does_not_stop_the_server_and_is_rebuilt() {
    let server = TestServer::demo_as("agent").await;
    wait_indexed(&server).await;
    let dir = server.stop().await;
    let index = dir.path().join("search");
    let mut damaged = 0;
    for entry in std::fs::read_dir(&index).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && !path.ends_with(".tantivy-writer.lock") {
            std::fs::write(&path, b"\x00garbage\xff").unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 2, "an index was written");
    let config = test_config(dir.path(), None);
    let mut server = TestServer::start_in(dir, config).await;
    server.client = server.signed_in("agent", DEMO_PASSWORD).await;
    assert_eq!(server.get("/healthz").await.status().as_u16(), 200);
    wait_indexed(&server).await;
    assert_finds(
        &found(&server, "congés").await,
        "Demander un congé",
        "after rebuild",
    );
}

#[tokio::test]
async fn the_reindex_command_rebuilds_the_index_and_a_restart_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), None);
    std::fs::copy(demo_template(), config.store_path()).unwrap();
    std::fs::create_dir_all(dir.path().join("search")).unwrap();
    std::fs::write(dir.path().join("search/meta.json"), b"not json").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kiosque"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("reindex")
        .env_remove("KIOSQUE_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Index de recherche reconstruit"),
        "{stdout}"
    );
    assert!(stdout.contains("(100 %)"), "progress: {stdout}");
    let mut server = TestServer::start_in(dir, config).await;
    assert!(
        server.state().search.is_complete(),
        "no rebuild needed at start"
    );
    server.client = server.signed_in("agent", DEMO_PASSWORD).await;
    assert_finds(
        &found(&server, "Dupont").await,
        "Marc Dupont",
        "after reindex",
    );
}
