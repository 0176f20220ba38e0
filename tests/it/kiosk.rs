//! The borne (kiosk listener): idle screen, its name and place, the idle limit
//! handed to the page, the keep-alive.

use scraper::Html;

use crate::support::*;

async fn borne() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(
        dir.path(),
        Some(
            "demo = true\n[kiosk]\nlisten = \"127.0.0.1:0\"\nname = \"Borne du CTM\"\nplace = \"Salle de pause\"\n",
        ),
    );
    std::fs::copy(demo_template(), config.store_path()).unwrap();
    TestServer::start_in(dir, config).await
}

#[tokio::test]
async fn a_borne_with_nobody_signed_in_shows_its_idle_screen() {
    let server = borne().await;
    let client = new_client();
    let response = client.get(server.kiosk_url("/")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let html = Html::parse_document(&response.text().await.unwrap());
    assert_eq!(
        text(&html, ".touch-to-start"),
        "Touchez l'écran pour commencer"
    );
    assert_eq!(attrs(&html, "a.idle-screen", "href"), ["/connexion"]);
    let slides = select(&html, "ol.slides li.slide");
    assert!(slides.len() >= 5, "{} slides", slides.len());
    let spaces: Vec<String> = select(&html, ".slide-space")
        .iter()
        .map(|e| e.text().collect())
        .collect();
    assert!(
        !spaces.iter().any(|s| s == "Petites annonces"),
        "never an annonce: {spaces:?}"
    );
    assert!(
        !html.html().contains("06 "),
        "no phone number on the idle screen"
    );
    assert!(text(&html, ".kiosk-place").contains("Borne du CTM — Salle de pause"));
    // Elsewhere, nobody signed in means the sign-in page.
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
    // Only `/` is open on the borne: content still needs a session.
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
async fn kiosk_pages_carry_the_idle_limit_and_the_sessions_stay_alive_on_request() {
    let server = borne().await;
    let client = new_client();
    let response = client
        .post(server.kiosk_url("/connexion"))
        .form(&[("identifiant", "agent"), ("mot_de_passe", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    accept_charter(&client, &server.kiosk_url("")).await;
    let html = Html::parse_document(
        &client
            .get(server.kiosk_url("/actus"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(attrs(&html, "body", "data-idle"), ["90"]);
    assert!(text(&html, ".kiosk-place").contains("Borne du CTM"));
    // "Je suis toujours là": the ping keeps the session past 90 s of reading.
    for _ in 0..3 {
        server.clock.advance(jiff::SignedDuration::from_secs(60));
        assert_eq!(
            client
                .get(server.kiosk_url("/session"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            204
        );
    }
    server.clock.advance(jiff::SignedDuration::from_secs(91));
    assert_eq!(
        client
            .get(server.kiosk_url("/session"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
    // On a personal device the page has no countdown.
    let personal = server.signed_in("agent", DEMO_PASSWORD).await;
    let html = Html::parse_document(
        &personal
            .get(server.url("/actus"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(attrs(&html, "body", "data-idle").is_empty());
}
