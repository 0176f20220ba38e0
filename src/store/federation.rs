//! What federation keeps: on the hub, enrolled edges, their invites and the
//! receipts of delivered writes; on an edge, the replica (applied batch by
//! batch with its cursor) and the agents' grants. The edge's outbox is
//! `outbox.rs`'s.
//! Invariants: a replica batch and its cursor commit together; an item never
//! overwrites a newer version of itself.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::items::{put_one, remove_one};
use super::tables::*;
use super::{Result, Store, StoreError, codec};
use crate::domain::{BlobHash, Item, ItemId, Login, Status};

/// What kind of box an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EdgeKind {
    /// A service's box: shared computers of a service read through it.
    ServiceBox,
    /// A touch borne in a break room.
    Borne,
}

impl EdgeKind {
    pub fn key(self) -> &'static str {
        match self {
            EdgeKind::ServiceBox => "boitier",
            EdgeKind::Borne => "borne",
        }
    }

    pub fn from_key(key: &str) -> Option<EdgeKind> {
        match key {
            "boitier" => Some(EdgeKind::ServiceBox),
            "borne" => Some(EdgeKind::Borne),
            _ => None,
        }
    }
}

/// An enrolled edge, as the hub knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeRecord {
    pub id: String,
    pub name: String,
    pub place: String,
    pub kind: EdgeKind,
    pub enrolled: Timestamp,
    /// BLAKE3 of the client certificate (DER) the hub issued to it.
    pub certificate: [u8; 32],
    pub revoked: Option<Timestamp>,
    pub last_contact: Option<Timestamp>,
    /// The last change-log seq the edge asked from.
    pub cursor: u64,
    /// The kiosque version the edge reported.
    pub version: String,
}

/// A one-time enrollment invite. The code itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub name: String,
    pub place: String,
    pub kind: EdgeKind,
    pub created: Timestamp,
    pub expires: Timestamp,
    pub by: Login,
    /// When and by which edge it was used.
    pub used: Option<(Timestamp, String)>,
    /// The key that authenticates the enrollment messages (derived from the code).
    pub mac_key: [u8; 32],
}

/// An entry of a replica batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Replica {
    /// The newest readable state of an item.
    Item(Box<Item>),
    /// The item is no longer readable (deleted, unpublished, not yet published).
    Gone { id: ItemId, version: u64 },
}

/// A batch of replicas to apply, with the blobs they need and the cursor.
#[derive(Debug, Default)]
pub struct ReplicaBatch {
    pub entries: Vec<Replica>,
    pub blobs: Vec<(BlobHash, String, Vec<u8>)>,
    /// The hub's change-log seq this batch brings the edge to.
    pub cursor: u64,
    /// Shared records (questionnaires, comments, espaces d'échange) and the
    /// hub's shared-log seq they bring the edge to.
    pub shared: Vec<super::Shared>,
    pub shared_cursor: u64,
}

fn readable(item: &Item) -> bool {
    matches!(item.status, Status::Published | Status::Archived)
}

impl Store {
    // ---- hub side

    pub fn put_edge(&self, edge: &EdgeRecord) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(EDGES)?
            .insert(edge.id.as_str(), codec::encode(edge).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn edges(&self) -> Result<Vec<EdgeRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(EDGES)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn get_edge(&self, id: &str) -> Result<Option<EdgeRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(EDGES)?;
        let value = table.get(id)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Notes an edge's contact: time, cursor, version. One small write.
    pub fn edge_contact(&self, id: &str, at: Timestamp, cursor: u64, version: &str) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(EDGES)?;
            let edge: Option<EdgeRecord> = table
                .get(id)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            if let Some(mut edge) = edge {
                edge.last_contact = Some(at);
                edge.cursor = cursor;
                edge.version = version.to_owned();
                table.insert(id, codec::encode(&edge).as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn put_invite(&self, id: &str, invite: &Invite) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(EDGE_INVITES)?
            .insert(id, codec::encode(invite).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn get_invite(&self, id: &str) -> Result<Option<Invite>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(EDGE_INVITES)?;
        let value = table.get(id)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    pub fn invites(&self) -> Result<Vec<(String, Invite)>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(EDGE_INVITES)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push((k.value().to_owned(), codec::decode(v.value())?));
        }
        Ok(out)
    }

    /// Uses an invite and records the new edge, in one transaction: an
    /// invite enrolls one edge only. Returns false if it was already used.
    pub fn enroll_edge(&self, invite_id: &str, edge: &EdgeRecord) -> Result<bool> {
        let tx = self.db.begin_write()?;
        {
            let mut invites = tx.open_table(EDGE_INVITES)?;
            let invite: Option<Invite> = invites
                .get(invite_id)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            let Some(mut invite) = invite else {
                return Ok(false);
            };
            if invite.used.is_some() {
                return Ok(false);
            }
            invite.used = Some((edge.enrolled, edge.id.clone()));
            invites.insert(invite_id, codec::encode(&invite).as_slice())?;
            tx.open_table(EDGES)?
                .insert(edge.id.as_str(), codec::encode(edge).as_slice())?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// The newest readable state of every item changed after `since`, at most
    /// `limit` change-log entries read; returns the entries and the seq reached.
    pub fn replicas_since(&self, since: u64, limit: usize) -> Result<(Vec<Replica>, u64)> {
        let tx = self.db.begin_read()?;
        let changes = tx.open_table(CHANGES)?;
        let items = tx.open_table(ITEMS)?;
        let mut reached = since;
        let mut order: Vec<ItemId> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for entry in changes.range(since.saturating_add(1)..)?.take(limit) {
            let (seq, value) = entry?;
            reached = seq.value();
            let change: super::Change = codec::decode(value.value())?;
            if seen.insert(change.id) {
                order.push(change.id);
            }
        }
        let mut out = Vec::with_capacity(order.len());
        for id in order {
            let item: Option<Item> = items
                .get(id.to_u128())?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            out.push(match item {
                Some(item) if readable(&item) => Replica::Item(Box::new(item)),
                Some(item) => Replica::Gone {
                    id,
                    version: item.version,
                },
                None => continue,
            });
        }
        Ok((out, reached))
    }

    /// A secret kept in the store's metadata, made on first use (32 bytes).
    pub fn secret(&self, name: &str) -> Result<[u8; 32]> {
        let key = format!("secret:{name}");
        {
            let tx = self.db.begin_read()?;
            let meta = tx.open_table(META)?;
            if let Some(v) = meta.get(key.as_str())? {
                return v
                    .value()
                    .try_into()
                    .map_err(|_| StoreError::Decode(format!("{key}: expected 32 bytes")));
            }
        }
        let tx = self.db.begin_write()?;
        let secret = {
            let mut meta = tx.open_table(META)?;
            let existing = meta
                .get(key.as_str())?
                .map(|v| <[u8; 32]>::try_from(v.value()));
            match existing {
                Some(Ok(found)) => found,
                _ => {
                    let fresh: [u8; 32] = rand::random();
                    meta.insert(key.as_str(), &fresh[..])?;
                    fresh
                }
            }
        };
        tx.commit()?;
        Ok(secret)
    }

    /// A delivered write, if its key was seen before.
    pub fn receipt(&self, key: u128) -> Result<Option<Vec<u8>>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECEIVED)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    pub fn put_receipt(&self, key: u128, receipt: &[u8]) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(RECEIVED)?.insert(key, receipt)?;
        tx.commit()?;
        Ok(())
    }

    /// Stores `item` only if no item has its id yet (a delivered write whose
    /// id comes from its idempotency key). Returns false if it existed.
    pub fn put_new_item(&self, item: &Item) -> Result<bool> {
        item.check()
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", item.title)))?;
        let tx = self.db.begin_write()?;
        if tx.open_table(ITEMS)?.get(item.id.to_u128())?.is_some() {
            return Ok(false);
        }
        let seq = put_one(&tx, item)?;
        tx.commit()?;
        self.committed(seq);
        Ok(true)
    }

    // ---- edge side

    /// The replica's cursor and the hub epoch it belongs to.
    pub fn replica_cursor(&self) -> Result<(u64, String)> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        let cursor = meta
            .get("replica_cursor")?
            .map(|v| codec::u64_from(v.value()))
            .transpose()?
            .unwrap_or(0);
        let epoch = meta
            .get("replica_epoch")?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned())
            .unwrap_or_default();
        Ok((cursor, epoch))
    }

    /// Forgets the whole replica (the hub's history changed: restored from a
    /// backup) and starts over from zero under `epoch`.
    pub fn reset_replica(&self, epoch: &str, now: Timestamp) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let ids: Vec<(ItemId, u64)> = {
                let items = tx.open_table(ITEMS)?;
                let mut ids = Vec::new();
                for entry in items.iter()? {
                    let item: Item = codec::decode(entry?.1.value())?;
                    ids.push((item.id, item.version));
                }
                ids
            };
            for (id, version) in ids {
                remove_one(&tx, id, version, now)?;
            }
            tx.open_table(GONE)?.retain(|_, _| false)?;
            super::shared::forget(&tx)?;
            let mut meta = tx.open_table(META)?;
            meta.insert("replica_cursor", &0u64.to_be_bytes()[..])?;
            meta.insert("replica_epoch", epoch.as_bytes())?;
        }
        let seq = tx.open_table(CHANGES)?.last()?.map(|(k, _)| k.value());
        tx.commit()?;
        self.committed(seq.unwrap_or(0));
        self.shared_touched();
        Ok(())
    }

    /// Applies a batch from the hub and moves the cursor, in one transaction.
    /// Idempotent: an entry not newer than what is stored changes nothing.
    /// Returns how many entries changed something.
    pub fn apply_replicas(&self, batch: &ReplicaBatch, now: Timestamp) -> Result<usize> {
        let tx = self.db.begin_write()?;
        let mut applied = 0;
        let mut seq = None;
        {
            let (mut blocked, mut shown_again) = (Vec::new(), Vec::new());
            for entry in &batch.entries {
                let (id, version) = match entry {
                    Replica::Item(item) => (item.id, item.version),
                    Replica::Gone { id, version } => (*id, *version),
                };
                let stored: Option<Item> = tx
                    .open_table(ITEMS)?
                    .get(id.to_u128())?
                    .map(|v| codec::decode(v.value()))
                    .transpose()?;
                let gone = tx.open_table(GONE)?.get(id.to_u128())?.map(|v| v.value());
                let known = stored.as_ref().map(|i| i.version).max(gone);
                if known.is_some_and(|known| known >= version) {
                    continue;
                }
                // Photos the new state no longer shows stop being served here.
                let shown = |item: &Item, hash: &BlobHash| {
                    item.media
                        .iter()
                        .any(|m| !m.hidden && (m.hash == *hash || m.thumbnail == Some(*hash)))
                };
                if let Some(old) = &stored {
                    for m in &old.media {
                        for hash in std::iter::once(m.hash).chain(m.thumbnail) {
                            let still = match entry {
                                Replica::Item(new) => shown(new, &hash),
                                Replica::Gone { .. } => false,
                            };
                            if !still {
                                blocked.push(hash);
                            }
                        }
                    }
                }
                match entry {
                    Replica::Item(item) => {
                        for m in &item.media {
                            let hashes = std::iter::once(m.hash).chain(m.thumbnail);
                            if m.hidden {
                                blocked.extend(hashes);
                            } else {
                                // Put back by a webmaster: served again.
                                shown_again.extend(hashes);
                            }
                        }
                        tx.open_table(GONE)?.remove(id.to_u128())?;
                        seq = Some(put_one(&tx, item)?);
                    }
                    Replica::Gone { id, version } => {
                        remove_one(&tx, *id, *version, now)?;
                        tx.open_table(GONE)?.insert(id.to_u128(), *version)?;
                        seq = tx.open_table(CHANGES)?.last()?.map(|(k, _)| k.value());
                    }
                }
                applied += 1;
            }
            {
                let mut blobs = tx.open_table(BLOBS)?;
                let mut types = tx.open_table(BLOB_TYPES)?;
                for (hash, media_type, bytes) in &batch.blobs {
                    if blobs.get(hash.0)?.is_none() {
                        blobs.insert(hash.0, bytes.as_slice())?;
                        types.insert(hash.0, media_type.as_str())?;
                    }
                }
            }
            let mut block = tx.open_table(BLOCKED_BLOBS)?;
            for hash in shown_again {
                block.remove(hash.0)?;
            }
            for hash in blocked {
                block.insert(hash.0, ())?;
            }
            super::shared::apply(&tx, &batch.shared)?;
            let mut meta = tx.open_table(META)?;
            meta.insert("replica_cursor", &batch.cursor.to_be_bytes()[..])?;
            meta.insert(
                super::shared::CURSOR,
                &batch.shared_cursor.to_be_bytes()[..],
            )?;
        }
        tx.commit()?;
        if let Some(seq) = seq {
            self.committed(seq);
        }
        if !batch.shared.is_empty() {
            self.shared_touched();
        }
        Ok(applied)
    }

    /// Whether the store holds a blob (blocked or not).
    pub fn has_blob(&self, hash: BlobHash) -> Result<bool> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(BLOBS)?.get(hash.0)?.is_some())
    }

    pub fn put_grant(&self, login: &Login, grant: &[u8]) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(GRANTS)?.insert(login.as_str(), grant)?;
        tx.commit()?;
        Ok(())
    }

    pub fn grant_of(&self, login: &Login) -> Result<Option<Vec<u8>>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(GRANTS)?;
        Ok(table.get(login.as_str())?.map(|v| v.value().to_vec()))
    }
}

#[cfg(test)]
mod tests;
