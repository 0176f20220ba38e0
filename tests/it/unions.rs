//! Union mailing lists end to end (issue 9): one-tap subscriptions, a list
//! only that union's editors reach, messages sent through a real SMTP server
//! (aiosmtpd on loopback) one per subscriber with the unions' protocol's
//! headers, one-click unsubscribe without signing in, and exactly-once
//! delivery across an SMTP outage.

use std::time::Duration;

use kiosque::domain::{Login, Role, UnionSlug};
use scraper::Html;

use crate::smtp::{SmtpSink, free_port};
use crate::support::*;

/// The demo's people, one per role, and an editor of the other union (CFDT).
const PEOPLE: [&str; 7] = [
    "agent",
    "codir",
    "rh",
    "webmestre",
    "dsi",
    "syndicat",
    "referent",
];

/// A demo hub whose `[smtp]` points at 127.0.0.1:`port`, with a logo for the CGT.
async fn demo_with_smtp(port: u16) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let config = smtp_config(dir.path(), port);
    std::fs::copy(demo_template(), config.store_path()).unwrap();
    let server = TestServer::start_in(dir, config).await;
    make_cfdt_editor(&server).await;
    server
}

/// The configuration of [`demo_with_smtp`] for the data directory `dir`.
fn smtp_config(dir: &std::path::Path, port: u16) -> kiosque::config::Config {
    let logo = dir.join("logo-cgt.png");
    let mut image = image::RgbaImage::new(600, 300);
    for pixel in image.pixels_mut() {
        *pixel = image::Rgba([200, 16, 46, 255]);
    }
    image.save(&logo).unwrap();
    let text = format!(
        "demo = true\n\
         [smtp]\nserver = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
         from = \"Intranet de Val-de-Lys <intranet@val-de-lys.fr>\"\nretry_max_seconds = 1\n\
         [[unions]]\nslug = \"cgt\"\nname = \"CGT des territoriaux\"\neditor_group = \"syndicat-cgt\"\nlogo = {:?}\n\
         [[unions]]\nslug = \"cfdt\"\nname = \"CFDT Interco\"\neditor_group = \"syndicat-cfdt\"\n",
        logo.display()
    );
    test_config(dir, Some(&text))
}

/// The demo's `referent` becomes an editor of the CFDT (roles of local
/// accounts come from the store).
async fn make_cfdt_editor(server: &TestServer) {
    server
        .state()
        .content
        .store()
        .run(|s| {
            let mut user = s.get_user(&Login::new("referent"))?.unwrap();
            user.roles = vec![Role::UnionEditor(UnionSlug::parse("cfdt").unwrap())];
            s.put_users(&[user])
        })
        .await
        .unwrap();
}

async fn html_of(client: &reqwest::Client, url: &str) -> (u16, Html) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        Html::parse_document(&response.text().await.unwrap()),
    )
}

/// Presses "M'abonner" (`true`) or "Me désabonner" on the CGT's page.
async fn set_subscription(server: &TestServer, client: &reqwest::Client, subscribe: bool) {
    let (_, html) = html_of(client, &server.url("/syndicats/cgt")).await;
    let response = client
        .post(server.url("/syndicats/cgt/abonnement"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("abonner", if subscribe { "oui" } else { "non" }),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
}

async fn state_shown(server: &TestServer, client: &reqwest::Client) -> String {
    let (status, html) = html_of(client, &server.url("/syndicats/cgt")).await;
    assert_eq!(status, 200);
    text(&html, ".subscription-state")
}

/// The editor writes to the CGT's subscribers; returns the response status.
async fn post_message(
    server: &TestServer,
    editor: &reqwest::Client,
    subject: &str,
    body: &str,
) -> u16 {
    let (_, html) = html_of(editor, &server.url("/syndicats/cgt")).await;
    editor
        .post(server.url("/syndicats/cgt/messages"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("objet", subject),
            ("message", body),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn delivery_states(server: &TestServer, editor: &reqwest::Client) -> Vec<String> {
    let (_, html) = html_of(editor, &server.url("/syndicats/cgt/messages")).await;
    select(&html, ".message-state .delivery")
        .iter()
        .map(|e| e.text().collect::<String>())
        .collect()
}

async fn mail_of(server: &TestServer, login: &str) -> String {
    let login = Login::new(login);
    server
        .state()
        .content
        .store()
        .run(move |s| Ok(s.get_user(&login)?.unwrap().mail))
        .await
        .unwrap()
}

#[tokio::test]
async fn subscribing_takes_effect_at_once_and_only_the_agent_sees_it() {
    let server = TestServer::demo().await;
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    let rh = server.signed_in("rh", DEMO_PASSWORD).await;
    assert_eq!(
        state_shown(&server, &agent).await,
        "Vous n'êtes pas abonné(e)."
    );
    set_subscription(&server, &agent, true).await;
    assert_eq!(state_shown(&server, &agent).await, "Vous êtes abonné(e).");
    // Nobody else learns it: rh sees only their own state, and no page names
    // the agent's subscription.
    assert_eq!(
        state_shown(&server, &rh).await,
        "Vous n'êtes pas abonné(e)."
    );
    let (_, page) = html_of(&rh, &server.url("/syndicats/cgt")).await;
    assert!(!page.html().contains("Camille"), "the agent is not named");
    // Another union's list is another list.
    let (_, cfdt) = html_of(&agent, &server.url("/syndicats/cfdt")).await;
    assert_eq!(
        text(&cfdt, ".subscription-state"),
        "Vous n'êtes pas abonné(e)."
    );
    set_subscription(&server, &agent, false).await;
    assert_eq!(
        state_shown(&server, &agent).await,
        "Vous n'êtes pas abonné(e)."
    );
    // A forged form is refused.
    let refused = agent
        .post(server.url("/syndicats/cgt/abonnement"))
        .form(&[("csrf", "faux"), ("abonner", "oui")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(
        state_shown(&server, &agent).await,
        "Vous n'êtes pas abonné(e)."
    );
}

#[tokio::test]
async fn only_that_unions_editors_reach_its_list_and_messages() {
    let server = TestServer::demo().await;
    make_cfdt_editor(&server).await;
    let subscriber = server.signed_in("agent", DEMO_PASSWORD).await;
    set_subscription(&server, &subscriber, true).await;
    for login in PEOPLE {
        let client = server.signed_in(login, DEMO_PASSWORD).await;
        let editor = login == "syndicat";
        let want = if editor { 200 } else { 403 };
        for path in ["/syndicats/cgt/abonnes", "/syndicats/cgt/messages"] {
            let (status, html) = html_of(&client, &server.url(path)).await;
            assert_eq!(status, want, "{login} GET {path}");
            if login != "agent" && path.ends_with("abonnes") {
                assert_eq!(
                    html.html().contains("Lefèvre"),
                    editor,
                    "{login} on {path}: the subscriber's name"
                );
            }
        }
        let status = post_message(&server, &client, "Objet", "Texte").await;
        assert_eq!(
            status,
            if editor { 303 } else { 403 },
            "{login} POST messages"
        );
        // The links to the list appear for the editors only.
        let (_, page) = html_of(&client, &server.url("/syndicats/cgt")).await;
        assert_eq!(
            !select(&page, "a[href='/syndicats/cgt/abonnes']").is_empty(),
            editor,
            "{login}: link to the list"
        );
        // Administrators' pages give no count either.
        if login == "dsi" {
            let (_, admin) = html_of(&client, &server.url("/admin")).await;
            assert!(!admin.html().contains("abonn"), "{}", admin.html());
        }
    }
    // The CFDT's editor reaches the CFDT's list, not the CGT's.
    let cfdt = server.signed_in("referent", DEMO_PASSWORD).await;
    assert_eq!(
        html_of(&cfdt, &server.url("/syndicats/cfdt/abonnes"))
            .await
            .0,
        200
    );
    assert_eq!(
        html_of(&cfdt, &server.url("/syndicats/cgt/abonnes"))
            .await
            .0,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_arrive_one_per_subscriber_and_the_link_unsubscribes_without_signing_in() {
    let sink = SmtpSink::start(free_port()).await;
    let server = demo_with_smtp(sink.port).await;
    let subscribers = ["agent", "rh", "codir"];
    for login in subscribers {
        let client = server.signed_in(login, DEMO_PASSWORD).await;
        set_subscription(&server, &client, true).await;
    }
    // Someone who subscribed, then left, gets nothing.
    let left = server.signed_in("webmestre", DEMO_PASSWORD).await;
    set_subscription(&server, &left, true).await;
    set_subscription(&server, &left, false).await;

    let editor = server.signed_in("syndicat", DEMO_PASSWORD).await;
    // A refused form keeps what was typed.
    let (_, html) = html_of(&editor, &server.url("/syndicats/cgt/messages")).await;
    let refused = editor
        .post(server.url("/syndicats/cgt/messages"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("objet", ""),
            ("message", "Un texte à garder"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    let kept = Html::parse_document(&refused.text().await.unwrap());
    assert_eq!(text(&kept, "textarea#message"), "Un texte à garder");

    let status = post_message(
        &server,
        &editor,
        "Assemblée générale",
        "Assemblée générale jeudi à 12 h, salle du conseil.",
    )
    .await;
    assert_eq!(status, 303);
    let received = sink.wait_for(3).await;
    assert_eq!(received.len(), 3, "one mail per subscriber");
    let mut addresses = Vec::new();
    for login in subscribers {
        addresses.push(mail_of(&server, login).await);
    }
    let mut seen = Vec::new();
    for mail in &received {
        assert_eq!(mail.rcpt_tos.len(), 1, "one recipient per mail");
        let address = &mail.rcpt_tos[0];
        assert!(addresses.contains(address), "{address}");
        assert_eq!(&mail.to, address, "To: only that subscriber");
        assert!(mail.cc.is_empty() && mail.bcc.is_empty());
        assert_eq!(
            mail.subject,
            "[Syndical — CGT des territoriaux] Assemblée générale"
        );
        assert!(mail.body.contains("salle du conseil"));
        assert!(mail.body.contains("refuser ces messages"), "{}", mail.body);
        assert_eq!(mail.list_unsubscribe_post, "List-Unsubscribe=One-Click");
        assert!(
            mail.list_unsubscribe.starts_with("<http://127.0.0.1:")
                && mail.list_unsubscribe.contains("/desabonnement/")
                && mail.list_unsubscribe.ends_with('>'),
            "{}",
            mail.list_unsubscribe
        );
        assert!(
            mail.body
                .contains(mail.list_unsubscribe.trim_matches(['<', '>']))
        );
        for other in &addresses {
            if other != address {
                assert!(
                    !mail.body.contains(other.as_str()),
                    "no other recipient visible"
                );
            }
        }
        seen.push(address.clone());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3);
    let left_mail = mail_of(&server, "webmestre").await;
    assert!(!seen.contains(&left_mail), "the one who left gets nothing");
    within_secs(5, || async {
        delivery_states(&server, &editor).await == ["3 envoyés"]
    })
    .await;

    // The agent's link works without signing in: GET confirms, POST does it.
    let agent_mail = mail_of(&server, "agent").await;
    let link = received
        .iter()
        .find(|m| m.rcpt_tos[0] == agent_mail)
        .unwrap()
        .list_unsubscribe
        .trim_matches(['<', '>'])
        .to_owned();
    let path = &link[link.find("/desabonnement/").unwrap()..];
    let anonymous = new_client();
    let (status, confirm) = html_of(&anonymous, &server.url(path)).await;
    assert_eq!(status, 200);
    assert_eq!(attrs(&confirm, "form[method=post]", "action"), [path]);
    let done = anonymous.post(server.url(path)).send().await.unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("vous êtes désabonné(e)")
    );
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    assert_eq!(
        state_shown(&server, &agent).await,
        "Vous n'êtes pas abonné(e)."
    );
    // A mail client's RFC 8058 one-click POST does the same.
    let rh_mail = mail_of(&server, "rh").await;
    let rh_link = received
        .iter()
        .find(|m| m.rcpt_tos[0] == rh_mail)
        .unwrap()
        .list_unsubscribe
        .trim_matches(['<', '>'])
        .to_owned();
    let rh_path = &rh_link[rh_link.find("/desabonnement/").unwrap()..];
    let one_click = new_client()
        .post(server.url(rh_path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(one_click.status().as_u16(), 200);
    let rh = server.signed_in("rh", DEMO_PASSWORD).await;
    assert_eq!(
        state_shown(&server, &rh).await,
        "Vous n'êtes pas abonné(e)."
    );
    // A tampered token unsubscribes nobody.
    let mut forged = path.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let refused = new_client().post(server.url(&forged)).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);

    // The logo is served re-encoded as a small PNG.
    let (_, page) = html_of(&agent, &server.url("/syndicats/cgt")).await;
    assert_eq!(
        attrs(&page, "img.union-logo", "src"),
        ["/syndicats/cgt/logo"]
    );
    let logo = agent
        .get(server.url("/syndicats/cgt/logo"))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.headers()["content-type"], "image/png");
    let decoded = image::load_from_memory(&logo.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (256, 128));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_smtp_outage_each_message_arrives_exactly_once() {
    let port = free_port();
    let server = demo_with_smtp(port).await;
    let mut clients = Vec::new();
    for login in ["agent", "rh", "codir"] {
        let client = server.signed_in(login, DEMO_PASSWORD).await;
        set_subscription(&server, &client, true).await;
        clients.push(client);
    }
    let editor = server.signed_in("syndicat", DEMO_PASSWORD).await;
    assert_eq!(post_message(&server, &editor, "Premier", "Un.").await, 303);
    assert_eq!(post_message(&server, &editor, "Second", "Deux.").await, 303);
    // Nothing listens: every delivery is tried, fails and waits.
    let store = server.state().content.store().clone();
    within_secs(20, || {
        let store = store.clone();
        async move {
            let far = support_now_plus_days(30);
            let (due, _) = store.run(move |s| s.due_mails(far, 100)).await.unwrap();
            due.len() == 6 && due.iter().all(|d| d.pending.attempts >= 1)
        }
    })
    .await;
    assert_eq!(
        delivery_states(&server, &editor).await,
        ["3 en attente d'envoi · aucun envoyé"; 2]
    );
    // One of them leaves the list meanwhile: honoured at once, even for the
    // messages already queued.
    set_subscription(&server, &clients[2], false).await;
    // The server comes up; the retry time comes.
    let sink = SmtpSink::start(port).await;
    server.clock.advance(jiff::SignedDuration::from_secs(5));
    server.state().mail_wake.notify_one();
    let received = sink.wait_for(4).await;
    assert_eq!(received.len(), 4);
    // Later passes send nothing again.
    for _ in 0..3 {
        server.clock.advance(jiff::SignedDuration::from_secs(600));
        server.state().mail_wake.notify_one();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let received = sink.received();
    assert_eq!(
        received.len(),
        4,
        "each message exactly once per subscriber"
    );
    let mut pairs: Vec<(String, String)> = received
        .iter()
        .map(|m| (m.rcpt_tos[0].clone(), m.subject.clone()))
        .collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), 4, "no duplicate: {pairs:?}");
    let mut ids: Vec<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "one Message-ID per delivery");
    let codir = mail_of(&server, "codir").await;
    assert!(received.iter().all(|m| m.rcpt_tos != [codir.clone()]));
    assert_eq!(
        delivery_states(&server, &editor).await,
        ["2 envoyés · 1 non envoyé (désabonné entre-temps)"; 2]
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_mails_survive_a_restart_and_are_never_sent_twice() {
    let port = free_port();
    let server = demo_with_smtp(port).await;
    for login in ["agent", "rh"] {
        let client = server.signed_in(login, DEMO_PASSWORD).await;
        set_subscription(&server, &client, true).await;
    }
    let editor = server.signed_in("syndicat", DEMO_PASSWORD).await;
    assert_eq!(
        post_message(&server, &editor, "Avant l'arrêt", "Texte.").await,
        303
    );
    let store = server.state().content.store().clone();
    within_secs(20, || {
        let store = store.clone();
        async move {
            let far = support_now_plus_days(30);
            let (due, _) = store.run(move |s| s.due_mails(far, 100)).await.unwrap();
            due.len() == 2 && due.iter().all(|d| d.pending.attempts >= 1)
        }
    })
    .await;
    drop(store);
    // kiosque stops with the mails still queued; the SMTP server comes up.
    let dir = server.stop().await;
    let sink = SmtpSink::start(port).await;
    let restart = |dir: tempfile::TempDir| async move {
        let config = smtp_config(dir.path(), port);
        let server = TestServer::start_in(dir, config).await;
        server.clock.advance(jiff::SignedDuration::from_secs(3600));
        server.state().mail_wake.notify_one();
        server
    };
    let server = restart(dir).await;
    assert_eq!(sink.wait_for(2).await.len(), 2, "sent after the restart");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dir = server.stop().await;
    let server = restart(dir).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received().len(), 2, "nothing sent twice");
    let editor = server.signed_in("syndicat", DEMO_PASSWORD).await;
    assert_eq!(delivery_states(&server, &editor).await, ["2 envoyés"]);
    server.stop().await;
}

fn support_now_plus_days(days: i64) -> jiff::Timestamp {
    now() + jiff::SignedDuration::from_hours(24 * days)
}

async fn within_secs<F, Fut>(secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
