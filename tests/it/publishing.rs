//! Publishing and moderation end to end through the web UI: real HTTP, real
//! multipart forms, the charter's rights, image consent, hostile inputs.

use reqwest::multipart::{Form, Part};
use scraper::Html;

use crate::support::*;

/// The CSRF token of a signed-in client (from any page's sign-out form).
pub(crate) async fn csrf(server: &TestServer, client: &reqwest::Client) -> String {
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
    csrf_of(&html)
}

/// Posts a multipart form (fields, then files) from `client`.
pub(crate) async fn submit(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
    files: Vec<(&'static str, &'static str, Vec<u8>, &'static str)>,
) -> reqwest::Response {
    let mut form = Form::new().text("csrf", csrf(server, client).await);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (name, file_name, bytes, mime) in files {
        form = form.part(
            name,
            Part::bytes(bytes)
                .file_name(file_name)
                .mime_str(mime)
                .unwrap(),
        );
    }
    client
        .post(server.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn html_of(response: reqwest::Response) -> Html {
    Html::parse_document(&response.text().await.unwrap())
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::DynamicImage::new_rgb8(width, height);
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A PNG that declares `width`×`height` but carries no pixels (a "pixel bomb").
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind_and_data: &[u8]| {
        out.extend((kind_and_data.len() as u32 - 4).to_be_bytes());
        out.extend(kind_and_data);
        out.extend(crc32(kind_and_data).to_be_bytes());
    };
    chunk(&ihdr);
    chunk(b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01");
    chunk(b"IEND");
    out
}

fn titles(html: &Html) -> Vec<String> {
    select(html, ".card-title a")
        .iter()
        .map(|e| e.text().collect())
        .collect()
}

#[tokio::test]
async fn an_agents_proposal_is_validated_by_a_webmaster() {
    let server = TestServer::demo_as("agent").await;
    let agent = server.client.clone();
    let chooser = server.page("/publier", 200).await;
    let hrefs = attrs(&chooser, "a.link-tile", "href");
    assert!(hrefs.contains(&"/publier?espace=actus".to_owned()));
    assert!(
        !hrefs.contains(&"/publier?espace=rh".to_owned()),
        "agents do not publish HR news"
    );
    let response = submit(
        &server,
        &agent,
        "/publier?espace=actus",
        &[
            ("titre", "Les serres municipales ouvrent leurs portes"),
            ("resume", "Visite des serres samedi."),
            ("texte", "Venez **nombreux** !"),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/mes-publications?envoye=1");
    let mine = server.page("/mes-publications", 200).await;
    assert!(text(&mine, "table.my-items").contains("En attente de validation"));
    let href = attrs(&mine, "table.my-items a", "href").remove(0);
    let own = server.page(&href, 200).await;
    assert_eq!(
        text(&own, ".status-banner"),
        "En attente de validation",
        "the author sees it with its status"
    );

    // Nobody else sees it yet.
    let rh = server.signed_in("rh", DEMO_PASSWORD).await;
    assert_eq!(
        rh.get(server.url(&href))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200,
        "managers see proposals"
    );
    let codir = server.signed_in("codir", DEMO_PASSWORD).await;
    assert_eq!(
        codir
            .get(server.url(&href))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let actus = html_of(codir.get(server.url("/actus")).send().await.unwrap()).await;
    assert!(!titles(&actus).contains(&"Les serres municipales ouvrent leurs portes".to_owned()));

    // The webmaster sees the count on every page and validates.
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let home = html_of(webmaster.get(server.url("/")).send().await.unwrap()).await;
    assert_eq!(text(&home, ".queue-count .badge"), "1");
    assert_eq!(
        codir
            .get(server.url("/moderation"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    let queue = html_of(
        webmaster
            .get(server.url("/moderation"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(text(&queue, ".moderation-card").contains("Les serres municipales"));
    let id = href.rsplit('/').next().unwrap();
    let token = csrf(&server, &webmaster).await;
    let done = webmaster
        .post(server.url(&format!("/moderation/{id}")))
        .form(&[("csrf", token.as_str()), ("decision", "valider")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 303);
    let actus = html_of(codir.get(server.url("/actus")).send().await.unwrap()).await;
    assert_eq!(
        titles(&actus)[0],
        "Les serres municipales ouvrent leurs portes"
    );
    let mine = server.page("/mes-publications", 200).await;
    assert!(text(&mine, "ul.notices").contains("a été validé et publié"));
    let flux = server.page("/flux", 200).await;
    assert_eq!(
        titles(&flux)[0],
        "Les serres municipales ouvrent leurs portes"
    );
    let admin = server.signed_in("dsi", DEMO_PASSWORD).await;
    let log = html_of(admin.get(server.url("/admin")).send().await.unwrap()).await;
    assert!(text(&log, "table.audit").contains("validation"));
}

#[tokio::test]
async fn a_rejection_needs_a_reason_that_the_author_sees() {
    let server = TestServer::demo_as("agent").await;
    submit(
        &server,
        &server.client,
        "/publier?espace=annonces",
        &[
            ("titre", "Vends vélo"),
            ("categorie", "vente"),
            ("prix", "50 €"),
            ("contact", "poste 1234"),
            ("texte", "Bon état."),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    let mine = server.page("/mes-publications", 200).await;
    let href = attrs(&mine, "table.my-items a", "href").remove(0);
    let id = href.rsplit('/').next().unwrap().to_owned();
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let token = csrf(&server, &webmaster).await;
    let empty = webmaster
        .post(server.url(&format!("/moderation/{id}")))
        .form(&[
            ("csrf", token.as_str()),
            ("decision", "refuser"),
            ("motif", " "),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status().as_u16(), 400);
    let refused = webmaster
        .post(server.url(&format!("/moderation/{id}")))
        .form(&[
            ("csrf", token.as_str()),
            ("decision", "refuser"),
            ("motif", "Merci d'ajouter une photo du vélo."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 303);
    let mine = server.page("/mes-publications", 200).await;
    assert!(text(&mine, "table.my-items").contains("Motif : Merci d'ajouter une photo du vélo."));
    assert!(text(&mine, "ul.notices").contains("n'a pas été retenu"));
    // The author edits it: it goes back to the queue.
    let edit = server.page(&format!("/modifier/{id}"), 200).await;
    assert_eq!(attrs(&edit, "#titre", "value"), ["Vends vélo"]);
    let again = submit(
        &server,
        &server.client,
        &format!("/modifier/{id}"),
        &[
            ("titre", "Vends vélo de ville"),
            ("categorie", "vente"),
            ("prix", "50 €"),
            ("contact", "poste 1234"),
            ("texte", "Bon état."),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(again.status().as_u16(), 303);
    let mine = server.page("/mes-publications", 200).await;
    assert!(text(&mine, "table.my-items").contains("En attente de validation"));
}

#[tokio::test]
async fn publishers_publish_directly_and_rights_are_enforced() {
    let server = TestServer::demo_as("codir").await;
    let response = submit(
        &server,
        &server.client,
        "/publier?espace=agenda",
        &[
            ("titre", "Réunion des encadrants"),
            ("debut", "2026-12-03T14:00"),
            ("fin", "2026-12-03T16:00"),
            ("lieu", "Salle Lys"),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/agenda/"), "{location}");
    let page = server.page(&location, 200).await;
    assert!(text(&page, "dl.facts").contains("jeudi 3 décembre 2026, 14 h – 16 h"));
    // A publisher may not publish HR news, nor edit what others wrote.
    assert_eq!(
        server.get("/publier?espace=rh").await.status().as_u16(),
        403
    );
    let forbidden = submit(
        &server,
        &server.client,
        "/publier?espace=rh",
        &[("titre", "x"), ("action", "enregistrer")],
        vec![],
    )
    .await;
    assert_eq!(forbidden.status().as_u16(), 403);
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    let edit = agent
        .get(server.url(&location.replace("/agenda/", "/modifier/")))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status().as_u16(), 403);
    let token = csrf(&server, &agent).await;
    let delete = agent
        .post(server.url(&location.replace("/agenda/", "/supprimer/")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status().as_u16(), 403);
    // The author deletes it; a deletion is a tombstone that readers never see.
    let token = csrf(&server, &server.client).await;
    let deleted = server
        .client
        .post(server.url(&location.replace("/agenda/", "/supprimer/")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 303);
    server.page(&location, 404).await;
}

#[tokio::test]
async fn a_refused_form_keeps_what_was_typed_and_uploaded() {
    let server = TestServer::demo_as("referent").await;
    let refused = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[
            ("titre", "Chantier de la rue des Tanneurs"),
            ("texte", "Le texte que j'ai mis longtemps à écrire."),
            ("photo_alt", "La rue en travaux"),
            ("action", "enregistrer"),
        ],
        vec![("photo", "rue.png", png(1600, 900), "image/png")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 422);
    let html = html_of(refused).await;
    assert!(
        text(&html, "#erreur-consentement, .form-error").contains("accord"),
        "the consent box is required"
    );
    assert_eq!(
        attrs(&html, "#titre", "value"),
        ["Chantier de la rue des Tanneurs"]
    );
    assert_eq!(
        text(&html, "#texte"),
        "Le texte que j'ai mis longtemps à écrire."
    );
    let kept = attrs(&html, "input[name=photo_gardee]", "value");
    assert_eq!(kept.len(), 1, "the upload is kept");
    assert!(!select(&html, ".media-kept img").is_empty() || kept[0].len() > 64);
    // Resubmitted without ticking the box: still refused, the photo still kept.
    let again = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[
            ("titre", "Chantier de la rue des Tanneurs"),
            ("texte", "Le texte."),
            ("photo_gardee", &kept[0]),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(again.status().as_u16(), 422, "no consent, no photo");
    // A token forged for another file (or tampered with) is ignored.
    let forged = kept[0].replacen(&kept[0][..8], "00000000", 1);
    let tampered = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[
            ("titre", "Photo d'un autre"),
            ("photo_gardee", &forged),
            ("consentement", "oui"),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(tampered.status().as_u16(), 303);
    let page = server
        .page(tampered.headers()["location"].to_str().unwrap(), 200)
        .await;
    assert!(
        select(&page, "figure.photo").is_empty(),
        "a forged token attaches nothing"
    );
    let other = server.signed_in("codir", DEMO_PASSWORD).await;
    let stolen = submit(
        &server,
        &other,
        "/publier?espace=actus",
        &[
            ("titre", "Photo volée"),
            ("photo_gardee", &kept[0]),
            ("consentement", "oui"),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    let page = html_of(
        other
            .get(server.url(stolen.headers()["location"].to_str().unwrap()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        select(&page, "figure.photo").is_empty(),
        "a token is good for its uploader only"
    );
    // Resubmitted with consent and without uploading again.
    let accepted = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[
            ("titre", "Chantier de la rue des Tanneurs"),
            ("texte", "Le texte."),
            ("photo_alt", "La rue en travaux"),
            ("consentement", "oui"),
            ("photo_gardee", &kept[0]),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(accepted.status().as_u16(), 303);
    let page = server
        .page(accepted.headers()["location"].to_str().unwrap(), 200)
        .await;
    let src = attrs(&page, "figure.photo img", "src").remove(0);
    assert_eq!(
        attrs(&page, "figure.photo img", "width"),
        ["1280"],
        "re-encoded and resized"
    );
    let photo = server.get(&src).await;
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
}

#[tokio::test]
async fn the_preview_renders_without_saving() {
    let server = TestServer::demo_as("agent").await;
    let preview = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[
            ("titre", "Aperçu"),
            ("texte", "## Intertitre\n\nDu **gras**."),
            ("action", "apercu"),
        ],
        vec![],
    )
    .await;
    assert_eq!(preview.status().as_u16(), 200);
    let html = html_of(preview).await;
    assert_eq!(text(&html, ".preview .prose h2"), "Intertitre");
    assert_eq!(text(&html, ".preview .prose strong"), "gras");
    let mine = server.page("/mes-publications", 200).await;
    assert!(
        !text(&mine, "table.my-items").contains("Aperçu"),
        "nothing saved"
    );
}

#[tokio::test]
async fn hostile_text_renders_inert() {
    let server = TestServer::demo_as("codir").await;
    let response = submit(&server, &server.client, "/publier?espace=actus", &[
        ("titre", "<script>alert('titre')</script>"),
        ("resume", "<img src=x onerror=alert(1)>"),
        ("texte", "<script>alert(1)</script>\n\n[clic](javascript:alert(1))\n\n<a href=\"javascript:alert(2)\">x</a> <svg onload=alert(3)></svg> <iframe src=\"https://evil.example\"></iframe>"),
        ("action", "enregistrer"),
    ], vec![]).await;
    assert_eq!(response.status().as_u16(), 303);
    let body = server
        .get(response.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    for bad in [
        "<script>alert",
        "onerror=",
        "javascript:",
        "<svg onload",
        "<iframe",
        "onload=",
    ] {
        assert!(!body.contains(bad), "{bad} reached the page");
    }
    assert!(
        body.contains("&lt;script&gt;alert('titre')&lt;/script&gt;")
            || body.contains("&lt;script&gt;alert(&#39;titre&#39;)")
    );
    // A link to a script URL is refused outright in the links editor.
    let admin = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let link = submit(
        &server,
        &admin,
        "/publier?espace=liens",
        &[
            ("titre", "Piège"),
            ("url", "javascript:alert(1)"),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(link.status().as_u16(), 422);
}

#[tokio::test]
async fn hostile_uploads_are_refused_with_a_french_message() {
    let server = TestServer::demo_as("codir").await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>".to_vec();
    let mut truncated = Vec::new();
    image::DynamicImage::new_rgb8(64, 64)
        .write_to(
            &mut std::io::Cursor::new(&mut truncated),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    truncated.truncate(truncated.len() / 2);
    for (file, bytes, mime, needle) in [
        ("image.svg", svg, "image/svg+xml", "pas une photo lisible"),
        (
            "bombe.png",
            png_header(20_000, 20_000),
            "image/png",
            "trop grande",
        ),
        (
            "coupee.jpg",
            truncated,
            "image/jpeg",
            "pas une photo lisible",
        ),
    ] {
        let response = submit(
            &server,
            &server.client,
            "/publier?espace=actus",
            &[
                ("titre", "Photo piégée"),
                ("consentement", "oui"),
                ("action", "enregistrer"),
            ],
            vec![("photo", file, bytes, mime)],
        )
        .await;
        assert_eq!(response.status().as_u16(), 422, "{file}");
        let html = html_of(response).await;
        assert!(
            text(&html, ".field-error .form-error").contains(needle),
            "{file}: {}",
            text(&html, ".field-error .form-error")
        );
        assert_eq!(
            attrs(&html, "#titre", "value"),
            ["Photo piégée"],
            "{file}: the title is kept"
        );
    }
    let not_pdf = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[("titre", "Doc"), ("action", "enregistrer")],
        vec![(
            "document",
            "x.pdf",
            b"MZ\x90\x00".to_vec(),
            "application/pdf",
        )],
    )
    .await;
    assert_eq!(not_pdf.status().as_u16(), 422);
    let pdf = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[("titre", "Note de service"), ("action", "enregistrer")],
        vec![(
            "document",
            "note.pdf",
            b"%PDF-1.4\n%fin\n".to_vec(),
            "application/pdf",
        )],
    )
    .await;
    assert_eq!(pdf.status().as_u16(), 303);
    let page = server
        .page(pdf.headers()["location"].to_str().unwrap(), 200)
        .await;
    assert_eq!(text(&page, "ul.documents a"), "note.pdf");
    // 100 MB: refused before it is read to the end, with a French page.
    let huge = vec![0u8; 100 * 1024 * 1024];
    let response = submit(
        &server,
        &server.client,
        "/publier?espace=actus",
        &[("titre", "Énorme")],
        vec![("photo", "enorme.jpg", huge, "image/jpeg")],
    )
    .await;
    assert!(
        matches!(response.status().as_u16(), 400 | 413),
        "{}",
        response.status()
    );
    let html = html_of(response).await;
    assert!(
        text(&html, "main").contains("trop volumineux"),
        "{}",
        text(&html, "main")
    );
}

#[tokio::test]
async fn cross_origin_and_tokenless_posts_are_refused() {
    let server = TestServer::demo_as("codir").await;
    let form = Form::new()
        .text("titre", "CSRF")
        .text("action", "enregistrer")
        .text("csrf", csrf(&server, &server.client).await);
    let cross = server
        .client
        .post(server.url("/publier?espace=actus"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);
    let no_token = server
        .client
        .post(server.url("/publier?espace=actus"))
        .multipart(
            Form::new()
                .text("titre", "CSRF")
                .text("action", "enregistrer"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 403);
    let get_only = server
        .client
        .get(server.url("/supprimer/01JZZZZZZZZZZZZZZZZZZZZZZZ"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        get_only.status().as_u16(),
        405,
        "state changes are POST only"
    );
}

#[tokio::test]
async fn photo_removal_requests_hide_at_once_and_webmasters_decide() {
    let server = TestServer::demo_as("agent").await;
    let home = server.page("/actus", 200).await;
    let with_photo = select(&home, "article.card.has-photo .card-title a")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let page = server.page(&with_photo, 200).await;
    let photo = attrs(&page, "figure.photo form input[name=photo]", "value").remove(0);
    let photo_url = attrs(&page, "figure.photo img", "src").remove(0);
    assert_eq!(server.get(&photo_url).await.status().as_u16(), 200);
    let token = csrf_of(&page);
    let asked = server
        .client
        .post(server.url(&with_photo.replace("/actus/", "/photo-retrait/")))
        .form(&[("csrf", token.as_str()), ("photo", photo.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status().as_u16(), 303);
    let hidden = server.page(&format!("{with_photo}?photo=1"), 200).await;
    assert!(select(&hidden, "figure.photo").is_empty(), "hidden at once");
    assert_eq!(
        server.get(&photo_url).await.status().as_u16(),
        404,
        "even at its direct address"
    );
    assert!(text(&hidden, "p.notice").contains("masquée"));

    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let queue = html_of(
        webmaster
            .get(server.url("/moderation"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(text(&queue, "ul.reports").contains("sans avoir donné son accord"));
    let id = with_photo.rsplit('/').next().unwrap();
    let token = csrf(&server, &webmaster).await;
    let removed = webmaster
        .post(server.url(&format!("/moderation/photo/{id}")))
        .form(&[
            ("csrf", token.as_str()),
            ("photo", photo.as_str()),
            ("decision", "retirer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status().as_u16(), 303);
    let queue = html_of(
        webmaster
            .get(server.url("/moderation"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        text(&queue, "#titre-signalements"),
        "Signalements et demandes de retrait de photo (0)"
    );
}

#[tokio::test]
async fn reports_reach_the_webmasters() {
    let server = TestServer::demo_as("agent").await;
    let actus = server.page("/actus", 200).await;
    let href = attrs(&actus, ".card-title a", "href").remove(0);
    let page = server.page(&href, 200).await;
    let token = csrf_of(&page);
    let empty = server
        .client
        .post(server.url(&href.replace("/actus/", "/signaler/")))
        .form(&[("csrf", token.as_str()), ("motif", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status().as_u16(), 400);
    let sent = server
        .client
        .post(server.url(&href.replace("/actus/", "/signaler/")))
        .form(&[
            ("csrf", token.as_str()),
            ("motif", "Une photo montre un enfant."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 303);
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let queue = html_of(
        webmaster
            .get(server.url("/moderation"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(text(&queue, "ul.reports").contains("Une photo montre un enfant."));
    let action = attrs(
        &queue,
        "ul.reports form[action^='/moderation/signalement/']",
        "action",
    )
    .remove(0);
    let token = csrf(&server, &webmaster).await;
    let deleted = webmaster
        .post(server.url(&action))
        .form(&[("csrf", token.as_str()), ("decision", "supprimer")])
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 303);
    server.page(&href, 404).await;
    let queue = html_of(
        webmaster
            .get(server.url("/moderation"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        !text(&queue, "ul.reports").contains("Une photo montre un enfant."),
        "deleting closes the report"
    );
}

#[tokio::test]
async fn annonces_are_renewed_by_their_author() {
    let server = TestServer::demo_as("agent").await;
    let mine = server.page("/annonces", 200).await;
    let hrefs = attrs(&mine, ".card-title a", "href");
    // Find one of the agent's own annonces.
    let mut own = None;
    for href in hrefs {
        let page = server.page(&href, 200).await;
        if !select(&page, "form[action^='/renouveler/']").is_empty() {
            own = Some((href, csrf_of(&page)));
            break;
        }
    }
    let (href, token) = own.expect("the agent has an annonce in the demo");
    let renewed = server
        .client
        .post(server.url(&href.replace("/annonces/", "/renouveler/")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status().as_u16(), 303);
    let page = server.page(&format!("{href}?renouvele=1"), 200).await;
    assert_eq!(
        text(&page, "p.notice"),
        "Votre annonce est prolongée de 30 jours."
    );
    assert!(
        text(&page, "dl.facts").contains("mardi 29 décembre 2026"),
        "{}",
        text(&page, "dl.facts")
    );
    // Their own: nothing for the audit log. A webmaster renewing it is in it.
    let store = server.state().content.store().clone();
    let audited = |store: &kiosque::store::Store| {
        store
            .audit_log(10)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "prolongation")
            .map(|e| e.actor.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(audited(&store).is_empty());
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    let page = html_of(webmaster.get(server.url(&href)).send().await.unwrap()).await;
    let renewed = webmaster
        .post(server.url(&href.replace("/annonces/", "/renouveler/")))
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status().as_u16(), 303);
    assert_eq!(audited(&store), ["webmestre"]);
}

#[tokio::test]
async fn union_editors_publish_in_their_space_only() {
    let server = TestServer::demo_as("syndicat").await;
    let response = submit(
        &server,
        &server.client,
        "/publier?espace=syndicats/cgt",
        &[
            ("titre", "Assemblée générale"),
            ("texte", "Ordre du jour."),
            ("action", "enregistrer"),
        ],
        vec![],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let page = server
        .page(response.headers()["location"].to_str().unwrap(), 200)
        .await;
    assert!(
        text(&page, "p.byline").contains("CGT des territoriaux"),
        "the union signs"
    );
    assert_eq!(
        server
            .get("/publier?espace=syndicats/cfdt")
            .await
            .status()
            .as_u16(),
        403
    );
    let webmaster = server.signed_in("webmestre", DEMO_PASSWORD).await;
    assert_eq!(
        webmaster
            .get(server.url("/publier?espace=syndicats/cgt"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
}

#[tokio::test]
async fn pages_and_links_are_edited_from_their_own_pages() {
    let server = TestServer::demo_as("webmestre").await;
    let page = server.page("/pages/conges", 200).await;
    let edit = attrs(&page, ".item-actions a", "href");
    assert!(edit.iter().any(|h| h.starts_with("/modifier/")), "{edit:?}");
    let form = server.page(&edit[0], 200).await;
    assert_eq!(attrs(&form, "#adresse", "value"), ["conges"]);
    let links = server.page("/liens", 200).await;
    assert!(
        attrs(&links, ".manage-links a", "href")
            .iter()
            .any(|h| h.starts_with("/modifier/"))
    );
    let agent = server.signed_in("agent", DEMO_PASSWORD).await;
    let as_agent = html_of(agent.get(server.url("/liens")).send().await.unwrap()).await;
    assert!(select(&as_agent, ".manage-links").is_empty());
    let page = html_of(agent.get(server.url("/pages/conges")).send().await.unwrap()).await;
    assert!(select(&page, ".item-actions").is_empty());
    // "Mes publications" offers to edit what may still be edited.
    submit(
        &server,
        &agent,
        "/publier?espace=actus",
        &[("titre", "À modifier"), ("action", "enregistrer")],
        vec![],
    )
    .await;
    let mine = html_of(
        agent
            .get(server.url("/mes-publications"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        attrs(&mine, "table.my-items a", "href")
            .iter()
            .any(|h| h.starts_with("/modifier/"))
    );
}
