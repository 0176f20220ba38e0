//! An edge's outbox: the writes made there and not yet answered by the hub,
//! with an index by agent, and what became of them (`DELIVERIES`).
//! Invariant: an outbox entry leaves only with the hub's answer recorded in
//! the same transaction, and its index row with it.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::{ItemId, Login};

/// A write made on an edge, waiting for the hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub key: u128,
    pub login: Login,
    pub created: Timestamp,
    /// What the agent sees in "Mes publications" (a title, "Signalement"…).
    pub label: String,
    /// The encoded message (federation's wire format; opaque here).
    pub payload: Vec<u8>,
    /// Attempts so far, and the last error (for the administrator).
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
    /// A write that must leave no trace on the edge once the hub has it (a
    /// union-list subscription): not listed in "Mes publications", no
    /// `Delivery` kept.
    #[serde(default)]
    pub discreet: bool,
}

/// What the hub answered to an edge's write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub key: u128,
    pub label: String,
    pub created: Timestamp,
    pub delivered: Timestamp,
    /// `None` when accepted; the hub's reason when refused.
    pub refused: Option<String>,
    /// The item the hub created, if any.
    pub item: Option<ItemId>,
    /// The item waits for a webmaster's validation.
    #[serde(default)]
    pub pending: bool,
}

impl Store {
    /// Queues a write for the hub (durable once this returns).
    pub fn push_outbox(&self, entry: &OutboxEntry) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(OUTBOX)?
            .insert(entry.key, codec::encode(entry).as_slice())?;
        tx.open_table(OUTBOX_BY_LOGIN)?
            .insert((entry.login.as_str(), entry.key), ())?;
        tx.commit()?;
        Ok(())
    }

    /// The oldest queued writes, at most `limit`.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(OUTBOX)?;
        let mut out = Vec::new();
        for entry in table.iter()?.take(limit) {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn outbox_len(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(OUTBOX)?.len()?)
    }

    /// Notes a failed attempt (kept for the administrator's page).
    pub fn outbox_failed(&self, key: u128, error: &str) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(OUTBOX)?;
            let entry: Option<OutboxEntry> = table
                .get(key)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            if let Some(mut entry) = entry {
                entry.attempts += 1;
                entry.last_error = Some(error.to_owned());
                table.insert(key, codec::encode(&entry).as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The hub answered: the entry leaves the outbox and its delivery is
    /// recorded, in one transaction.
    pub fn outbox_delivered(&self, entry: &OutboxEntry, delivery: &Delivery) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(OUTBOX)?.remove(entry.key)?;
        tx.open_table(OUTBOX_BY_LOGIN)?
            .remove((entry.login.as_str(), entry.key))?;
        if !entry.discreet {
            tx.open_table(DELIVERIES)?.insert(
                (entry.login.as_str(), entry.key),
                codec::encode(delivery).as_slice(),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every write of `login` still queued here, discreet ones included,
    /// oldest first (for this edge's own use, never listed to the agent).
    pub fn outbox_of(&self, login: &Login) -> Result<Vec<OutboxEntry>> {
        let tx = self.db.begin_read()?;
        queued_by(&tx, login)
    }

    /// An agent's writes from this edge: still queued, then answered (newest first).
    pub fn sent_by(
        &self,
        login: &Login,
        limit: usize,
    ) -> Result<(Vec<OutboxEntry>, Vec<Delivery>)> {
        let tx = self.db.begin_read()?;
        let mut queued = queued_by(&tx, login)?;
        queued.retain(|entry| !entry.discreet);
        let deliveries = tx.open_table(DELIVERIES)?;
        let mut answered = Vec::new();
        for entry in deliveries
            .range((login.as_str(), 0)..=(login.as_str(), u128::MAX))?
            .rev()
            .take(limit)
        {
            answered.push(codec::decode(entry?.1.value())?);
        }
        Ok((queued, answered))
    }
}

/// The queued writes of `login`, oldest first, through the index.
fn queued_by(tx: &redb::ReadTransaction, login: &Login) -> Result<Vec<OutboxEntry>> {
    let index = tx.open_table(OUTBOX_BY_LOGIN)?;
    let outbox = tx.open_table(OUTBOX)?;
    let mut out = Vec::new();
    for key in index.range((login.as_str(), 0)..=(login.as_str(), u128::MAX))? {
        if let Some(value) = outbox.get(key?.0.value().1)? {
            out.push(codec::decode(value.value())?);
        }
    }
    Ok(out)
}

/// Makes the outbox's index by agent anew from the outbox, inside `tx`,
/// reading only each entry's agent. An entry that cannot be read is left out
/// (and said in the log) rather than keeping the server from starting.
pub(super) fn index_outbox(tx: &redb::WriteTransaction) -> Result<()> {
    #[derive(Deserialize)]
    struct Owner {
        login: Login,
    }
    let mut index = tx.open_table(OUTBOX_BY_LOGIN)?;
    index.retain(|_, _| false)?;
    for entry in tx.open_table(OUTBOX)?.iter()? {
        let (key, value) = entry?;
        match codec::decode::<Owner>(value.value()) {
            Ok(owner) => {
                index.insert((owner.login.as_str(), key.value()), ())?;
            }
            Err(e) => tracing::warn!(key = key.value(), "outbox entry unreadable: {e}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
