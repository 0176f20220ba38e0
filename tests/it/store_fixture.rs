//! A store written by release 0.1 (schema 1) is committed under
//! `tests/fixtures/`; every later release must still open and read it.

use kiosque::domain::{Details, Login, Space};
use kiosque::store::Store;
use std::path::PathBuf;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1.redb")
}

#[test]
fn the_committed_schema_1_store_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("kiosque.redb");
    std::fs::copy(fixture(), &copy).expect("tests/fixtures/store-v1.redb is committed");
    let store = Store::open(&copy).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        kiosque::store::SCHEMA_VERSION
    );
    let actus = store
        .list_space(&Space::Actus, 0, 10, |_| true)
        .unwrap()
        .items;
    assert_eq!(actus.len(), 1);
    assert_eq!(actus[0].title, "Fixture : le parc rouvre");
    assert!(!actus[0].media.is_empty());
    let (bytes, media_type) = store.get_blob(actus[0].media[0].hash).unwrap().unwrap();
    assert_eq!(
        (bytes.as_slice(), media_type.as_str()),
        (&b"fixture-photo"[..], "image/jpeg")
    );
    let events = store
        .list_space(&Space::Agenda, 0, 10, |_| true)
        .unwrap()
        .items;
    assert!(matches!(events[0].details, Details::Event(_)));
    assert!(store.page_by_slug("fixture-page").unwrap().is_some());
    let user = store.get_user(&Login::new("fixture")).unwrap().unwrap();
    assert_eq!(user.display_name(), "Anne-Marie N'Diaye");
    assert_eq!(store.latest_seq().unwrap(), 3);
}

/// Writes the fixture. Run once per schema version, by hand:
/// `cargo test --test it write_store_fixture -- --ignored`, then commit the file.
#[test]
#[ignore = "writes tests/fixtures/store-v1.redb; run by hand when the schema changes"]
fn write_store_fixture() {
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
