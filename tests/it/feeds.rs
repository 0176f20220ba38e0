//! Calendar and news feeds: a personal link made on "Mon compte", fetched by
//! an app that has no session, parsed with real iCalendar and Atom parsers;
//! regenerated and deleted links answer 404; feeds hold nothing pending.

use scraper::Html;

use crate::publishing::submit;
use crate::support::*;

/// Makes (or regenerates) the agent's link; returns (agenda URL, actus URL).
async fn make_link(server: &TestServer, client: &reqwest::Client) -> (String, String) {
    let page = Html::parse_document(
        &client
            .get(server.url("/compte"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let token = csrf_of(&page);
    let response = client
        .post(server.url("/compte/agenda"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page = Html::parse_document(&response.text().await.unwrap());
    (text(&page, "#lien-agenda"), text(&page, "#lien-actus"))
}

/// Fetches a feed as an app would: no cookie, no session.
async fn fetch(url: &str) -> reqwest::Response {
    new_client().get(url).send().await.unwrap()
}

fn parse_calendar(text: &str) -> icalendar::Calendar {
    text.parse::<icalendar::Calendar>()
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{text}"))
}

fn summaries(calendar: &icalendar::Calendar) -> Vec<String> {
    use icalendar::Component;
    calendar
        .events()
        .filter_map(|e| e.get_summary().map(str::to_owned))
        .collect()
}

/// The links are made for the server's public address; fetch them from the
/// test server instead.
fn local(server: &TestServer, url: &str) -> String {
    let path = &url[url.find("/abonnement/").expect("a feed address")..];
    server.url(path)
}

#[tokio::test]
async fn a_personal_link_opens_the_agenda_and_the_actus_to_apps_that_cannot_sign_in() {
    let server = TestServer::demo_as("agent").await;
    let account = server.page("/compte", 200).await;
    assert_eq!(
        text(&account, "form[action='/compte/agenda'] button"),
        "Créer mon lien d'agenda"
    );
    let (agenda, actus) = make_link(&server, &server.client).await;
    assert!(agenda.ends_with("/agenda.ics"), "{agenda}");

    let response = fetch(&local(&server, &agenda)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let calendar = parse_calendar(&response.text().await.unwrap());
    let titles = summaries(&calendar);
    assert!(titles.len() >= 30, "{titles:?}");
    assert!(titles.contains(&"CODIR hebdomadaire".to_owned()));
    assert!(
        titles.contains(&"Permanence syndicale CGT".to_owned()),
        "union events too"
    );
    for event in calendar.events() {
        use icalendar::Component;
        assert!(event.get_start().is_some(), "{event:?}");
        assert!(event.get_end().is_some(), "{event:?}");
        assert!(event.get_uid().is_some_and(|u| u.contains('@')));
    }

    // One space only.
    let response = fetch(&format!("{}?espace=syndicats/cgt", local(&server, &agenda))).await;
    assert_eq!(response.status().as_u16(), 200);
    let cgt = summaries(&parse_calendar(&response.text().await.unwrap()));
    assert!(cgt.is_empty(), "the demo union publishes no event: {cgt:?}");
    let response = fetch(&format!("{}?espace=agenda", local(&server, &agenda))).await;
    let town = summaries(&parse_calendar(&response.text().await.unwrap()));
    assert!(town.contains(&"CODIR hebdomadaire".to_owned()));
    let response = fetch(&format!("{}?espace=nulle-part", local(&server, &agenda))).await;
    assert_eq!(response.status().as_u16(), 404);

    // The actus, for a news reader.
    let response = fetch(&local(&server, &actus)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let feed = feed_rs::parser::parse(response.bytes().await.unwrap().as_ref()).unwrap();
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    let titles: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert!(
        titles
            .contains(&"Cuisine centrale : plus de produits locaux dans les assiettes".to_owned()),
        "{titles:?}"
    );
    assert!(
        feed.entries
            .iter()
            .all(|e| !e.links.is_empty() && e.updated.is_some())
    );

    // Back on the account page, the link is not shown again.
    let account = server.page("/compte", 200).await;
    assert!(select(&account, "#lien-agenda").is_empty());
    assert_eq!(
        text(&account, "form[action='/compte/agenda'] button"),
        "Régénérer le lien"
    );
}

#[tokio::test]
async fn regenerated_deleted_and_unknown_links_answer_404() {
    let server = TestServer::demo_as("agent").await;
    let (first, _) = make_link(&server, &server.client).await;
    assert_eq!(fetch(&local(&server, &first)).await.status().as_u16(), 200);
    let (second, second_actus) = make_link(&server, &server.client).await;
    assert_ne!(first, second);
    assert_eq!(
        fetch(&local(&server, &first)).await.status().as_u16(),
        404,
        "regenerated"
    );
    assert_eq!(fetch(&local(&server, &second)).await.status().as_u16(), 200);

    let account = server.page("/compte", 200).await;
    let token = csrf_of(&account);
    let response = server
        .client
        .post(server.url("/compte/agenda/supprimer"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        fetch(&local(&server, &second)).await.status().as_u16(),
        404,
        "deleted"
    );
    assert_eq!(
        fetch(&local(&server, &second_actus))
            .await
            .status()
            .as_u16(),
        404
    );
    for bad in [
        format!("/abonnement/{}/agenda.ics", "0".repeat(64)),
        "/abonnement/pas-un-jeton/agenda.ics".to_owned(),
        format!("/abonnement/{}/actus.atom", "g".repeat(64)),
    ] {
        assert_eq!(
            fetch(&server.url(&bad)).await.status().as_u16(),
            404,
            "{bad}"
        );
    }
    // Without the form token, nothing is made.
    let response = server
        .client
        .post(server.url("/compte/agenda"))
        .form(&[("csrf", "faux")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn feeds_hold_nothing_pending_and_a_disabled_owner_gets_nothing() {
    let server = TestServer::demo_as("agent").await;
    let response = submit(
        &server,
        &server.client,
        "/publier?espace=agenda",
        &[
            ("titre", "Pique-nique xylophonique des jardiniers"),
            ("resume", "Au parc."),
            ("texte", "Apportez vos salades."),
            ("debut", "2026-12-10T12:00"),
            ("fin", "2026-12-10T14:00"),
            ("lieu", "Parc du Moulin"),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303, "proposal sent");
    let (agenda, _) = make_link(&server, &server.client).await;
    let body = fetch(&local(&server, &agenda)).await.text().await.unwrap();
    assert!(
        !summaries(&parse_calendar(&body))
            .iter()
            .any(|t| t.contains("xylophonique"))
    );

    // A disabled account's link stops working at once.
    let store = server.state().content.store().clone();
    let mut agent = store
        .get_user(&kiosque::domain::Login::new("agent"))
        .unwrap()
        .unwrap();
    agent.disabled = true;
    store.put_users(&[agent]).unwrap();
    assert_eq!(fetch(&local(&server, &agenda)).await.status().as_u16(), 404);
}

#[tokio::test]
async fn an_event_page_offers_its_ics_file() {
    let server = TestServer::demo_as("agent").await;
    let week = server.page("/agenda", 200).await;
    let href = attrs(&week, "a[href^='/agenda/0']", "href")
        .into_iter()
        .next()
        .expect("an event this week");
    let page = server.page(&href, 200).await;
    let title = text(&page, "h1");
    let ics = attrs(&page, "a.add-to-calendar", "href").remove(0);
    let response = server.get(&ics).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let calendar = parse_calendar(&response.text().await.unwrap());
    assert_eq!(summaries(&calendar), [title]);
    assert_eq!(
        server
            .get("/ics/01ARZ3NDEKTSV4RRFFQ69G5FAV")
            .await
            .status()
            .as_u16(),
        404
    );
}
