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

/// Signs `agent` in on the borne's listener (charter accepted).
async fn kiosk_agent(server: &TestServer) -> reqwest::Client {
    let client = new_client();
    let response = client
        .post(server.kiosk_url("/connexion"))
        .form(&[("identifiant", "agent"), ("mot_de_passe", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    accept_charter(&client, &server.kiosk_url("")).await;
    client
}

async fn page_of(client: &reqwest::Client, url: String) -> Html {
    Html::parse_document(&client.get(url).send().await.unwrap().text().await.unwrap())
}

/// The token at the end of the hand-off URL shown under a QR code.
fn shown_token(html: &Html) -> String {
    text(html, ".qr-link .url")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn continuer_sur_mon_telephone_moves_the_session_once() {
    let server = borne().await;
    let borne_client = kiosk_agent(&server).await;
    let actus = page_of(&borne_client, server.kiosk_url("/actus")).await;
    let href = attrs(&actus, ".card-title a", "href").remove(0);
    let page = page_of(&borne_client, server.kiosk_url(&href)).await;
    let chemin = attrs(&page, ".continue-box input[name=chemin]", "value");
    assert_eq!(chemin.first(), Some(&href));
    // Every item page on a borne shows its own one-time QR code.
    assert!(!select(&page, ".continue-box .qr svg").is_empty());
    let direct = shown_token(&page);
    let plain = new_client()
        .get(server.url(&format!("/continuer/{direct}")))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.headers()["location"], href.as_str());
    let token = csrf_of(&page);
    let shown = borne_client
        .post(server.kiosk_url("/continuer"))
        .form(&[
            ("csrf", token.as_str()),
            ("chemin", href.as_str()),
            ("session", "oui"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status().as_u16(), 200);
    let html = Html::parse_document(&shown.text().await.unwrap());
    assert!(
        !select(&html, ".qr svg").is_empty(),
        "a QR code, inline SVG"
    );
    assert!(
        text(&html, ".qr-link .url").starts_with("http://127.0.0.1:8080/continuer/"),
        "on the hub's public URL"
    );
    let handoff = shown_token(&html);

    let phone = new_client();
    let confirm = page_of(&phone, server.url(&format!("/continuer/{handoff}"))).await;
    assert_eq!(
        text(&confirm, "h1"),
        "Continuer en tant que Camille Lefèvre ?"
    );
    let moved = phone
        .post(server.url(&format!("/continuer/{handoff}")))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status().as_u16(), 303);
    assert_eq!(moved.headers()["location"], href.as_str());
    assert_eq!(
        phone
            .get(server.url(&href))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200,
        "signed in on the phone"
    );
    assert_eq!(
        borne_client
            .get(server.kiosk_url("/actus"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303,
        "the borne's session ended"
    );
    // Single use.
    let again = new_client()
        .post(server.url(&format!("/continuer/{handoff}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 410);
}

#[tokio::test]
async fn a_plain_link_opens_the_page_once_and_expires_after_two_minutes() {
    let server = borne().await;
    let borne_client = kiosk_agent(&server).await;
    let page = page_of(&borne_client, server.kiosk_url("/actus")).await;
    let token = csrf_of(&page);
    let qr = |client: reqwest::Client, token: String| {
        let url = server.kiosk_url("/continuer");
        async move {
            let html = client
                .post(url)
                .form(&[("csrf", token.as_str()), ("chemin", "/agenda")])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            shown_token(&Html::parse_document(&html))
        }
    };
    let first = qr(borne_client.clone(), token.clone()).await;
    let phone = new_client();
    let opened = phone
        .get(server.url(&format!("/continuer/{first}")))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 303);
    assert_eq!(opened.headers()["location"], "/agenda");
    assert_eq!(
        phone
            .get(server.url(&format!("/continuer/{first}")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        410
    );
    assert_eq!(
        borne_client
            .get(server.kiosk_url("/actus"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200,
        "the borne keeps its session"
    );
    let late = qr(borne_client.clone(), token).await;
    server.clock.advance(jiff::SignedDuration::from_secs(120));
    let expired = phone
        .get(server.url(&format!("/continuer/{late}")))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status().as_u16(), 410);
    assert!(expired.text().await.unwrap().contains("Ce code a expiré"));
}

#[tokio::test]
async fn a_signed_in_phone_opens_the_borne_without_a_password() {
    let server = borne().await;
    let borne_client = new_client();
    let sign_in = page_of(&borne_client, server.kiosk_url("/connexion")).await;
    assert_eq!(
        attrs(&sign_in, ".phone-sign-in-link a", "href"),
        ["/connexion/telephone"]
    );
    assert!(
        select(&sign_in, "meta[http-equiv=refresh]").is_empty(),
        "the typing page never reloads"
    );
    let personal = page_of(&new_client(), server.url("/connexion")).await;
    assert!(
        select(&personal, ".phone-sign-in-link").is_empty(),
        "only on a borne"
    );
    let sign_in = page_of(&borne_client, server.kiosk_url("/connexion/telephone")).await;
    let poll = attrs(&sign_in, ".phone-sign-in", "data-suite").remove(0);
    let state = attrs(&sign_in, ".phone-sign-in", "data-etat").remove(0);
    let handoff = shown_token(&sign_in);
    assert_eq!(poll, format!("/connexion/telephone/{handoff}"));
    assert_eq!(state, format!("{poll}/etat"));
    assert!(
        text(&sign_in, ".phone-sign-in noscript").contains(&format!("1;url={poll}")),
        "without script, the page reloads every second"
    );
    let state_now = async |client: &reqwest::Client, url: String| {
        client.get(url).send().await.unwrap().status().as_u16()
    };
    assert_eq!(
        state_now(&borne_client, server.kiosk_url(&state)).await,
        204,
        "not approved yet"
    );
    // Nothing approved yet: the borne keeps waiting on the same code.
    let waiting = borne_client
        .get(server.kiosk_url(&poll))
        .send()
        .await
        .unwrap();
    assert_eq!(
        waiting.headers()["location"],
        format!("/connexion/telephone?attente={handoff}").as_str()
    );
    let same = page_of(
        &borne_client,
        server.kiosk_url(&format!("/connexion/telephone?attente={handoff}")),
    )
    .await;
    assert_eq!(shown_token(&same), handoff);

    let phone = server.signed_in("rh", DEMO_PASSWORD).await;
    let ask = page_of(&phone, server.url(&format!("/borne/{handoff}"))).await;
    assert_eq!(
        text(&ask, "h1"),
        "Se connecter sur la borne Borne du CTM (Salle de pause) ?"
    );
    let approved = phone
        .post(server.url(&format!("/borne/{handoff}")))
        .form(&[("csrf", csrf_of(&ask))])
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status().as_u16(), 200);
    assert_eq!(
        state_now(&borne_client, server.kiosk_url(&state)).await,
        200,
        "approved: the borne's script goes on to the session"
    );
    assert_eq!(state_now(&new_client(), server.url(&state)).await, 404);
    // Only the borne may pick it up, and only once.
    assert_eq!(
        new_client()
            .get(server.url(&poll))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let opened = borne_client
        .get(server.kiosk_url(&poll))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 303);
    assert_eq!(
        state_now(&new_client(), server.kiosk_url(&state)).await,
        410,
        "used once: gone"
    );
    assert!(
        opened.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("kiosque_session=")
    );
    accept_charter(&borne_client, &server.kiosk_url("")).await;
    let home = page_of(&borne_client, server.kiosk_url("/")).await;
    assert_eq!(text(&home, ".header-user"), "Nadia Benali");
    assert_eq!(
        attrs(&home, "body", "data-idle"),
        ["90"],
        "a kiosk session, with the borne's limits"
    );
    let thief = new_client();
    assert_eq!(
        thief
            .get(server.kiosk_url(&poll))
            .send()
            .await
            .unwrap()
            .headers()["location"],
        "/connexion"
    );
}

#[tokio::test]
async fn a_session_hand_off_dies_with_the_bornes_session_and_only_borne_sessions_move() {
    let server = borne().await;
    let borne_client = kiosk_agent(&server).await;
    let page = page_of(&borne_client, server.kiosk_url("/actus")).await;
    let token = csrf_of(&page);
    let shown = borne_client
        .post(server.kiosk_url("/continuer"))
        .form(&[
            ("csrf", token.as_str()),
            ("chemin", "/actus"),
            ("session", "oui"),
        ])
        .send()
        .await
        .unwrap();
    let handoff = shown_token(&Html::parse_document(&shown.text().await.unwrap()));
    // The agent signs out on the borne before scanning: the code is worth nothing.
    borne_client
        .post(server.kiosk_url("/deconnexion"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    let late = new_client()
        .post(server.url(&format!("/continuer/{handoff}")))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status().as_u16(), 410);

    // From a personal device, "take my session" is only a plain link.
    let phone = server.signed_in("agent", DEMO_PASSWORD).await;
    let page = page_of(&phone, server.url("/actus")).await;
    let shown = phone
        .post(server.url("/continuer"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("chemin", "/actus"),
            ("session", "oui"),
        ])
        .send()
        .await
        .unwrap();
    let handoff = shown_token(&Html::parse_document(&shown.text().await.unwrap()));
    let other = new_client()
        .get(server.url(&format!("/continuer/{handoff}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status().as_u16(),
        303,
        "a plain link, no session carried"
    );
    // Redirects never leave the site.
    let sneaky = phone
        .post(server.url("/continuer"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("chemin", "/\t/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    let handoff = shown_token(&Html::parse_document(&sneaky.text().await.unwrap()));
    let opened = new_client()
        .get(server.url(&format!("/continuer/{handoff}")))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.headers()["location"], "/");
}

#[tokio::test]
async fn a_signed_out_borne_gets_only_its_idle_screens_photos() {
    let server = borne().await;
    let client = new_client();
    let idle = page_of(&client, server.kiosk_url("/")).await;
    let photos = attrs(&idle, "img.slide-photo", "src");
    assert!(
        !photos.is_empty(),
        "the demo flags some actus with photos for display"
    );
    assert_eq!(
        client
            .get(server.kiosk_url(&photos[0]))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        client
            .get(server.url(&photos[0]))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303,
        "not on the web listener"
    );
    // A photo that is not on the idle screen (an annonce's, say) stays private.
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    let annonces = page_of(&agent, server.url("/annonces")).await;
    let private = attrs(&annonces, "img.card-photo", "src");
    assert!(!private.is_empty());
    assert_eq!(
        client
            .get(server.kiosk_url(&private[0]))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn the_kiosk_listener_does_not_compress_and_the_web_listener_does() {
    let server = borne().await;
    let client = reqwest::Client::new();
    let get = |url: String| {
        let client = client.clone();
        async move {
            client
                .get(url)
                .header("accept-encoding", "br, gzip")
                .send()
                .await
                .unwrap()
        }
    };
    let kiosk = get(server.kiosk_url("/")).await;
    assert_eq!(kiosk.status().as_u16(), 200);
    assert!(
        kiosk.headers().get("content-encoding").is_none(),
        "loopback: nothing to save"
    );
    let web = get(server.url("/connexion")).await;
    assert_eq!(web.headers()["content-encoding"], "br");
    // The signed-in home page (answered in joined parts) too.
    let home = |client: reqwest::Client, url: String| async move {
        let response = client
            .get(url)
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response
            .headers()
            .get("content-encoding")
            .map(|e| e.to_str().unwrap().to_owned())
    };
    let borne_agent = kiosk_agent(&server).await;
    assert_eq!(home(borne_agent, server.kiosk_url("/")).await, None);
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    assert_eq!(home(agent, server.url("/")).await.as_deref(), Some("br"));
}
