//! "Espaces d'échange": discussion spaces, their messages and who follows them.

use redb::{ReadableDatabase, ReadableTable};

use super::shared::{self, SharedKey};
use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::Login;
use crate::domain::participation::Discussion;

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
