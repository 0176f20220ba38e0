//! Unit tests of the outbox and its index by agent.
use super::*;
use crate::domain::item::tests::t;

use crate::store::test_store as store;

#[test]
fn an_outbox_entry_leaves_with_its_delivery() {
    let (_dir, edge) = store();
    let now = t("2026-11-29T10:00:00Z");
    let entry = OutboxEntry {
        key: 7,
        login: Login::new("agent"),
        created: now,
        label: "Vends vélo".into(),
        payload: vec![1, 2, 3],
        attempts: 0,
        last_error: None,
        discreet: false,
    };
    edge.push_outbox(&entry).unwrap();
    assert_eq!(edge.outbox_len().unwrap(), 1);
    let delivery = Delivery {
        key: 7,
        label: entry.label.clone(),
        created: now,
        delivered: now,
        refused: None,
        item: None,
        pending: false,
    };
    edge.outbox_delivered(&entry, &delivery).unwrap();
    assert_eq!(edge.outbox_len().unwrap(), 0);
    let (queued, answered) = edge.sent_by(&Login::new("agent"), 10).unwrap();
    assert!(queued.is_empty());
    assert_eq!(answered, vec![delivery.clone()]);

    // A discreet write (a union-list subscription) leaves nothing behind.
    let discreet = OutboxEntry {
        key: 8,
        discreet: true,
        ..entry
    };
    edge.push_outbox(&discreet).unwrap();
    assert!(edge.sent_by(&Login::new("agent"), 10).unwrap().0.is_empty());
    // The edge itself still sees it (a relayed sign-in re-applies it).
    assert_eq!(
        edge.outbox_of(&Login::new("agent")).unwrap().len(),
        1,
        "queued discreet writes count for the edge"
    );
    assert!(edge.outbox_of(&Login::new("autre")).unwrap().is_empty());
    edge.outbox_delivered(&discreet, &Delivery { key: 8, ..delivery })
        .unwrap();
    assert_eq!(edge.outbox_len().unwrap(), 0);
    assert_eq!(edge.sent_by(&Login::new("agent"), 10).unwrap().1.len(), 1);
}

#[test]
fn each_agents_queued_writes_come_through_the_index_made_anew_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.redb");
    let entry = |key: u128, login: &str| OutboxEntry {
        key,
        login: Login::new(login),
        created: t("2026-11-29T10:00:00Z"),
        label: format!("écrit par {login}"),
        payload: vec![0; 64],
        attempts: 0,
        last_error: None,
        discreet: false,
    };
    {
        let edge = Store::open(&path).unwrap();
        for (key, login) in [(3, "agent"), (1, "rh"), (2, "agent")] {
            edge.push_outbox(&entry(key, login)).unwrap();
        }
        let keys = |login: &str| -> Vec<u128> {
            let queued = edge.outbox_of(&Login::new(login)).unwrap();
            queued.iter().map(|e| e.key).collect()
        };
        assert_eq!(keys("agent"), [2, 3], "theirs, oldest first");
        assert_eq!(keys("rh"), [1]);
        // A write queued by a release without the index.
        let tx = edge.db.begin_write().unwrap();
        tx.open_table(OUTBOX)
            .unwrap()
            .insert(4, codec::encode(&entry(4, "agent")).as_slice())
            .unwrap();
        tx.commit().unwrap();
        assert_eq!(keys("agent"), [2, 3], "not in the index yet");
    }
    let edge = Store::open(&path).unwrap();
    let queued = edge.outbox_of(&Login::new("agent")).unwrap();
    let keys: Vec<u128> = queued.iter().map(|e| e.key).collect();
    assert_eq!(keys, [2, 3, 4], "indexed at open");
    assert_eq!(edge.sent_by(&Login::new("agent"), 10).unwrap().0.len(), 3);
}
