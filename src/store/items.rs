//! Items, their indexes, blobs, users and the change log.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::tables::*;
use super::{Result, Store, StoreError, codec};
use crate::domain::{BlobHash, Details, Item, ItemId, Login, Space, User};

/// One entry of the change log: item `id` reached `version` at `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    pub id: ItemId,
    pub version: u64,
    pub at: Timestamp,
}

/// One page of a space's list, newest first.
#[derive(Clone, Debug, Default)]
pub struct SpacePage {
    pub items: Vec<Item>,
    pub has_more: bool,
}

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

impl Store {
    /// Writes items (new or updated), their indexes and one change each, in a
    /// single transaction: all of them are stored or none.
    pub fn put_items(&self, items: &[Item]) -> Result<u64> {
        let tx = self.db.begin_write()?;
        let mut seq = 0;
        for item in items {
            item.check()
                .map_err(|e| StoreError::Invalid(format!("{}: {e}", item.title)))?;
            seq = put_one(&tx, item)?;
        }
        tx.commit()?;
        self.committed(seq);
        Ok(seq)
    }

    pub fn get_item(&self, id: ItemId) -> Result<Option<Item>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(ITEMS)?;
        let value = table.get(id.to_u128())?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Items of `space` newest first, keeping those `keep` accepts, skipping
    /// `offset` of them and returning at most `limit`.
    pub fn list_space(
        &self,
        space: &Space,
        offset: usize,
        limit: usize,
        keep: impl Fn(&Item) -> bool,
    ) -> Result<SpacePage> {
        let tx = self.db.begin_read()?;
        let index = tx.open_table(ITEMS_BY_SPACE)?;
        let items = tx.open_table(ITEMS)?;
        let key = space.key();
        let range =
            index.range((key.as_str(), i64::MIN, 0)..=(key.as_str(), i64::MAX, u128::MAX))?;
        let mut page = SpacePage::default();
        let mut skipped = 0;
        for entry in range.rev() {
            let entry = entry?;
            let (_, _, id) = entry.0.value();
            let Some(value) = items.get(id)? else {
                continue;
            };
            let item: Item = codec::decode(value.value())?;
            if !keep(&item) {
                continue;
            }
            if skipped < offset {
                skipped += 1;
                continue;
            }
            if page.items.len() == limit {
                page.has_more = true;
                break;
            }
            page.items.push(item);
        }
        Ok(page)
    }

    /// Events starting in `[from, to)`, earliest first, keeping those `keep` accepts.
    pub fn events_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
        keep: impl Fn(&Item) -> bool,
    ) -> Result<Vec<Item>> {
        let tx = self.db.begin_read()?;
        let index = tx.open_table(EVENTS_BY_START)?;
        let items = tx.open_table(ITEMS)?;
        let mut out = Vec::new();
        for entry in index.range((micros(from), 0)..(micros(to), 0))? {
            let (_, id) = entry?.0.value();
            let Some(value) = items.get(id)? else {
                continue;
            };
            let item: Item = codec::decode(value.value())?;
            if keep(&item) {
                out.push(item);
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    pub fn page_by_slug(&self, slug: &str) -> Result<Option<Item>> {
        let tx = self.db.begin_read()?;
        let index = tx.open_table(PAGES_BY_SLUG)?;
        let Some(id) = index.get(slug)?.map(|v| v.value()) else {
            return Ok(None);
        };
        let items = tx.open_table(ITEMS)?;
        let value = items.get(id)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Items in id order after `after` (from the first when None), at most
    /// `limit`: full scans in bounded transactions (the search index build).
    pub fn items_after(&self, after: Option<ItemId>, limit: usize) -> Result<Vec<Item>> {
        let tx = self.db.begin_read()?;
        let items = tx.open_table(ITEMS)?;
        let mut out = Vec::with_capacity(limit.min(1_024));
        let range = match after {
            Some(id) if id.to_u128() == u128::MAX => return Ok(out),
            Some(id) => items.range(id.to_u128() + 1..)?,
            None => items.range(0..)?,
        };
        for entry in range.take(limit) {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn item_count(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(ITEMS)?.len()?)
    }

    /// The last sequence number of the change log (0 when empty).
    pub fn latest_seq(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        let changes = tx.open_table(CHANGES)?;
        Ok(changes.last()?.map(|(k, _)| k.value()).unwrap_or(0))
    }

    /// Changes after `since`, oldest first, at most `limit`.
    pub fn changes_since(&self, since: u64, limit: usize) -> Result<Vec<Change>> {
        let tx = self.db.begin_read()?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::new();
        for entry in changes.range(since.saturating_add(1)..)?.take(limit) {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    /// Stores a blob under its BLAKE3 hash (idempotent) and returns the hash.
    pub fn put_blob(&self, bytes: &[u8], media_type: &str) -> Result<BlobHash> {
        let hash = BlobHash(*blake3::hash(bytes).as_bytes());
        let tx = self.db.begin_write()?;
        {
            let mut blobs = tx.open_table(BLOBS)?;
            if blobs.get(hash.0)?.is_none() {
                blobs.insert(hash.0, bytes)?;
                tx.open_table(BLOB_TYPES)?.insert(hash.0, media_type)?;
            }
        }
        tx.commit()?;
        Ok(hash)
    }

    /// Stops (or resumes) serving blobs, e.g. a photo hidden for image rights.
    pub fn block_blobs(&self, hashes: &[BlobHash], blocked: bool) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(BLOCKED_BLOBS)?;
            for hash in hashes {
                if blocked {
                    table.insert(hash.0, ())?;
                } else {
                    table.remove(hash.0)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A blob's bytes and media type; a blocked blob is not found.
    pub fn get_blob(&self, hash: BlobHash) -> Result<Option<(Vec<u8>, String)>> {
        let tx = self.db.begin_read()?;
        if tx.open_table(BLOCKED_BLOBS)?.get(hash.0)?.is_some() {
            return Ok(None);
        }
        let blobs = tx.open_table(BLOBS)?;
        let Some(bytes) = blobs.get(hash.0)? else {
            return Ok(None);
        };
        let types = tx.open_table(BLOB_TYPES)?;
        let media_type = types
            .get(hash.0)?
            .map(|t| t.value().to_owned())
            .unwrap_or_else(|| "application/octet-stream".into());
        Ok(Some((bytes.value().to_vec(), media_type)))
    }

    pub fn put_users(&self, users: &[User]) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(USERS)?;
            for user in users {
                table.insert(user.login.as_str(), codec::encode(user).as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn get_user(&self, login: &Login) -> Result<Option<User>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(USERS)?;
        let value = table.get(login.as_str())?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    pub fn user_count(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(USERS)?.len()?)
    }
}

/// Writes one item with its indexes and change-log entry inside `tx`.
pub(super) fn put_one(tx: &WriteTransaction, item: &Item) -> Result<u64> {
    let id = item.id.to_u128();
    let mut items = tx.open_table(ITEMS)?;
    let old: Option<Item> = items
        .get(id)?
        .map(|v| codec::decode(v.value()))
        .transpose()?;
    if let Some(old) = &old {
        unindex(tx, old)?;
    }
    let mut slugs = tx.open_table(PAGES_BY_SLUG)?;
    if let Details::Page { slug, .. } = &item.details
        && slugs
            .get(slug.as_str())?
            .is_some_and(|other| other.value() != id)
    {
        return Err(StoreError::SlugTaken(slug.clone()));
    }

    items.insert(id, codec::encode(item).as_slice())?;
    tx.open_table(ITEMS_BY_SPACE)?.insert(
        (item.space.key().as_str(), micros(item.sort_time()), id),
        (),
    )?;
    tx.open_table(ITEMS_BY_AUTHOR)?
        .insert((item.author.as_str(), id), ())?;
    tx.open_table(ITEMS_BY_STATUS)?
        .insert((item.status.key(), id), ())?;
    if let Details::Event(event) = &item.details {
        tx.open_table(EVENTS_BY_START)?
            .insert((micros(event.start), id), ())?;
    }
    if let Details::Page { slug, .. } = &item.details {
        slugs.insert(slug.as_str(), id)?;
    }
    if item.acknowledgement.is_some() {
        tx.open_table(ITEMS_TO_ACKNOWLEDGE)?.insert(id, ())?;
    }
    append_change(tx, item.id, item.version, item.updated)
}

/// Removes an item and its index entries inside `tx` (a replica the hub no
/// longer lets agents read); returns what was there. Logs a change.
pub(super) fn remove_one(
    tx: &WriteTransaction,
    id: ItemId,
    version: u64,
    at: Timestamp,
) -> Result<Option<Item>> {
    let old: Option<Item> = tx
        .open_table(ITEMS)?
        .remove(id.to_u128())?
        .map(|v| codec::decode(v.value()))
        .transpose()?;
    if let Some(old) = &old {
        unindex(tx, old)?;
    }
    append_change(tx, id, version, at)?;
    Ok(old)
}

/// Drops the index entries of an item's stored version.
fn unindex(tx: &WriteTransaction, old: &Item) -> Result<()> {
    let id = old.id.to_u128();
    tx.open_table(ITEMS_BY_SPACE)?.remove((
        old.space.key().as_str(),
        micros(old.sort_time()),
        id,
    ))?;
    tx.open_table(ITEMS_BY_AUTHOR)?
        .remove((old.author.as_str(), id))?;
    tx.open_table(ITEMS_BY_STATUS)?
        .remove((old.status.key(), id))?;
    if let Details::Event(event) = &old.details {
        tx.open_table(EVENTS_BY_START)?
            .remove((micros(event.start), id))?;
    }
    if let Details::Page { slug, .. } = &old.details {
        tx.open_table(PAGES_BY_SLUG)?.remove(slug.as_str())?;
    }
    if old.acknowledgement.is_some() {
        tx.open_table(ITEMS_TO_ACKNOWLEDGE)?.remove(id)?;
    }
    Ok(())
}

/// Appends one entry to the change log inside `tx`; returns its seq.
fn append_change(tx: &WriteTransaction, id: ItemId, version: u64, at: Timestamp) -> Result<u64> {
    let mut changes = tx.open_table(CHANGES)?;
    let seq = changes.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
    let change = Change {
        seq,
        id,
        version,
        at,
    };
    changes.insert(seq, codec::encode(&change).as_slice())?;
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::item::tests::{actu, t};
    use crate::domain::{EventDetails, Status};

    use crate::store::test_store as store;

    #[test]
    fn every_write_appends_to_the_change_log() {
        let (_dir, store) = store();
        let now = t("2026-11-29T10:00:00Z");
        let mut item = actu(now);
        assert_eq!(store.put_items(std::slice::from_ref(&item)).unwrap(), 1);
        item.version = 2;
        item.title = "Le parc rouvre samedi".into();
        assert_eq!(store.put_items(std::slice::from_ref(&item)).unwrap(), 2);
        let changes = store.changes_since(0, 10).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[1].version, 2);
        assert_eq!(store.changes_since(1, 10).unwrap().len(), 1);
        assert_eq!(store.get_item(item.id).unwrap().unwrap().title, item.title);
    }

    #[test]
    fn an_update_moves_the_indexes() {
        let (_dir, store) = store();
        let now = t("2026-11-29T10:00:00Z");
        let mut item = actu(now);
        store.put_items(std::slice::from_ref(&item)).unwrap();
        item.space = Space::Rh;
        item.version = 2;
        store.put_items(std::slice::from_ref(&item)).unwrap();
        let all = |_: &Item| true;
        assert!(
            store
                .list_space(&Space::Actus, 0, 10, all)
                .unwrap()
                .items
                .is_empty()
        );
        assert_eq!(
            store
                .list_space(&Space::Rh, 0, 10, all)
                .unwrap()
                .items
                .len(),
            1
        );
    }

    #[test]
    fn lists_are_newest_first_and_paginated() {
        let (_dir, store) = store();
        let base = t("2026-11-01T10:00:00Z");
        let items: Vec<Item> = (0..5)
            .map(|i| {
                let at = base + jiff::SignedDuration::from_hours(i);
                let mut item = actu(at);
                item.id = ItemId::new(at, i as u128);
                item.title = format!("actu {i}");
                item
            })
            .collect();
        store.put_items(&items).unwrap();
        let first = store.list_space(&Space::Actus, 0, 2, |_| true).unwrap();
        assert_eq!(first.items[0].title, "actu 4");
        assert!(first.has_more);
        let last = store.list_space(&Space::Actus, 4, 2, |_| true).unwrap();
        assert_eq!(last.items.len(), 1);
        assert!(!last.has_more);
        let published = store
            .list_space(&Space::Actus, 0, 10, |i| i.status == Status::Published)
            .unwrap();
        assert_eq!(published.items.len(), 5);
    }

    #[test]
    fn events_are_found_by_start() {
        let (_dir, store) = store();
        let now = t("2026-11-29T10:00:00Z");
        let mut event = actu(now);
        event.space = Space::Agenda;
        event.details = Details::Event(EventDetails {
            start: t("2026-12-02T09:00:00Z"),
            end: t("2026-12-02T10:00:00Z"),
            all_day: false,
            place: "Salle du conseil".into(),
        });
        store.put_items(&[event]).unwrap();
        let week = store
            .events_between(
                t("2026-12-01T00:00:00Z"),
                t("2026-12-08T00:00:00Z"),
                50,
                |_| true,
            )
            .unwrap();
        assert_eq!(week.len(), 1);
        let before = store
            .events_between(
                t("2026-11-01T00:00:00Z"),
                t("2026-12-02T09:00:00Z"),
                50,
                |_| true,
            )
            .unwrap();
        assert!(before.is_empty(), "the end bound is exclusive");
    }

    #[test]
    fn blobs_are_content_addressed() {
        let (_dir, store) = store();
        let a = store.put_blob(b"photo", "image/jpeg").unwrap();
        let b = store.put_blob(b"photo", "image/jpeg").unwrap();
        assert_eq!(a, b);
        let (bytes, media_type) = store.get_blob(a).unwrap().unwrap();
        assert_eq!(bytes, b"photo");
        assert_eq!(media_type, "image/jpeg");
    }

    #[test]
    fn page_slugs_are_unique() {
        let (_dir, store) = store();
        let now = t("2026-11-29T10:00:00Z");
        let page = |random: u128| {
            let mut item = actu(now);
            item.id = ItemId::new(now, random);
            item.space = Space::Pages;
            item.details = Details::Page {
                slug: "conges".into(),
                parent: None,
                order: 0,
            };
            item
        };
        store.put_items(&[page(1)]).unwrap();
        assert!(matches!(
            store.put_items(&[page(2)]),
            Err(StoreError::SlugTaken(_))
        ));
        assert_eq!(
            store.latest_seq().unwrap(),
            1,
            "the failed write left no change"
        );
        assert!(store.page_by_slug("conges").unwrap().is_some());
    }
}
