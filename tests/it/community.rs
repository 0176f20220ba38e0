//! Participation, community side (issue 11), over real HTTP: "Mon espace"
//! (favourites, pinned links, subscriptions), job offers by profile, comments
//! under actus and events, and "espaces d'échange".

use scraper::Html;

use crate::participation::{html_of, location, post};
use crate::support::*;

#[tokio::test]
async fn mon_espace_gathers_favourites_pinned_links_notices_and_publications() {
    let server = TestServer::demo_as("agent").await;
    let actus = server.page("/actus", 200).await;
    let href = attrs(&actus, ".card-title a", "href").remove(0);
    let item = server.page(&href, 200).await;
    let title = text(&item, "h1");
    assert_eq!(attrs(&item, ".star-button", "aria-pressed"), vec!["false"]);
    let action = attrs(&item, "form.star-form", "action").remove(0);
    let starred = post(
        &server.client,
        server.url(&action),
        &[
            ("csrf", &csrf_of(&item)),
            ("etat", "oui"),
            ("retour", &href),
        ],
    )
    .await;
    assert_eq!(starred.status().as_u16(), 303);
    assert_eq!(location(&starred), format!("{href}?favori=1"));
    let item = server.page(&href, 200).await;
    assert_eq!(attrs(&item, ".star-button", "aria-pressed"), vec!["true"]);

    // Mon espace: the favourite, then the "En 1 clic" links; starring the
    // last link puts it first.
    let space = server.page("/mon-espace", 200).await;
    assert_eq!(text(&space, "ul.favourites li a"), title);
    let links: Vec<String> = select(&space, "ul.my-links li a.link-tile span:first-of-type")
        .iter()
        .map(|s| s.text().collect())
        .collect();
    assert!(links.len() > 2, "{links:?}");
    let last = links.last().unwrap().clone();
    let forms = attrs(&space, "ul.my-links form.star-form", "action");
    let starred = post(
        &server.client,
        server.url(forms.last().unwrap()),
        &[
            ("csrf", &csrf_of(&space)),
            ("etat", "oui"),
            ("retour", "/mon-espace"),
        ],
    )
    .await;
    assert_eq!(location(&starred), "/mon-espace?favori=1");
    let space = server.page("/mon-espace?favori=1", 200).await;
    let first = select(&space, "ul.my-links li a.link-tile")
        .first()
        .map(|a| a.text().collect::<String>())
        .unwrap();
    assert!(
        first.starts_with(&last) && first.ends_with("Favori"),
        "{first}"
    );
    assert!(
        !select(&space, "ul.favourites li a")
            .iter()
            .any(|a| a.text().collect::<String>() == last),
        "links stay with the links"
    );
    assert!(
        select(&space, "#titre-avis").len() == 1 && select(&space, "#titre-mes-pub").len() == 1
    );
    assert_eq!(
        attrs(&space, "a.more", "href"),
        vec!["/echanges", "/mes-publications"]
    );

    // Union-list subscriptions show too.
    assert_eq!(
        text(&space, "section[aria-labelledby=titre-abonnements] p.empty"),
        "Vous n'êtes abonné à aucune liste de diffusion syndicale."
    );
    let union = server.page("/syndicats/cgt", 200).await;
    let subscribed = post(
        &server.client,
        server.url("/syndicats/cgt/abonnement"),
        &[("csrf", &csrf_of(&union)), ("abonner", "oui")],
    )
    .await;
    assert_eq!(subscribed.status().as_u16(), 303);
    let space = server.page("/mon-espace", 200).await;
    assert_eq!(
        attrs(&space, "ul.my-subscriptions a", "href"),
        vec!["/syndicats/cgt"]
    );

    // Taking the star off.
    let unstar = post(
        &server.client,
        server.url(&action),
        &[
            ("csrf", &csrf_of(&space)),
            ("etat", "non"),
            ("retour", "/mon-espace"),
        ],
    )
    .await;
    assert_eq!(unstar.status().as_u16(), 303);
    let space = server.page("/mon-espace", 200).await;
    assert!(select(&space, "ul.favourites li").is_empty());
    // Without the form's token, nothing happens.
    let forged = post(
        &server.client,
        server.url(&action),
        &[("csrf", "faux"), ("etat", "oui")],
    )
    .await;
    assert_eq!(forged.status().as_u16(), 403);
}

/// Publishes a job offer as `client` through the editor (multipart form).
async fn publish_job(server: &TestServer, client: &reqwest::Client, title: &str, category: &str) {
    publish_job_at(server, client, title, category, "").await
}

/// Publishes an offer that shows from `publication` (empty: at once).
async fn publish_job_at(
    server: &TestServer,
    client: &reqwest::Client,
    title: &str,
    category: &str,
    publication: &str,
) {
    let editor = html_of(client, server.url("/publier?espace=emploi"), 200).await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf_of(&editor));
    for (name, value) in [
        ("publication", publication),
        ("titre", title),
        ("resume", "Poste ouvert en interne."),
        ("texte", "Candidatures auprès des ressources humaines."),
        ("type_offre", "offre"),
        ("categorie_fp", category),
        ("filiere", "Technique"),
        ("service", "Espaces verts"),
    ] {
        form = form.text(name, value.to_owned());
    }
    let response = client
        .post(server.url("/publier?espace=emploi"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "job {title} published");
}

#[tokio::test]
async fn job_offers_matching_an_agents_profile_come_first_with_a_notice() {
    let server = TestServer::demo_as("agent").await;
    let emploi = server.page("/emploi", 200).await;
    assert_eq!(
        attrs(&emploi, ".job-profile a.button", "href"),
        vec!["/emploi/profil"]
    );

    let form = server.page("/emploi/profil", 200).await;
    let legends: Vec<String> = select(&form, "fieldset legend")
        .iter()
        .map(|l| l.text().collect())
        .collect();
    assert_eq!(legends, vec!["Catégorie", "Filière", "Service"]);
    let saved = post(
        &server.client,
        server.url("/emploi/profil"),
        &[
            ("csrf", &csrf_of(&form)),
            ("categorie", "C"),
            ("filiere", "Technique"),
            ("categorie", "Z"),
        ],
    )
    .await;
    assert_eq!(location(&saved), "/emploi/profil?enregistre=1");
    let form = server.page("/emploi/profil?enregistre=1", 200).await;
    assert_eq!(
        attrs(&form, "input[name=categorie][checked]", "value"),
        vec!["C"]
    );
    assert_eq!(
        attrs(&form, "input[name=filiere][checked]", "value"),
        vec!["Technique"]
    );

    let hr = server.signed_in("rh", DEMO_PASSWORD).await;
    publish_job(&server, &hr, "Jardinier ou jardinière (H/F)", "C").await;
    publish_job(&server, &hr, "Responsable du bureau d'études (H/F)", "A").await;

    let emploi = server.page("/emploi", 200).await;
    let matching: Vec<String> = select(&emploi, "ul.matching-jobs li a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert!(
        matching.contains(&"Jardinier ou jardinière (H/F)".to_owned()),
        "{matching:?}"
    );
    assert!(!matching.contains(&"Responsable du bureau d'études (H/F)".to_owned()));
    // The block comes before the list of every offer.
    let block = emploi.html().find("titre-profil").unwrap();
    let list = emploi
        .html()
        .find("Responsable du bureau d'études")
        .unwrap();
    assert!(block < list);

    let space = server.page("/mon-espace", 200).await;
    let notices = text(&space, "section[aria-labelledby=titre-avis] ul");
    assert!(
        notices.contains("Nouvelle offre pour votre profil : « Jardinier ou jardinière (H/F) »"),
        "{notices}"
    );
    assert!(!notices.contains("bureau d'études"), "{notices}");

    // An offer scheduled for next week: no notice before it shows.
    publish_job_at(
        &server,
        &hr,
        "Agent d'entretien des serres (H/F)",
        "C",
        &(crate::support::now() + jiff::SignedDuration::from_hours(24 * 7))
            .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
    )
    .await;
    let space = server.page("/mon-espace", 200).await;
    let notices = text(&space, "section[aria-labelledby=titre-avis] ul");
    assert!(
        !notices.contains("serres"),
        "not before it shows: {notices}"
    );
    server
        .clock
        .advance(jiff::SignedDuration::from_hours(24 * 7 + 1));
    // (A week later the session has long ended: sign in again.)
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    let space = html_of(&agent, server.url("/mon-espace"), 200).await;
    let notices = text(&space, "section[aria-labelledby=titre-avis] ul");
    assert!(notices.contains("serres"), "once it shows: {notices}");
}

#[tokio::test]
async fn comments_open_per_item_are_edited_for_15_minutes_reported_and_removed() {
    let server = TestServer::demo().await;
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    let codir = server.signed_in("codir", DEMO_PASSWORD).await;
    let actus = html_of(&agent, server.url("/actus"), 200).await;
    let href = attrs(&actus, ".card-title a", "href").remove(0);
    let id = href.rsplit('/').next().unwrap().to_owned();

    // Closed by default: nothing to write in.
    let page = html_of(&agent, server.url(&href), 200).await;
    assert!(select(&page, "form.comment-form").is_empty());
    let refused = post(
        &agent,
        server.url(&format!("/commentaires/{id}")),
        &[("csrf", &csrf_of(&page)), ("texte", "Bonjour")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 403);
    // The agent is not the author: may not open them; a webmaster may.
    let refused = post(
        &agent,
        server.url(&format!("/commentaires/{id}/ouverture")),
        &[("csrf", &csrf_of(&page)), ("etat", "oui")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 403);
    let page_w = html_of(&webmaster, server.url(&href), 200).await;
    let opened = post(
        &webmaster,
        server.url(&format!("/commentaires/{id}/ouverture")),
        &[("csrf", &csrf_of(&page_w)), ("etat", "oui")],
    )
    .await;
    assert_eq!(location(&opened), format!("{href}#commentaires"));
    // A second tap changes nothing.
    let again = post(
        &webmaster,
        server.url(&format!("/commentaires/{id}/ouverture")),
        &[("csrf", &csrf_of(&page_w)), ("etat", "oui")],
    )
    .await;
    assert_eq!(again.status().as_u16(), 303);
    // Opening comments under someone else's item is in the audit log, once.
    let store = server.state().content.store().clone();
    let item = store
        .get_item(id.parse().unwrap())
        .unwrap()
        .expect("the actu");
    let audited = store
        .audit_log(5)
        .unwrap()
        .iter()
        .filter(|e| e.action == "ouverture des commentaires" && e.actor.as_str() == "webmestre")
        .count();
    assert_eq!(audited, usize::from(item.author.as_str() != "webmestre"));

    // A too long comment is refused and kept; a good one is published, escaped.
    let page = html_of(&agent, server.url(&href), 200).await;
    let csrf = csrf_of(&page);
    let long = "é".repeat(2001);
    let refused = post(
        &agent,
        server.url(&format!("/commentaires/{id}")),
        &[("csrf", &csrf), ("texte", &long)],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 422);
    let kept = Html::parse_document(&refused.text().await.unwrap());
    assert!(text(&kept, ".form-error").contains("trop long"));
    assert_eq!(text(&kept, "textarea#commentaire"), long);
    let said = "Bravo à l'équipe <b>des espaces verts</b> !";
    let sent = post(
        &agent,
        server.url(&format!("/commentaires/{id}")),
        &[("csrf", &csrf), ("texte", said)],
    )
    .await;
    assert_eq!(sent.status().as_u16(), 303);
    let anchor = location(&sent);
    let comment = anchor.rsplit("#commentaire-").next().unwrap().to_owned();
    let page = html_of(&agent, server.url(&href), 200).await;
    assert_eq!(text(&page, ".comment-body"), said, "shown as text");
    assert!(select(&page, ".comment-body b").is_empty());
    assert_eq!(text(&page, "#titre-commentaires"), "Commentaires (1)");

    // Its author edits it within 15 minutes, not after.
    let edit = format!("/commentaires/{id}/{comment}/modifier");
    let form = html_of(&agent, server.url(&edit), 200).await;
    assert_eq!(text(&form, "textarea#commentaire"), said);
    let edited = post(
        &agent,
        server.url(&edit),
        &[("csrf", &csrf), ("texte", "Bravo à toute l'équipe !")],
    )
    .await;
    assert_eq!(edited.status().as_u16(), 303);
    let page = html_of(&agent, server.url(&href), 200).await;
    assert_eq!(text(&page, ".comment-body"), "Bravo à toute l'équipe !");
    assert!(text(&page, ".comment .card-meta").ends_with("modifié"));
    let not_theirs = webmaster.get(server.url(&edit)).send().await.unwrap();
    assert_eq!(not_theirs.status().as_u16(), 400);
    server.clock.advance(jiff::SignedDuration::from_mins(16));
    let late = agent.get(server.url(&edit)).send().await.unwrap();
    assert_eq!(late.status().as_u16(), 400);
    let page = Html::parse_document(&late.text().await.unwrap());
    assert!(text(&page, "main").contains("pendant 15 minutes"));

    // Reported by someone else: in the webmasters' queue; removed by a webmaster.
    let page_c = html_of(&codir, server.url(&href), 200).await;
    let reported = post(
        &codir,
        server.url(&format!("/commentaires/{id}/{comment}/signaler")),
        &[("csrf", &csrf_of(&page_c)), ("motif", "Hors sujet")],
    )
    .await;
    assert_eq!(location(&reported), format!("{href}?signale=1"));
    let queue = html_of(&webmaster, server.url("/moderation"), 200).await;
    assert!(
        text(&queue, "ul.reports").contains("Commentaire signalé : « Bravo à toute l'équipe ! »")
    );
    let removal = format!("/commentaires/{id}/{comment}/retirer");
    let refused = post(&agent, server.url(&removal), &[("csrf", &csrf)]).await;
    assert_eq!(refused.status().as_u16(), 403);
    let removed = post(
        &webmaster,
        server.url(&removal),
        &[("csrf", &csrf_of(&queue))],
    )
    .await;
    assert_eq!(removed.status().as_u16(), 303);
    let page = html_of(&agent, server.url(&href), 200).await;
    assert_eq!(
        text(&page, ".comment .removed"),
        "Commentaire retiré par les webmestres."
    );
    assert!(!page.html().contains("toute l'équipe"));
    let audit = server.state().content.store().audit_log(5).unwrap();
    assert!(audit.iter().any(|e| e.action == "retrait d'un commentaire"));
}

#[tokio::test]
async fn espaces_d_echange_are_made_by_webmasters_followed_and_moderated() {
    let server = TestServer::demo().await;
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;

    // Only webmasters create one; a nameless one is refused, the text kept.
    let list = html_of(&agent, server.url("/echanges"), 200).await;
    assert!(select(&list, "form[action='/echanges']").is_empty());
    let refused = post(
        &agent,
        server.url("/echanges"),
        &[("csrf", &csrf_of(&list)), ("nom", "Pirates")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 403);
    let list = html_of(&webmaster, server.url("/echanges"), 200).await;
    let csrf_w = csrf_of(&list);
    let refused = post(
        &webmaster,
        server.url("/echanges"),
        &[
            ("csrf", &csrf_w),
            ("nom", " "),
            ("description", "Entre régisseurs"),
        ],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 422);
    let page = Html::parse_document(&refused.text().await.unwrap());
    assert_eq!(
        attrs(&page, "#description", "value"),
        vec!["Entre régisseurs"]
    );
    let created = post(
        &webmaster,
        server.url("/echanges"),
        &[
            ("csrf", &csrf_w),
            ("nom", "Régisseurs"),
            ("description", "Entre régisseurs"),
        ],
    )
    .await;
    assert_eq!(created.status().as_u16(), 303);
    let space = location(&created);

    // The agent follows it: it shows in Mon espace.
    let page = html_of(&agent, server.url(&space), 200).await;
    let csrf = csrf_of(&page);
    let followed = post(
        &agent,
        server.url(&format!("{space}/suivre")),
        &[("csrf", &csrf), ("etat", "oui"), ("retour", &space)],
    )
    .await;
    assert_eq!(location(&followed), space);
    let mine = html_of(&agent, server.url("/mon-espace"), 200).await;
    assert_eq!(text(&mine, "ul.my-discussions li a"), "Régisseurs");

    // A message, edited, reported by someone else, removed by a webmaster.
    let sent = post(
        &agent,
        server.url(&space),
        &[("csrf", &csrf), ("texte", "Qui a la clé du coffre ?")],
    )
    .await;
    assert_eq!(sent.status().as_u16(), 303);
    let post_id = location(&sent)
        .rsplit("#message-")
        .next()
        .unwrap()
        .to_owned();
    let edit = format!("{space}/{post_id}/modifier");
    let edited = post(
        &agent,
        server.url(&edit),
        &[("csrf", &csrf), ("texte", "Qui a la clé du coffre-fort ?")],
    )
    .await;
    assert_eq!(edited.status().as_u16(), 303);
    let page = html_of(&webmaster, server.url(&space), 200).await;
    assert_eq!(
        text(&page, ".comment-body"),
        "Qui a la clé du coffre-fort ?"
    );
    let reported = post(
        &webmaster,
        server.url(&format!("{space}/{post_id}/signaler")),
        &[("csrf", &csrf_w), ("motif", "Information sensible")],
    )
    .await;
    assert_eq!(location(&reported), format!("{space}?signale=1"));
    let queue = html_of(&webmaster, server.url("/moderation"), 200).await;
    assert!(text(&queue, "ul.reports").contains("Qui a la clé du coffre-fort ?"));
    let refused = post(
        &agent,
        server.url(&format!("{space}/{post_id}/retirer")),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 403);
    let removed = post(
        &webmaster,
        server.url(&format!("{space}/{post_id}/retirer")),
        &[("csrf", &csrf_w)],
    )
    .await;
    assert_eq!(removed.status().as_u16(), 303);
    let page = html_of(&agent, server.url(&space), 200).await;
    assert_eq!(
        text(&page, ".comment .removed"),
        "Message retiré par les webmestres."
    );
    server.clock.advance(jiff::SignedDuration::from_mins(16));
    let late = agent.get(server.url(&edit)).send().await.unwrap();
    assert_eq!(late.status().as_u16(), 400);
}
