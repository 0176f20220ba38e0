//! The rights matrix over real HTTP: every publishing and moderation route,
//! for every role of the demo, with every refusal (DESIGN §4).

use scraper::Html;

use crate::support::*;

/// The demo's people, one per role: agent, publisher (CODIR), manager (HR),
/// webmaster, administrator (IT, also a manager), union editor (CGT).
const PEOPLE: [&str; 6] = ["agent", "codir", "rh", "webmestre", "dsi", "syndicat"];

async fn status(server: &TestServer, client: &reqwest::Client, path: &str) -> u16 {
    client
        .get(server.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn first_href(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    selector: &str,
) -> String {
    let html = Html::parse_document(
        &client
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    attrs(&html, selector, "href").remove(0)
}

#[tokio::test]
async fn every_route_for_every_role() {
    let server = TestServer::demo().await;
    let mut clients = Vec::new();
    for login in PEOPLE {
        clients.push(server.signed_in(login, DEMO_PASSWORD).await);
    }
    let (agent, codir, union) = (&clients[0], &clients[1], &clients[5]);

    // Items to act on: an agent's proposal, a CODIR publication, a union's publication.
    let form = |title: &str, token: String| {
        reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("titre", title.to_owned())
            .text("action", "enregistrer")
    };
    let token = csrf_of(&Html::parse_document(
        &agent
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ));
    agent
        .post(server.url("/publier?espace=actus"))
        .multipart(form("Proposition d'un agent", token))
        .send()
        .await
        .unwrap();
    let proposal = first_href(&server, agent, "/mes-publications", "table.my-items a").await;
    let proposal_id = proposal.rsplit('/').next().unwrap().to_owned();
    let token = csrf_of(&Html::parse_document(
        &codir
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ));
    let published = codir
        .post(server.url("/publier?espace=actus"))
        .multipart(form("Publication du CODIR", token))
        .send()
        .await
        .unwrap();
    let publication_id = published.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let token = csrf_of(&Html::parse_document(
        &union
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ));
    let union_item = union
        .post(server.url("/publier?espace=syndicats/cgt"))
        .multipart(form("Tract CGT", token))
        .send()
        .await
        .unwrap();
    let union_id = union_item.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    let rows: Vec<(String, [u16; 6])> = vec![
        (
            "/publier?espace=actus".into(),
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "/publier?espace=agenda".into(),
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "/publier?espace=annonces".into(),
            [200, 200, 200, 200, 200, 200],
        ),
        ("/publier?espace=rh".into(), [403, 403, 200, 200, 200, 403]),
        (
            "/publier?espace=emploi".into(),
            [403, 403, 200, 200, 200, 403],
        ),
        (
            "/publier?espace=pages".into(),
            [403, 200, 200, 200, 200, 403],
        ),
        (
            "/publier?espace=liens".into(),
            [403, 403, 200, 200, 200, 403],
        ),
        (
            "/publier?espace=syndicats/cgt".into(),
            [403, 403, 403, 403, 403, 200],
        ),
        (
            "/publier?espace=syndicats/cfdt".into(),
            [403, 403, 403, 403, 403, 403],
        ),
        (
            "/publier?espace=inconnu".into(),
            [404, 404, 404, 404, 404, 404],
        ),
        (
            format!("/modifier/{proposal_id}"),
            [200, 403, 200, 200, 200, 403],
        ),
        (
            format!("/modifier/{publication_id}"),
            [403, 200, 200, 200, 200, 403],
        ),
        (
            format!("/modifier/{union_id}"),
            [403, 403, 403, 403, 403, 200],
        ),
        (
            format!("/actus/{proposal_id}"),
            [200, 404, 200, 200, 200, 404],
        ),
        ("/moderation".into(), [403, 403, 403, 200, 403, 403]),
        ("/admin".into(), [403, 403, 403, 403, 200, 403]),
        ("/admin/charte".into(), [403, 403, 403, 403, 200, 403]),
        ("/mes-publications".into(), [200, 200, 200, 200, 200, 200]),
    ];
    for (path, expected) in &rows {
        for (i, client) in clients.iter().enumerate() {
            assert_eq!(
                status(&server, client, path).await,
                expected[i],
                "GET {path} as {}",
                PEOPLE[i]
            );
        }
    }

    // State changes: every refusal first, then the one allowed.
    for (i, client) in clients.iter().enumerate() {
        let html = Html::parse_document(
            &client
                .get(server.url("/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        let token = csrf_of(&html);
        let post = |path: String, fields: Vec<(&'static str, String)>| {
            let mut all = fields;
            all.push(("csrf", token.clone()));
            client.post(server.url(&path)).form(&all).send()
        };
        let moderate = post(
            format!("/moderation/{proposal_id}"),
            vec![("decision", "valider".into())],
        )
        .await
        .unwrap()
        .status()
        .as_u16();
        let delete_union = post(format!("/supprimer/{union_id}"), vec![])
            .await
            .unwrap()
            .status()
            .as_u16();
        let renew_actu = post(format!("/renouveler/{publication_id}"), vec![])
            .await
            .unwrap()
            .status()
            .as_u16();
        let end_sessions = post(
            "/admin/sessions".into(),
            vec![("identifiant", "personne".into())],
        )
        .await
        .unwrap()
        .status()
        .as_u16();
        let who = PEOPLE[i];
        match who {
            "webmestre" => {
                assert_eq!(moderate, 303, "{who} validates");
                assert_eq!(
                    delete_union, 303,
                    "{who} may delete a union item (moderation)"
                );
                assert_eq!(end_sessions, 403, "{who}");
            }
            "dsi" => {
                assert_eq!(
                    moderate, 403,
                    "{who}: already validated, and not a webmaster"
                );
                assert_eq!(
                    delete_union, 404,
                    "{who}: the webmaster deleted it just before"
                );
                assert_eq!(end_sessions, 303, "{who} ends sessions");
            }
            "syndicat" => {
                assert_eq!(moderate, 403, "{who}");
                assert_eq!(
                    delete_union, 404,
                    "{who}: the webmaster deleted it just before"
                );
                assert_eq!(end_sessions, 403, "{who}");
            }
            _ => {
                assert_eq!(moderate, 403, "{who}");
                assert_eq!(delete_union, 403, "{who}");
                assert_eq!(end_sessions, 403, "{who}");
            }
        }
        assert_eq!(renew_actu, 403, "{who}: only annonces are renewed");
        // Reports are open to everyone but the author.
        let report = post(
            format!("/signaler/{publication_id}"),
            vec![("motif", "À vérifier".into())],
        )
        .await
        .unwrap()
        .status()
        .as_u16();
        assert_eq!(
            report,
            if who == "codir" { 403 } else { 303 },
            "{who} reports"
        );
    }
}
