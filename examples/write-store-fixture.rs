//! Writes `tests/fixtures/store-v1.redb`, the store the tests open to prove that
//! later releases still read what this one wrote. Run it once per schema
//! version, by hand: `cargo run --example write-store-fixture`, then commit the file.

use kiosque::store::Store;
use std::path::PathBuf;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1.redb")
}

fn main() {
    use kiosque::domain::*;
    let at: jiff::Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
    let _ = std::fs::remove_file(fixture());
    let store = Store::open(&fixture()).unwrap();
    let hash = store.put_blob(b"fixture-photo", "image/jpeg").unwrap();
    let base = |n: u128, space: Space, title: &str, details: Details| Item {
        id: ItemId::new(at, n),
        space,
        title: title.into(),
        summary: "Résumé".into(),
        body: "Texte **Markdown**.".into(),
        author: Login::new("fixture"),
        author_name: "Anne-Marie N'Diaye".into(),
        status: Status::Published,
        created: at,
        updated: at,
        publish_at: None,
        expires_at: None,
        version: 1,
        media: vec![],
        signage: true,
        details,
        acknowledgement: None,
    };
    let mut actu = base(1, Space::Actus, "Fixture : le parc rouvre", Details::Actu);
    actu.media.push(Media {
        hash,
        thumbnail: Some(hash),
        consent: true,
        hidden: false,
        alt: "Le parc".into(),
        width: 10,
        height: 10,
        name: String::new(),
    });
    let event = base(
        2,
        Space::Agenda,
        "Fixture : conseil",
        Details::Event(EventDetails {
            start: at,
            end: at,
            all_day: false,
            place: "Mairie".into(),
        }),
    );
    let page = base(
        3,
        Space::Pages,
        "Fixture : page",
        Details::Page {
            slug: "fixture-page".into(),
            parent: None,
            order: 1,
        },
    );
    store.put_items(&[actu, event, page]).unwrap();
    store
        .put_users(&[User {
            login: Login::new("fixture"),
            given_name: "Anne-Marie".into(),
            surname: "N'Diaye".into(),
            mail: "am.ndiaye@example.fr".into(),
            service: "Restauration scolaire".into(),
            direction: "Pôle Éducation".into(),
            function: "Cuisinière".into(),
            phone: "02 99 00 00 00".into(),
            roles: vec![Role::Publisher],
            disabled: false,
            photo: None,
            manager: None,
        }])
        .unwrap();
}
