//! "Espaces d'échange": discussion spaces, their messages and who follows them.

use redb::{ReadableDatabase, ReadableTable};

use super::shared::{self, SharedKey};
use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::Login;
use crate::domain::participation::{Comment, Discussion};

impl Store {
    pub fn put_discussion(&self, discussion: &Discussion) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(DISCUSSIONS)?
            .insert(discussion.id, codec::encode(discussion).as_slice())?;
        let seq = shared::append(&tx, SharedKey::Discussion(discussion.id))?;
        tx.commit()?;
        self.shared_committed(seq);
        Ok(())
    }

    pub fn get_discussion(&self, id: u128) -> Result<Option<Discussion>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(DISCUSSIONS)?;
        let value = table.get(id)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Every space, oldest first.
    pub fn discussions(&self) -> Result<Vec<Discussion>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(DISCUSSIONS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn put_discussion_post(&self, post: &Comment) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(DISCUSSION_POSTS)?.insert(
            (post.item.to_u128(), post.id),
            codec::encode(post).as_slice(),
        )?;
        let seq = shared::append(&tx, SharedKey::Post(post.item.to_u128(), post.id))?;
        tx.commit()?;
        self.shared_committed(seq);
        Ok(())
    }

    /// Stores a message only if none has its id yet (see
    /// [`Store::put_new_comment`]); returns the stored one if any.
    pub fn put_new_discussion_post(&self, post: &Comment) -> Result<Option<Comment>> {
        let tx = self.db.begin_write()?;
        let key = (post.item.to_u128(), post.id);
        let existing: Option<Comment> = tx
            .open_table(DISCUSSION_POSTS)?
            .get(key)?
            .map(|v| codec::decode(v.value()))
            .transpose()?;
        if existing.is_some() {
            return Ok(existing);
        }
        tx.open_table(DISCUSSION_POSTS)?
            .insert(key, codec::encode(post).as_slice())?;
        let seq = shared::append(&tx, SharedKey::Post(key.0, key.1))?;
        tx.commit()?;
        self.shared_committed(seq);
        Ok(None)
    }

    pub fn get_discussion_post(&self, discussion: u128, id: u128) -> Result<Option<Comment>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(DISCUSSION_POSTS)?;
        let value = table.get((discussion, id))?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// A space's messages, oldest first.
    pub fn discussion_posts(&self, discussion: u128) -> Result<Vec<Comment>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(DISCUSSION_POSTS)?;
        let mut out = Vec::new();
        for entry in table.range((discussion, 0)..=(discussion, u128::MAX))? {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    /// Follows (`on`) or stops following a space. Sets a state.
    pub fn set_following(&self, login: &Login, discussion: u128, on: bool) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(DISCUSSION_FOLLOWERS)?;
            if on {
                table.insert((login.as_str(), discussion), ())?;
            } else {
                table.remove((login.as_str(), discussion))?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The ids of the spaces `login` follows.
    pub fn followed_by(&self, login: &Login) -> Result<Vec<u128>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(DISCUSSION_FOLLOWERS)?;
        let mut out = Vec::new();
        for entry in table.range((login.as_str(), 0)..=(login.as_str(), u128::MAX))? {
            out.push(entry?.0.value().1);
        }
        Ok(out)
    }
}
