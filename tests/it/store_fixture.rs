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
