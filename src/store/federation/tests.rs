//! Unit tests of the replica and the hub's edge records.
use super::*;
use crate::domain::item::tests::{actu, t};
use redb::ReadableTableMetadata;

use crate::store::test_store as store;

#[test]
fn a_batch_never_lets_an_older_version_win_and_is_idempotent() {
    let (_dir, edge) = store();
    let now = t("2026-11-29T10:00:00Z");
    let mut item = actu(now);
    item.version = 3;
    let newer = ReplicaBatch {
        entries: vec![Replica::Item(Box::new(item.clone()))],
        blobs: vec![],
        cursor: 10,
        ..ReplicaBatch::default()
    };
    assert_eq!(edge.apply_replicas(&newer, now).unwrap(), 1);
    assert_eq!(edge.apply_replicas(&newer, now).unwrap(), 0, "idempotent");
    let mut older = item.clone();
    older.version = 2;
    older.title = "Ancienne version".into();
    let stale = ReplicaBatch {
        entries: vec![Replica::Item(Box::new(older))],
        blobs: vec![],
        cursor: 11,
        ..ReplicaBatch::default()
    };
    assert_eq!(edge.apply_replicas(&stale, now).unwrap(), 0);
    assert_eq!(edge.get_item(item.id).unwrap().unwrap().title, item.title);
    assert_eq!(edge.replica_cursor().unwrap().0, 11);
}

#[test]
fn a_gone_entry_removes_the_item_and_keeps_it_from_coming_back() {
    let (_dir, edge) = store();
    let now = t("2026-11-29T10:00:00Z");
    let item = actu(now);
    let put = |entries, cursor| ReplicaBatch {
        entries,
        blobs: vec![],
        cursor,
        ..ReplicaBatch::default()
    };
    edge.apply_replicas(&put(vec![Replica::Item(Box::new(item.clone()))], 1), now)
        .unwrap();
    edge.apply_replicas(
        &put(
            vec![Replica::Gone {
                id: item.id,
                version: 2,
            }],
            2,
        ),
        now,
    )
    .unwrap();
    assert!(edge.get_item(item.id).unwrap().is_none());
    let listed = edge.list_space(&item.space, 0, 10, |_| true).unwrap().items;
    assert!(listed.is_empty(), "the indexes went with it");
    edge.apply_replicas(&put(vec![Replica::Item(Box::new(item.clone()))], 3), now)
        .unwrap();
    assert!(edge.get_item(item.id).unwrap().is_none(), "version 1 < 2");
}

#[test]
fn a_hidden_photo_stops_being_served_and_comes_back_when_restored() {
    let (_dir, edge) = store();
    let now = t("2026-11-29T10:00:00Z");
    let photo = BlobHash(*blake3::hash(b"photo").as_bytes());
    let mut item = actu(now);
    item.media = vec![crate::domain::Media {
        hash: photo,
        thumbnail: None,
        consent: true,
        hidden: false,
        alt: "Une photo".into(),
        width: 10,
        height: 10,
        name: String::new(),
    }];
    let apply = |item: &Item, cursor| {
        edge.apply_replicas(
            &ReplicaBatch {
                entries: vec![Replica::Item(Box::new(item.clone()))],
                blobs: vec![(photo, "image/jpeg".into(), b"photo".to_vec())],
                cursor,
                ..ReplicaBatch::default()
            },
            now,
        )
        .unwrap()
    };
    apply(&item, 1);
    assert!(edge.get_blob(photo).unwrap().is_some());
    item.version = 2;
    item.media[0].hidden = true;
    apply(&item, 2);
    assert!(edge.get_blob(photo).unwrap().is_none(), "hidden at once");
    item.version = 3;
    item.media[0].hidden = false;
    apply(&item, 3);
    assert!(edge.get_blob(photo).unwrap().is_some(), "restored");
    item.version = 4;
    item.media.clear();
    apply(&item, 4);
    assert!(edge.get_blob(photo).unwrap().is_none(), "removed for good");
}

#[test]
fn the_hub_sends_readable_items_and_tombstones_only() {
    let (_dir, hub) = store();
    let now = t("2026-11-29T10:00:00Z");
    let published = actu(now);
    let mut pending = actu(now);
    pending.id = ItemId::new(now, 99);
    pending.status = Status::Pending;
    hub.put_items(&[published.clone(), pending.clone()])
        .unwrap();
    let (entries, reached) = hub.replicas_since(0, 100).unwrap();
    assert_eq!(reached, 2);
    assert!(entries.contains(&Replica::Item(Box::new(published))));
    assert!(entries.contains(&Replica::Gone {
        id: pending.id,
        version: pending.version
    }));
    assert!(hub.replicas_since(2, 100).unwrap().0.is_empty());
}

#[test]
fn union_subscriptions_never_reach_an_edge() {
    let (_hub_dir, hub) = store();
    let (_edge_dir, edge) = store();
    let now = t("2026-11-29T10:00:00Z");
    let cgt = crate::domain::UnionSlug::parse("cgt").unwrap();
    hub.put_items(&[actu(now)]).unwrap();
    hub.set_subscription(&cgt, &Login::new("abonne-secret"), true, now)
        .unwrap();
    let (entries, reached) = hub.replicas_since(0, 100).unwrap();
    assert!(
        entries.iter().all(|e| matches!(e, Replica::Item(_))),
        "only items go out"
    );
    let wire = codec::encode(&entries);
    assert!(
        !wire
            .windows(b"abonne-secret".len())
            .any(|w| w == b"abonne-secret"),
        "no subscriber's login in what the hub sends"
    );
    edge.apply_replicas(
        &ReplicaBatch {
            entries,
            blobs: vec![],
            cursor: reached,
            ..ReplicaBatch::default()
        },
        now,
    )
    .unwrap();
    assert!(edge.subscribers(&cgt).unwrap().is_empty());
    let tx = edge.db.begin_read().unwrap();
    let rows = tx.open_table(UNION_SUBSCRIPTIONS).unwrap();
    assert_eq!(
        rows.len().unwrap(),
        0,
        "the edge's replica has no subscription rows"
    );
}
