//! Participation (issue 11) over real HTTP: read acknowledgements asked by a
//! webmaster and confirmed on a borne, reminders; questionnaires made by a
//! publisher, answered on a borne and on a phone, results, CSV export, and
//! proof that an anonymous answer leaves no stored link to its agent.

use scraper::Html;

use crate::support::*;

/// The demo intranet with a borne listener (web and kiosk share one state).
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

/// `agent` (Camille Lefèvre, Espaces verts) signed in on the borne.
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

pub(crate) async fn html_of(client: &reqwest::Client, url: String, status: u16) -> Html {
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(
        response.status().as_u16(),
        status,
        "GET {url} → {:?}",
        response.headers().get("location")
    );
    Html::parse_document(&response.text().await.unwrap())
}

pub(crate) async fn post(
    client: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(&url).form(form).send().await.unwrap()
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_note_asked_of_a_service_is_confirmed_on_a_borne_and_followed_by_its_sender() {
    let server = borne().await;
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let actus = html_of(&webmaster, server.url("/actus"), 200).await;
    let href = attrs(&actus, ".card-title a", "href").remove(0);
    let id = href.rsplit('/').next().unwrap().to_owned();
    let title = {
        let item = html_of(&webmaster, server.url(&href), 200).await;
        text(&item, "h1")
    };
    let follow = html_of(&webmaster, server.url(&format!("/suivi-lecture/{id}")), 200).await;
    let csrf = csrf_of(&follow);
    assert_eq!(
        select(&follow, "fieldset legend")
            .first()
            .map(|l| l.text().collect::<String>()),
        Some("Qui doit confirmer sa lecture ?".into())
    );

    // Units without any ticked: refused in French, the choice kept.
    let refused = post(
        &webmaster,
        server.url(&format!("/suivi-lecture/{id}")),
        &[
            ("csrf", &csrf),
            ("public", "unites"),
            ("action", "demander"),
        ],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 422);
    let page = Html::parse_document(&refused.text().await.unwrap());
    assert!(text(&page, ".form-error").contains("Cochez au moins un service"));
    assert_eq!(
        attrs(&page, "input[name=public][value=unites]", "checked").len(),
        1
    );

    let asked = post(
        &webmaster,
        server.url(&format!("/suivi-lecture/{id}")),
        &[
            ("csrf", &csrf),
            ("public", "unites"),
            ("unites", "Espaces verts"),
            ("action", "demander"),
        ],
    )
    .await;
    assert_eq!(asked.status().as_u16(), 303);

    // The gardener sees it first on the borne's home page and taps "J'ai lu".
    let borne_agent = kiosk_agent(&server).await;
    let home = html_of(&borne_agent, server.kiosk_url("/"), 200).await;
    assert!(text(&home, "#titre-a-lire").starts_with("À lire et à confirmer (1)"));
    assert_eq!(text(&home, ".ack-list a"), title);
    let first_block = select(&home, "main section")
        .first()
        .unwrap()
        .value()
        .attr("class")
        .unwrap()
        .to_owned();
    assert!(
        first_block.contains("block-ack"),
        "pending notes come first: {first_block}"
    );
    let action = attrs(&home, ".ack-list form", "action").remove(0);
    assert_eq!(action, format!("/lu/{id}"));
    let done = post(
        &borne_agent,
        server.kiosk_url(&action),
        &[("csrf", &csrf_of(&home)), ("retour", "/")],
    )
    .await;
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(location(&done), "/?lu=1");
    let home = html_of(&borne_agent, server.kiosk_url("/?lu=1"), 200).await;
    assert!(
        select(&home, "#titre-a-lire").is_empty(),
        "nothing left to confirm"
    );
    assert_eq!(
        text(&home, "main p.notice"),
        "Merci : votre lecture est confirmée."
    );
    let item = html_of(&borne_agent, server.kiosk_url(&href), 200).await;
    assert!(text(&item, ".ack-box").contains("Vous avez confirmé votre lecture le"));

    // Someone outside the audience is not asked, and may not confirm.
    let hr = server.signed_in("rh", DEMO_PASSWORD).await;
    let home = html_of(&hr, server.url("/"), 200).await;
    assert!(select(&home, "#titre-a-lire").is_empty());
    let refused = post(
        &hr,
        server.url(&action),
        &[("csrf", &csrf_of(&home)), ("retour", "/")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 403);
    // Nor may they follow it (not theirs, not a manager's… rh is a manager: use the agent).
    let agent_web = server.signed_in("agent", DEMO_PASSWORD).await;
    let response = agent_web
        .get(server.url(&format!("/suivi-lecture/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // The sender sees who read and who has not, and reminds the others.
    let follow = html_of(&webmaster, server.url(&format!("/suivi-lecture/{id}")), 200).await;
    let read = text(&follow, "table[aria-labelledby=titre-lu] tbody");
    assert!(read.contains("Camille Lefèvre"), "{read}");
    let unread_rows = select(&follow, "table[aria-labelledby=titre-pas-lu] tbody tr").len();
    assert!(unread_rows > 0, "other gardeners have not read yet");
    assert!(!text(&follow, "table[aria-labelledby=titre-pas-lu]").contains("Camille Lefèvre"));
    let reminded = post(
        &webmaster,
        server.url(&format!("/suivi-lecture/{id}/relance")),
        &[("csrf", &csrf_of(&follow))],
    )
    .await;
    assert_eq!(reminded.status().as_u16(), 303);
    assert_eq!(
        location(&reminded),
        format!("/suivi-lecture/{id}?relance={unread_rows}")
    );
    let store = server.state().content.store().clone();
    let users = store.all_users().unwrap();
    let other = users
        .iter()
        .find(|u| u.service == "Espaces verts" && u.login.as_str() != "agent")
        .unwrap();
    let notices = store.notices_of(&other.login, 10).unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].kind, kiosque::store::NoticeKind::ReadReminder);
    assert!(
        store
            .notices_of(&kiosque::domain::Login::new("agent"), 10)
            .unwrap()
            .is_empty(),
        "who read gets no reminder"
    );
}

/// The survey form as a publisher fills it.
pub(crate) fn survey_fields<'a>(
    csrf: &'a str,
    title: &'a str,
    anonymous: bool,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", csrf),
        ("titre", title),
        ("intro", "Deux minutes pour améliorer le réfectoire."),
        ("public", "tous"),
        ("ouverture", "2026-11-29"),
        ("cloture", "2026-12-05"),
        ("q1_libelle", "Vous déjeunez plutôt…"),
        ("q1_type", "unique"),
        ("q1_choix", "Au réfectoire\nDehors, \"sur le pouce\"\n"),
        ("q1_obligatoire", "oui"),
        ("q2_libelle", "Votre satisfaction"),
        ("q2_type", "echelle"),
        ("q3_libelle", "Vos jours"),
        ("q3_type", "multiple"),
        ("q3_choix", "Lundi\nMardi\nJeudi"),
        ("q4_libelle", "Un mot, une idée"),
        ("q4_type", "texte"),
    ];
    if anonymous {
        fields.push(("anonyme", "oui"));
    }
    fields
}

async fn create_survey(
    server: &TestServer,
    author: &reqwest::Client,
    title: &str,
    anonymous: bool,
) -> String {
    let form = html_of(author, server.url("/questionnaires/nouveau"), 200).await;
    let csrf = csrf_of(&form);
    let created = post(
        author,
        server.url("/questionnaires/nouveau"),
        &survey_fields(&csrf, title, anonymous),
    )
    .await;
    assert_eq!(created.status().as_u16(), 303);
    let list = html_of(author, server.url("/questionnaires?cree=1"), 200).await;
    let href = select(
        &list,
        "section[aria-labelledby=titre-mes-questionnaires] li a",
    )
    .into_iter()
    .find(|a| a.text().collect::<String>() == title)
    .and_then(|a| a.value().attr("href"))
    .unwrap()
    .to_owned();
    href.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_anonymous_survey_is_answered_on_a_borne_and_keeps_no_link_to_the_agent() {
    let server = borne().await;
    let codir = server.signed_in("codir", DEMO_PASSWORD).await;

    // A refused form keeps everything typed.
    let form = html_of(&codir, server.url("/questionnaires/nouveau"), 200).await;
    let csrf = csrf_of(&form);
    let mut fields = survey_fields(&csrf, "", true);
    fields.retain(|(k, _)| *k != "cloture");
    fields.push(("cloture", "2026-11-01"));
    let refused = post(&codir, server.url("/questionnaires/nouveau"), &fields).await;
    assert_eq!(refused.status().as_u16(), 422);
    let page = Html::parse_document(&refused.text().await.unwrap());
    let errors = text(&page, "div.form-error");
    assert!(errors.contains("Donnez un titre"), "{errors}");
    assert!(
        errors.contains("La date de clôture doit venir après"),
        "{errors}"
    );
    assert_eq!(
        attrs(&page, "#q1_libelle", "value"),
        vec!["Vous déjeunez plutôt…"]
    );
    assert_eq!(
        text(&page, "#q1_choix"),
        "Au réfectoire\nDehors, \"sur le pouce\""
    );
    assert_eq!(attrs(&page, "input[name=anonyme]", "checked").len(), 1);

    // An agent may not create one.
    let agent_web = server.signed_in("agent", DEMO_PASSWORD).await;
    let response = agent_web
        .get(server.url("/questionnaires/nouveau"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // The home page's asks are cached per change and minute: a new
    // questionnaire shows at once all the same (below).
    let home = html_of(&agent_web, server.url("/"), 200).await;
    assert_eq!(
        text(&home, ".survey-waiting"),
        "Un questionnaire attend votre réponse."
    );
    let id = create_survey(&server, &codir, "Le réfectoire", true).await;
    // Webmasters follow every questionnaire, from the list.
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let list = html_of(&webmaster, server.url("/questionnaires"), 200).await;
    assert_eq!(
        attrs(
            &list,
            "section[aria-labelledby=titre-resultats] li a",
            "href"
        ),
        vec![format!("/questionnaires/{id}/resultats")]
    );
    let list = html_of(&agent_web, server.url("/questionnaires"), 200).await;
    assert!(
        select(&list, "section[aria-labelledby=titre-resultats]").is_empty(),
        "not before closing"
    );
    let seq_before = server.state().content.store().current_seq();
    let audit_before = server
        .state()
        .content
        .store()
        .audit_log(1000)
        .unwrap()
        .len();

    // On the borne: the home page says questionnaires wait (this one and the
    // demo's); the form is made of fieldsets with legends; a missing required
    // answer keeps the rest.
    let borne_agent = kiosk_agent(&server).await;
    let home = html_of(&borne_agent, server.kiosk_url("/"), 200).await;
    let waiting = text(&home, ".survey-waiting");
    assert!(
        waiting.contains("2 questionnaires attendent votre réponse"),
        "{waiting}"
    );
    let url = server.kiosk_url(&format!("/questionnaires/{id}"));
    let survey = html_of(&borne_agent, url.clone(), 200).await;
    assert_eq!(
        attrs(&survey, "form.survey-form", "autocomplete"),
        vec!["off"]
    );
    let legends: Vec<String> = select(&survey, "fieldset.question legend")
        .iter()
        .map(|l| l.text().collect::<String>())
        .collect();
    assert_eq!(legends.len(), 4);
    assert!(legends[0].starts_with("1. Vous déjeunez plutôt…"));
    let csrf = csrf_of(&survey);
    let answer = "Plus de légumes du jardin municipal";
    // q0, the required first question, is missing: the other answers stay.
    let incomplete = post(
        &borne_agent,
        url.clone(),
        &[
            ("csrf", &csrf),
            ("q0", ""),
            ("q2", "2"),
            ("q2", "0"),
            ("q3", answer),
        ],
    )
    .await;
    assert_eq!(incomplete.status().as_u16(), 422);
    let page = Html::parse_document(&incomplete.text().await.unwrap());
    assert!(text(&page, "#erreur-question-1").contains("Cette question demande une réponse"));
    assert_eq!(
        attrs(&page, "input[name=q2][checked]", "value"),
        vec!["0", "2"]
    );
    assert_eq!(attrs(&page, "input[name=q3]", "value"), vec![answer]);

    let sent = post(
        &borne_agent,
        url.clone(),
        &[
            ("csrf", &csrf),
            ("q0", "1"),
            ("q1", "4"),
            ("q2", "0"),
            ("q2", "2"),
            ("q3", answer),
        ],
    )
    .await;
    assert_eq!(sent.status().as_u16(), 303);
    let home = html_of(&agent_web, server.url("/"), 200).await;
    assert_eq!(
        text(&home, ".survey-waiting"),
        "Un questionnaire attend votre réponse.",
        "answered on the borne: one left, at the desk too"
    );
    let thanks = html_of(&borne_agent, format!("{url}?merci=1"), 200).await;
    assert!(text(&thanks, "main").contains("Vous avez répondu à ce questionnaire"));
    // A second answer (another tab, a double tap) adds nothing.
    let again = post(&borne_agent, url.clone(), &[("csrf", &csrf), ("q0", "0")]).await;
    assert_eq!(again.status().as_u16(), 303);
    // Answering writes nothing to the change log nor to the audit log.
    assert_eq!(server.state().content.store().current_seq(), seq_before);
    assert_eq!(
        server
            .state()
            .content
            .store()
            .audit_log(1000)
            .unwrap()
            .len(),
        audit_before
    );

    // Results: not for the agent while open (no live results); the author sees
    // the chart with its text alternative and the table.
    let early = borne_agent
        .get(server.kiosk_url(&format!("/questionnaires/{id}/resultats")))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status().as_u16(), 403);
    let results = html_of(
        &codir,
        server.url(&format!("/questionnaires/{id}/resultats")),
        200,
    )
    .await;
    assert!(text(&results, ".card-meta").starts_with("1 réponse(s)"));
    assert_eq!(attrs(&results, "svg.bar-chart", "role"), vec!["img"; 3]);
    assert_eq!(
        text(&results, "svg#graphique-0 desc"),
        "Au réfectoire : 0, Dehors, \"sur le pouce\" : 1"
    );
    let rows: Vec<String> = select(
        &results,
        "section.result:first-of-type table.result-table tbody tr",
    )
    .iter()
    .map(|r| r.text().collect::<Vec<_>>().join("|"))
    .collect();
    assert_eq!(
        rows,
        vec!["Au réfectoire|0|0 %", "Dehors, \"sur le pouce\"|1|100 %"]
    );
    assert_eq!(text(&results, "ul.text-answers li"), answer);

    // The author's CSV: fields quoted, no agent column in an anonymous survey.
    let csv = codir
        .get(server.url(&format!("/questionnaires/{id}/export.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = csv.text().await.unwrap();
    assert_eq!(
        body.trim_start_matches('\u{feff}'),
        format!(
            "Vous déjeunez plutôt…,Votre satisfaction,Vos jours,\"Un mot, une idée\"\r\n\"Dehors, \"\"sur le pouce\"\"\",4,Lundi | Jeudi,{answer}\r\n"
        )
    );
    let not_theirs = agent_web
        .get(server.url(&format!("/questionnaires/{id}/export.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(not_theirs.status().as_u16(), 403);

    // Once closed, the audience sees the results.
    server
        .clock
        .advance(jiff::SignedDuration::from_hours(24 * 7));
    let closed_reader = server.signed_in("agent", DEMO_PASSWORD).await;
    html_of(
        &closed_reader,
        server.url(&format!("/questionnaires/{id}/resultats")),
        200,
    )
    .await;

    // The store file itself: the answer row names nobody, the flag holds no answer.
    let survey_id: kiosque::domain::SurveyId = id.parse().unwrap();
    let dir = server.stop().await;
    let store = kiosque::store::Store::open(&dir.path().join("kiosque.redb")).unwrap();
    let storage = store.survey_storage(survey_id).unwrap();
    assert_eq!(storage.answers.len(), 1);
    let (answer_id, bytes) = &storage.answers[0];
    for needle in ["agent", "Camille", "Lefèvre", "2026"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "the stored answer contains {needle:?}"
        );
    }
    let decoded: kiosque::domain::participation::Answer =
        ciborium::from_reader(bytes.as_slice()).unwrap();
    assert_eq!(decoded.by, None);
    // Its id is random, not a time-ordered id of the moment it was given.
    let millis = (answer_id >> 80) as i64;
    assert!(
        (millis - now().as_millisecond()).abs() > 24 * 3600 * 1000,
        "the answer id does not date the answer"
    );
    // The "has answered" flag is the login alone: no answer, no time.
    assert_eq!(storage.respondents, vec!["agent".to_owned()]);
    assert!(!storage.respondents.iter().any(|r| r.contains(answer)));
}

#[tokio::test]
async fn a_named_survey_is_answered_on_a_phone_and_exported_with_names() {
    let server = TestServer::demo().await;
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let id = create_survey(&server, &webmaster, "Formations 2027", false).await;
    let phone = server.signed_in("agent", DEMO_PASSWORD).await;
    let url = server.url(&format!("/questionnaires/{id}"));
    let survey = html_of(&phone, url.clone(), 200).await;
    assert!(text(&survey, "main").contains("par Julien Roussel"));
    let sent = post(
        &phone,
        url,
        &[("csrf", &csrf_of(&survey)), ("q0", "0"), ("q3", "=1+1")],
    )
    .await;
    assert_eq!(sent.status().as_u16(), 303);
    let body = webmaster
        .get(server.url(&format!("/questionnaires/{id}/export.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(lines[0].starts_with("Agent,"));
    assert_eq!(
        lines[1], "Camille Lefèvre,Au réfectoire,,,'=1+1",
        "formulas are defused"
    );
    // A malformed id is simply not found; a choice outside the list is refused.
    let response = phone
        .get(server.url("/questionnaires/pas-un-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}
