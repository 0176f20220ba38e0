//! Personal feed tokens: the secret in an agent's calendar and news-feed
//! address. One per agent; stored by hash only.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::tables::{FEED_TOKEN_OF_LOGIN, FEED_TOKENS};
use super::{Result, Store, codec};
use crate::domain::Login;

/// Whose feed a token opens, and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedToken {
    pub login: Login,
    pub created: Timestamp,
}

impl Store {
    /// Makes `hash` the agent's only feed token; the previous one stops working.
    pub fn replace_feed_token(&self, hash: [u8; 32], token: &FeedToken) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut tokens = tx.open_table(FEED_TOKENS)?;
            let mut of_login = tx.open_table(FEED_TOKEN_OF_LOGIN)?;
            let old = of_login.get(token.login.as_str())?.map(|v| v.value());
            if let Some(old) = old {
                tokens.remove(old)?;
            }
            tokens.insert(hash, codec::encode(token).as_slice())?;
            of_login.insert(token.login.as_str(), hash)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes the agent's feed token, if any; returns whether there was one.
    pub fn revoke_feed_token(&self, login: &Login) -> Result<bool> {
        let tx = self.db.begin_write()?;
        let had = {
            let mut tokens = tx.open_table(FEED_TOKENS)?;
            let mut of_login = tx.open_table(FEED_TOKEN_OF_LOGIN)?;
            let old = of_login.remove(login.as_str())?.map(|v| v.value());
            match old {
                Some(old) => {
                    tokens.remove(old)?;
                    true
                }
                None => false,
            }
        };
        tx.commit()?;
        Ok(had)
    }

    /// The token behind a hash, if it is still current.
    pub fn feed_token(&self, hash: [u8; 32]) -> Result<Option<FeedToken>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(FEED_TOKENS)?;
        let value = table.get(hash)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// The agent's current token (its creation date), if any.
    pub fn feed_token_of(&self, login: &Login) -> Result<Option<FeedToken>> {
        let tx = self.db.begin_read()?;
        let of_login = tx.open_table(FEED_TOKEN_OF_LOGIN)?;
        let Some(hash) = of_login.get(login.as_str())?.map(|v| v.value()) else {
            return Ok(None);
        };
        let tokens = tx.open_table(FEED_TOKENS)?;
        let value = tokens.get(hash)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_replaces_the_old_and_revoking_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let token = FeedToken {
            login: Login::new("agent"),
            created: "2026-11-29T10:00:00Z".parse().unwrap(),
        };
        store.replace_feed_token([1; 32], &token).unwrap();
        assert_eq!(store.feed_token([1; 32]).unwrap(), Some(token.clone()));
        store.replace_feed_token([2; 32], &token).unwrap();
        assert_eq!(
            store.feed_token([1; 32]).unwrap(),
            None,
            "the old link is dead"
        );
        assert_eq!(
            store.feed_token_of(&token.login).unwrap(),
            Some(token.clone())
        );
        assert!(store.revoke_feed_token(&token.login).unwrap());
        assert_eq!(store.feed_token([2; 32]).unwrap(), None);
        assert!(!store.revoke_feed_token(&token.login).unwrap());
    }
}
