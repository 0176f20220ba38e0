//! Threads of messages: an item's comments and a space's messages, the same
//! rows in two tables. Every write is named in the shared log, for edges.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::shared::{self, SharedKey};
use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::participation::{Comment, Thread};

/// The table that keeps `thread`'s messages, keyed (item or space, message).
fn table(thread: Thread) -> TableDefinition<'static, (u128, u128), &'static [u8]> {
    match thread {
        Thread::Comments => COMMENTS,
        Thread::Space => DISCUSSION_POSTS,
    }
}

fn shared_key(thread: Thread, (parent, id): (u128, u128)) -> SharedKey {
    match thread {
        Thread::Comments => SharedKey::Comment(parent, id),
        Thread::Space => SharedKey::Post(parent, id),
    }
}

fn key_of(message: &Comment) -> (u128, u128) {
    (message.item.to_u128(), message.id)
}

impl Store {
    /// Stores a message, or its new state (edited, removed).
    pub fn put_message(&self, thread: Thread, message: &Comment) -> Result<()> {
        let tx = self.db.begin_write()?;
        let key = key_of(message);
        tx.open_table(table(thread))?
            .insert(key, codec::encode(message).as_slice())?;
        let seq = shared::append(&tx, shared_key(thread, key))?;
        tx.commit()?;
        self.shared_committed(seq);
        Ok(())
    }

    /// Stores a message only if none has its id yet (one delivered by an
    /// edge takes the write's key as id); returns the stored one if any.
    pub fn put_new_message(&self, thread: Thread, message: &Comment) -> Result<Option<Comment>> {
        let tx = self.db.begin_write()?;
        let key = key_of(message);
        let existing: Option<Comment> = tx
            .open_table(table(thread))?
            .get(key)?
            .map(|v| codec::decode(v.value()))
            .transpose()?;
        if existing.is_some() {
            return Ok(existing);
        }
        tx.open_table(table(thread))?
            .insert(key, codec::encode(message).as_slice())?;
        let seq = shared::append(&tx, shared_key(thread, key))?;
        tx.commit()?;
        self.shared_committed(seq);
        Ok(None)
    }

    pub fn get_message(&self, thread: Thread, parent: u128, id: u128) -> Result<Option<Comment>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(table(thread))?;
        let value = table.get((parent, id))?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// The messages under an item or in a space, oldest first.
    pub fn messages(&self, thread: Thread, parent: u128) -> Result<Vec<Comment>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(table(thread))?;
        let mut out = Vec::new();
        for entry in table.range((parent, 0)..=(parent, u128::MAX))? {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }
}
