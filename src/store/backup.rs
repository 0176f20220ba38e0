//! Online backup: one read transaction is a consistent snapshot of the whole
//! store; every table of it is copied, entry by entry, into a new redb file
//! while the server keeps writing. Blobs live in the `BLOBS` table, so they are
//! in the copy too. Restore support: a new epoch for a restored store.
//!
//! Invariant: every table of the store is copied. [`TABLES`] lists them; a
//! table found in the store but missing here fails the backup (and the test
//! `every_table_is_in_the_backup`), it is never silently left out.

use redb::{
    Database, Durability, Key, MultimapTableHandle, ReadTransaction, ReadableDatabase,
    ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle, Value,
};
use std::path::Path;

use super::{Result, Store, StoreError, tables};
use crate::domain::{BlobHash, ItemId};

/// Entries written per destination transaction: bounded memory for big stores.
const BATCH: u64 = 2_000;

/// Something done with every table of the store.
trait EachTable {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<K, V>,
    ) -> Result<()>;
}

/// Visits every table of `tables.rs`. Add new tables here.
fn each_table(visitor: &mut impl EachTable) -> Result<()> {
    use tables::*;
    visitor.table(META)?;
    visitor.table(ITEMS)?;
    visitor.table(ITEMS_BY_SPACE)?;
    visitor.table(ITEMS_BY_AUTHOR)?;
    visitor.table(ITEMS_BY_STATUS)?;
    visitor.table(EVENTS_BY_START)?;
    visitor.table(PAGES_BY_SLUG)?;
    visitor.table(CHANGES)?;
    visitor.table(SHARED_LOG)?;
    visitor.table(BLOBS)?;
    visitor.table(BLOB_TYPES)?;
    visitor.table(USERS)?;
    visitor.table(SESSIONS)?;
    visitor.table(SESSIONS_BY_LOGIN)?;
    visitor.table(CREDENTIALS)?;
    visitor.table(CHARTERS)?;
    visitor.table(CHARTER_ACCEPTANCES)?;
    visitor.table(AUDIT)?;
    visitor.table(NOTICES)?;
    visitor.table(REPORTS)?;
    visitor.table(BLOCKED_BLOBS)?;
    visitor.table(HANDOFFS)?;
    visitor.table(EDGES)?;
    visitor.table(EDGE_INVITES)?;
    visitor.table(RECEIVED)?;
    visitor.table(OUTBOX)?;
    visitor.table(OUTBOX_BY_LOGIN)?;
    visitor.table(DELIVERIES)?;
    visitor.table(GRANTS)?;
    visitor.table(GONE)?;
    visitor.table(UNION_SUBSCRIPTIONS)?;
    visitor.table(UNION_MESSAGES)?;
    visitor.table(MAIL_PENDING)?;
    visitor.table(MAIL_DONE)?;
    visitor.table(FEED_TOKENS)?;
    visitor.table(FEED_TOKEN_OF_LOGIN)?;
    visitor.table(ITEMS_TO_ACKNOWLEDGE)?;
    visitor.table(ACKNOWLEDGEMENTS)?;
    visitor.table(SURVEYS)?;
    visitor.table(SURVEY_ANSWERS)?;
    visitor.table(SURVEY_RESPONDENTS)?;
    visitor.table(FAVOURITES)?;
    visitor.table(JOB_PROFILES)?;
    visitor.table(COMMENTS_OPEN)?;
    visitor.table(COMMENTS)?;
    visitor.table(DISCUSSIONS)?;
    visitor.table(DISCUSSION_POSTS)?;
    visitor.table(DISCUSSION_FOLLOWERS)?;
    Ok(())
}

/// The names of the tables [`each_table`] visits.
pub fn table_names() -> Vec<String> {
    struct Names(Vec<String>);
    impl EachTable for Names {
        fn table<K: Key + 'static, V: Value + 'static>(
            &mut self,
            definition: TableDefinition<K, V>,
        ) -> Result<()> {
            self.0.push(definition.name().to_owned());
            Ok(())
        }
    }
    let mut names = Names(Vec::new());
    let _ = each_table(&mut names);
    names.0
}

/// How far a backup is: entries copied out of the snapshot's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// What a finished backup holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    pub tables: usize,
    pub entries: u64,
    pub items: u64,
    pub blobs: u64,
    /// The change log's last sequence number in the snapshot.
    pub seq: u64,
}

struct Count<'t> {
    source: &'t ReadTransaction,
    total: u64,
}

impl EachTable for Count<'_> {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<K, V>,
    ) -> Result<()> {
        self.total += self.source.open_table(definition)?.len()?;
        Ok(())
    }
}

struct Copy<'t, 'p> {
    source: &'t ReadTransaction,
    destination: &'t Database,
    done: u64,
    total: u64,
    tables: usize,
    progress: &'p mut dyn FnMut(Progress),
}

impl EachTable for Copy<'_, '_> {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<K, V>,
    ) -> Result<()> {
        let from = self.source.open_table(definition)?;
        let mut entries = from.iter()?;
        loop {
            let mut tx = self.destination.begin_write()?;
            // Durable once, at the end (see `backup_to`).
            tx.set_durability(Durability::None)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut written = 0;
            let mut finished = false;
            {
                let mut to = tx.open_table(definition)?;
                while written < BATCH {
                    match entries.next() {
                        Some(entry) => {
                            let (key, value) = entry?;
                            to.insert(key.value(), value.value())?;
                            written += 1;
                        }
                        None => {
                            finished = true;
                            break;
                        }
                    }
                }
            }
            tx.commit()?;
            self.done += written;
            (self.progress)(Progress {
                done: self.done,
                total: self.total,
            });
            if finished {
                break;
            }
        }
        self.tables += 1;
        Ok(())
    }
}

impl Store {
    /// Copies a consistent snapshot of the whole store into a new redb file at
    /// `destination` (which must not exist), reporting progress as it goes.
    /// Writers are not held up: the snapshot is a read transaction.
    pub fn backup_to(
        &self,
        destination: &Path,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BackupSummary> {
        if destination.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists; a backup never overwrites a file",
                destination.display()
            )));
        }
        let source = self.db.begin_read()?;
        let known = table_names();
        let unknown: Vec<String> = source
            .list_tables()?
            .map(|t| t.name().to_owned())
            .chain(source.list_multimap_tables()?.map(|t| t.name().to_owned()))
            .filter(|name| !known.contains(name))
            .collect();
        if !unknown.is_empty() {
            return Err(StoreError::Invalid(format!(
                "tables unknown to the backup: {unknown:?} (add them to store::backup::each_table)"
            )));
        }
        let mut count = Count {
            source: &source,
            total: 0,
        };
        each_table(&mut count)?;
        let destination_db = Database::create(destination)?;
        let mut copy = Copy {
            source: &source,
            destination: &destination_db,
            done: 0,
            total: count.total,
            tables: 0,
            progress,
        };
        each_table(&mut copy)?;
        let (tables, entries) = (copy.tables, copy.done);
        // One durable commit makes every batch above durable.
        let tx = destination_db.begin_write()?;
        tx.commit()?;
        let items = source.open_table(tables::ITEMS)?.len()?;
        let blobs = source.open_table(tables::BLOBS)?.len()?;
        let seq = source
            .open_table(tables::CHANGES)?
            .last()?
            .map(|(k, _)| k.value())
            .unwrap_or(0);
        Ok(BackupSummary {
            tables,
            entries,
            items,
            blobs,
            seq,
        })
    }

    /// Gives the store a new epoch: after a restore, edges see a new history
    /// and resynchronise from scratch instead of trusting their cursor.
    pub fn renew_epoch(&self) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut meta = tx.open_table(tables::META)?;
            let epoch: [u8; 16] = rand::random();
            meta.insert("epoch", &epoch[..])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every item id, in order (backup checks, maintenance).
    pub fn all_item_ids(&self) -> Result<Vec<ItemId>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(tables::ITEMS)?;
        table
            .iter()?
            .map(|e| Ok(ItemId::from_u128(e?.0.value())))
            .collect()
    }

    /// Every blob hash, in order (backup checks, maintenance).
    pub fn all_blob_hashes(&self) -> Result<Vec<BlobHash>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(tables::BLOBS)?;
        table.iter()?.map(|e| Ok(BlobHash(e?.0.value()))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_in_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let tx = store.db.begin_read().unwrap();
        let mut present: Vec<String> = tx
            .list_tables()
            .unwrap()
            .map(|t| t.name().to_owned())
            .collect();
        present.sort();
        let mut known = table_names();
        known.sort();
        assert_eq!(
            present, known,
            "store::backup::each_table lists every table"
        );
    }

    #[test]
    fn a_backup_is_a_copy_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let now = "2026-11-29T10:00:00Z".parse().unwrap();
        let hash = store.put_blob(b"photo", "image/jpeg").unwrap();
        let items: Vec<_> = (0..(BATCH as u128 * 2 + 5))
            .map(|i| {
                let mut item = crate::domain::item::tests::actu(now);
                item.id = ItemId::new(now, i);
                item
            })
            .collect();
        store.put_items(&items).unwrap();
        let copy = dir.path().join("copie.redb");
        let mut seen = Vec::new();
        let summary = store.backup_to(&copy, &mut |p| seen.push(p)).unwrap();
        assert_eq!(summary.items, items.len() as u64);
        assert_eq!(summary.blobs, 1);
        assert_eq!(summary.tables, table_names().len());
        let last = *seen.last().unwrap();
        assert_eq!(last.done, last.total);
        assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
        let restored = Store::open(&copy).unwrap();
        assert_eq!(
            restored.all_item_ids().unwrap(),
            store.all_item_ids().unwrap()
        );
        assert_eq!(
            restored.get_blob(hash).unwrap(),
            store.get_blob(hash).unwrap()
        );
        assert_eq!(restored.epoch().unwrap(), store.epoch().unwrap());
        restored.renew_epoch().unwrap();
        assert_ne!(restored.epoch().unwrap(), store.epoch().unwrap());
        let again = store.backup_to(&copy, &mut |_| {});
        assert!(again.unwrap_err().to_string().contains("never overwrites"));
    }
}
