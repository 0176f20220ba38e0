//! Sessions, local credentials, the charter and its acceptances, the audit log.

use jiff::Timestamp;
use redb::{Durability, ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::{Login, Session};

/// One version of the intranet charter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charter {
    pub version: u32,
    /// Markdown.
    pub text: String,
    pub published_at: Timestamp,
    pub published_by: Login,
}

/// The latest charter version an agent accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    pub version: u32,
    pub at: Timestamp,
}

/// One line of the audit log: who did what, when, and the state before → after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: Login,
    pub action: String,
    pub target: String,
    #[serde(default)]
    pub before: String,
    #[serde(default)]
    pub after: String,
}

/// See [`Store::session_facts`].
#[derive(Debug)]
pub struct SessionFacts {
    pub session: Session,
    pub user: Option<crate::domain::User>,
    pub charter: Option<u32>,
    pub accepted: Option<u32>,
    pub pending: Option<usize>,
}

impl Store {
    /// Stores a session. `durable = false` is for "last seen" touches: cheap,
    /// and losing one in a crash only makes the session end a little earlier.
    pub fn put_session(&self, hash: [u8; 32], session: &Session, durable: bool) -> Result<()> {
        let mut tx = self.db.begin_write()?;
        if !durable {
            tx.set_durability(Durability::None)
                .map_err(|e| super::StoreError::Invalid(e.to_string()))?;
        }
        {
            tx.open_table(SESSIONS)?
                .insert(hash, codec::encode(session).as_slice())?;
            tx.open_table(SESSIONS_BY_LOGIN)?
                .insert((session.login.as_str(), hash), ())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Moves a session's last activity forward, only if it still exists: a
    /// session ended meanwhile (sign-out, an administrator) stays ended.
    pub fn touch_session(&self, hash: [u8; 32], session: &Session) -> Result<bool> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::None)
            .map_err(|e| super::StoreError::Invalid(e.to_string()))?;
        let touched = {
            let mut table = tx.open_table(SESSIONS)?;
            let present = table.get(hash)?.is_some();
            if present {
                table.insert(hash, codec::encode(session).as_slice())?;
            }
            present
        };
        tx.commit()?;
        Ok(touched)
    }

    /// Removes and returns a session if it belongs to `login`, in one step.
    pub fn take_session_of(&self, hash: [u8; 32], login: &Login) -> Result<Option<Session>> {
        let tx = self.db.begin_write()?;
        let taken = {
            let mut sessions = tx.open_table(SESSIONS)?;
            let found: Option<Session> = sessions
                .get(hash)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            match found {
                Some(session) if &session.login == login => {
                    sessions.remove(hash)?;
                    tx.open_table(SESSIONS_BY_LOGIN)?
                        .remove((login.as_str(), hash))?;
                    Some(session)
                }
                _ => None,
            }
        };
        tx.commit()?;
        Ok(taken)
    }

    pub fn get_session(&self, hash: [u8; 32]) -> Result<Option<Session>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(SESSIONS)?;
        let value = table.get(hash)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// What a request needs of its session, in one read transaction: the
    /// session, its agent, the charter version in force and the one the agent
    /// accepted, and (for webmasters) the number of proposals waiting.
    /// `web::auth` reads this in place on the async executor, on every
    /// request: keep it to point lookups in small tables.
    pub fn session_facts(&self, hash: [u8; 32]) -> Result<Option<SessionFacts>> {
        let tx = self.db.begin_read()?;
        let Some(session) = tx
            .open_table(SESSIONS)?
            .get(hash)?
            .map(|v| codec::decode::<Session>(v.value()))
            .transpose()?
        else {
            return Ok(None);
        };
        let login = session.login.as_str();
        let user: Option<crate::domain::User> = tx
            .open_table(USERS)?
            .get(login)?
            .map(|v| codec::decode(v.value()))
            .transpose()?;
        let charter = tx.open_table(CHARTERS)?.last()?.map(|(k, _)| k.value());
        let accepted = tx
            .open_table(CHARTER_ACCEPTANCES)?
            .get(login)?
            .map(|v| codec::decode::<Acceptance>(v.value()))
            .transpose()?
            .map(|a| a.version);
        let pending = match &user {
            Some(user) if user.has(&crate::domain::Role::Webmaster) => {
                let key = crate::domain::Status::Pending.key();
                Some(
                    tx.open_table(ITEMS_BY_STATUS)?
                        .range((key, 0)..=(key, u128::MAX))?
                        .count(),
                )
            }
            _ => None,
        };
        Ok(Some(SessionFacts {
            session,
            user,
            charter,
            accepted,
            pending,
        }))
    }

    pub fn delete_session(&self, hash: [u8; 32]) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut sessions = tx.open_table(SESSIONS)?;
            let old: Option<Session> = sessions
                .remove(hash)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            if let Some(old) = old {
                tx.open_table(SESSIONS_BY_LOGIN)?
                    .remove((old.login.as_str(), hash))?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Ends every session of `login`; returns how many there were.
    pub fn delete_sessions_of(&self, login: &Login) -> Result<usize> {
        let tx = self.db.begin_write()?;
        let count;
        {
            let mut by_login = tx.open_table(SESSIONS_BY_LOGIN)?;
            let hashes: Vec<[u8; 32]> = by_login
                .range((login.as_str(), [0u8; 32])..=(login.as_str(), [255u8; 32]))?
                .map(|e| e.map(|(k, _)| k.value().1))
                .collect::<std::result::Result<_, _>>()?;
            let mut sessions = tx.open_table(SESSIONS)?;
            for hash in &hashes {
                sessions.remove(*hash)?;
                by_login.remove((login.as_str(), *hash))?;
            }
            count = hashes.len();
        }
        tx.commit()?;
        Ok(count)
    }

    /// Every session, for the periodic clean-up and the disabled-account check.
    pub fn all_sessions(&self) -> Result<Vec<([u8; 32], Session)>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(SESSIONS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push((k.value(), codec::decode(v.value())?));
        }
        Ok(out)
    }

    pub fn set_credential(&self, login: &Login, phc: &str) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(CREDENTIALS)?.insert(login.as_str(), phc)?;
        tx.commit()?;
        Ok(())
    }

    /// Sets many credentials in one transaction (the demo directory).
    pub fn set_credentials(&self, logins: &[Login], phc: &str) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(CREDENTIALS)?;
            for login in logins {
                table.insert(login.as_str(), phc)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn get_credential(&self, login: &Login) -> Result<Option<String>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CREDENTIALS)?;
        Ok(table.get(login.as_str())?.map(|v| v.value().to_owned()))
    }

    /// Publishes a new charter version (one more than the latest).
    pub fn publish_charter(&self, text: &str, by: &Login, at: Timestamp) -> Result<Charter> {
        let tx = self.db.begin_write()?;
        let charter;
        {
            let mut table = tx.open_table(CHARTERS)?;
            let version = table.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
            charter = Charter {
                version,
                text: text.to_owned(),
                published_at: at,
                published_by: by.clone(),
            };
            table.insert(version, codec::encode(&charter).as_slice())?;
        }
        tx.commit()?;
        Ok(charter)
    }

    pub fn current_charter(&self) -> Result<Option<Charter>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CHARTERS)?;
        let last = table.last()?;
        last.map(|(_, v)| codec::decode(v.value())).transpose()
    }

    pub fn accept_charter(&self, login: &Login, acceptance: &Acceptance) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(CHARTER_ACCEPTANCES)?
            .insert(login.as_str(), codec::encode(acceptance).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn acceptance_of(&self, login: &Login) -> Result<Option<Acceptance>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CHARTER_ACCEPTANCES)?;
        let value = table.get(login.as_str())?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Appends to the audit log (never updated, never deleted).
    pub fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let id = ulid::Ulid::from_parts(
            u64::try_from(entry.at.as_millisecond()).unwrap_or(0),
            rand::random(),
        );
        let tx = self.db.begin_write()?;
        tx.open_table(AUDIT)?
            .insert(id.0, codec::encode(entry).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// The newest audit entries first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(AUDIT)?;
        let mut out = Vec::new();
        for entry in table.iter()?.rev().take(limit) {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn put_handoff(&self, hash: [u8; 32], handoff: &crate::domain::Handoff) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(HANDOFFS)?
            .insert(hash, codec::encode(handoff).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn get_handoff(&self, hash: [u8; 32]) -> Result<Option<crate::domain::Handoff>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(HANDOFFS)?;
        let value = table.get(hash)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Records the phone that approves a borne's sign-in, in one step: only a
    /// valid, not yet approved phone sign-in can be approved, once.
    pub fn approve_handoff(&self, hash: [u8; 32], login: &Login, now: Timestamp) -> Result<bool> {
        use crate::domain::{Handoff, HandoffKind};
        let tx = self.db.begin_write()?;
        let approved = {
            let mut table = tx.open_table(HANDOFFS)?;
            let found: Option<Handoff> = table
                .get(hash)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            match found {
                Some(mut handoff) if !handoff.expired(now) => match &mut handoff.kind {
                    HandoffKind::PhoneSignIn { approved_by, .. } if approved_by.is_none() => {
                        *approved_by = Some(login.clone());
                        table.insert(hash, codec::encode(&handoff).as_slice())?;
                        true
                    }
                    _ => false,
                },
                _ => false,
            }
        };
        tx.commit()?;
        Ok(approved)
    }

    /// Deletes expired hand-offs; returns how many.
    pub fn purge_handoffs(&self, now: Timestamp) -> Result<usize> {
        let tx = self.db.begin_write()?;
        let count = {
            let mut table = tx.open_table(HANDOFFS)?;
            let mut expired = Vec::new();
            for entry in table.iter()? {
                let (key, value) = entry?;
                let handoff: crate::domain::Handoff = codec::decode(value.value())?;
                if handoff.expired(now) {
                    expired.push(key.value());
                }
            }
            for key in &expired {
                table.remove(*key)?;
            }
            expired.len()
        };
        tx.commit()?;
        Ok(count)
    }

    /// Removes a hand-off and returns it: whoever removes it first uses it.
    pub fn take_handoff(&self, hash: [u8; 32]) -> Result<Option<crate::domain::Handoff>> {
        let tx = self.db.begin_write()?;
        let taken = {
            let mut table = tx.open_table(HANDOFFS)?;
            let removed = table.remove(hash)?;
            removed.map(|v| codec::decode(v.value())).transpose()?
        };
        tx.commit()?;
        Ok(taken)
    }

    /// Every user of the directory cache, ordered by login.
    pub fn all_users(&self) -> Result<Vec<crate::domain::User>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(USERS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeviceClass;

    #[test]
    fn sessions_of_an_agent_end_together() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let at: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let session = |login: &str| Session {
            login: Login::new(login),
            device: DeviceClass::Kiosk,
            created: at,
            last_seen: at,
            stay_signed_in: false,
            csrf: "t".into(),
        };
        store.put_session([1; 32], &session("agent"), true).unwrap();
        store
            .put_session([2; 32], &session("agent"), false)
            .unwrap();
        store.put_session([3; 32], &session("rh"), true).unwrap();
        assert_eq!(store.delete_sessions_of(&Login::new("agent")).unwrap(), 2);
        assert!(store.get_session([1; 32]).unwrap().is_none());
        assert!(store.get_session([3; 32]).unwrap().is_some());
        store.delete_session([3; 32]).unwrap();
        assert!(store.all_sessions().unwrap().is_empty());
    }

    #[test]
    fn charter_versions_increase() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let at: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        assert!(store.current_charter().unwrap().is_none());
        let admin = Login::new("dsi");
        assert_eq!(store.publish_charter("v1", &admin, at).unwrap().version, 1);
        assert_eq!(store.publish_charter("v2", &admin, at).unwrap().version, 2);
        assert_eq!(store.current_charter().unwrap().unwrap().text, "v2");
    }
}
