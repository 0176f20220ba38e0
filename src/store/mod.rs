//! The only module that names redb. It owns the tables, the value encoding, the
//! schema version and its migrations, and the change log. Invariant: every write
//! that changes what agents see appends to `CHANGES` in the same transaction.
//!
//! All methods here are synchronous; async callers go through [`Store::run`] so
//! that redb work never blocks the async executor.

pub mod backup;
mod codec;
mod discussions;
mod federation;
mod feeds;
mod identity;
mod items;
mod moderation;
mod outbox;
mod participation;
mod personal;
mod shared;
pub mod tables;
mod threads;
mod unions;

use redb::{Database, ReadableDatabase, ReadableTable};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use federation::{EdgeKind, EdgeRecord, Invite, Replica, ReplicaBatch};
pub use feeds::FeedToken;
pub use identity::{Acceptance, AuditEntry, Charter, SessionFacts};
pub use items::{Change, SpacePage};
pub use moderation::{Notice, NoticeKind, Report, ReportKind};
pub use outbox::{Delivery, OutboxEntry};
pub use participation::{AnswerOutcome, SurveyStorage};
pub use personal::Personal;
pub use shared::{Shared, SharedKey};
pub use unions::DueMail;

/// The store's page cache.
const CACHE_BYTES: usize = 24 * 1024 * 1024;

/// The schema this release writes. Bump it with a migration in [`migrate`].
pub const SCHEMA_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store at {path} is already open in another kiosque process; stop that process first"
    )]
    AlreadyOpen { path: PathBuf },
    #[error(
        "the store at {path} was written by a newer kiosque (schema {found}, this release reads up to {SCHEMA_VERSION}); install that newer release or restore a backup made by this one"
    )]
    TooNew { path: PathBuf, found: u64 },
    #[error("store error: {0}")]
    Redb(#[from] redb::Error),
    #[error("a stored value could not be decoded: {0}")]
    Decode(String),
    #[error("invalid data: {0}")]
    Invalid(String),
    #[error("a page with the slug {0:?} already exists")]
    SlugTaken(String),
    #[error("the store task failed: {0}")]
    Task(String),
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Redb(e.into())
            }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A store in a fresh temporary directory (kept while the guard lives), for tests.
#[cfg(test)]
pub(crate) fn test_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("k.redb")).unwrap();
    (dir, store)
}

/// The store: a cheap handle, shared by every part of one kiosque process.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    /// The change log's last sequence number, kept in memory so that caches
    /// can tell at no cost whether content changed.
    seq: Arc<std::sync::atomic::AtomicU64>,
    /// Wakes whoever waits for new changes (the federation long-poll).
    changed: Arc<tokio::sync::watch::Sender<u64>>,
    /// The shared log's last seq, and whoever waits for it.
    shared_changed: Arc<tokio::sync::watch::Sender<u64>>,
    /// Moves on every change to shared records (written here or copied from
    /// the hub), so that caches can tell at no cost whether they changed.
    shared_generation: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (or creates) the store file, creates missing tables and checks the
    /// schema version, migrating an older store forward.
    pub fn open(path: &Path) -> Result<Store> {
        // A bounded page cache: a borne's box has little memory, and the
        // working set (recent items, sessions, users) is small.
        let db = redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen {
                    path: path.to_owned(),
                },
                other => other.into(),
            })?;
        let store = Store {
            db: Arc::new(db),
            seq: Arc::default(),
            changed: Arc::new(tokio::sync::watch::Sender::new(0)),
            shared_changed: Arc::new(tokio::sync::watch::Sender::new(0)),
            shared_generation: Arc::default(),
        };
        store.prepare(path)?;
        let latest = store.latest_seq()?;
        store.committed(latest);
        let shared = store.latest_shared_seq()?;
        store.shared_committed(shared);
        Ok(store)
    }

    fn prepare(&self, path: &Path) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut meta = tx.open_table(tables::META)?;
            let found = meta
                .get("schema_version")?
                .map(|v| codec::u64_from(v.value()))
                .transpose()?;
            match found {
                None => {
                    meta.insert("schema_version", &SCHEMA_VERSION.to_be_bytes()[..])?;
                    let epoch: [u8; 16] = rand::random();
                    meta.insert("epoch", &epoch[..])?;
                }
                Some(v) if v > SCHEMA_VERSION => {
                    return Err(StoreError::TooNew {
                        path: path.to_owned(),
                        found: v,
                    });
                }
                Some(v) if v < SCHEMA_VERSION => {
                    drop(meta);
                    migrate(&tx, v)?;
                    let mut meta = tx.open_table(tables::META)?;
                    meta.insert("schema_version", &SCHEMA_VERSION.to_be_bytes()[..])?;
                }
                Some(_) => {}
            }
            // Create every table so readers never meet a missing one.
            tx.open_table(tables::ITEMS)?;
            tx.open_table(tables::ITEMS_BY_SPACE)?;
            tx.open_table(tables::ITEMS_BY_AUTHOR)?;
            tx.open_table(tables::ITEMS_BY_STATUS)?;
            tx.open_table(tables::EVENTS_BY_START)?;
            tx.open_table(tables::PAGES_BY_SLUG)?;
            tx.open_table(tables::CHANGES)?;
            tx.open_table(tables::BLOBS)?;
            tx.open_table(tables::BLOB_TYPES)?;
            tx.open_table(tables::USERS)?;
            tx.open_table(tables::SESSIONS)?;
            tx.open_table(tables::SESSIONS_BY_LOGIN)?;
            tx.open_table(tables::CREDENTIALS)?;
            tx.open_table(tables::CHARTERS)?;
            tx.open_table(tables::CHARTER_ACCEPTANCES)?;
            tx.open_table(tables::AUDIT)?;
            tx.open_table(tables::NOTICES)?;
            tx.open_table(tables::REPORTS)?;
            tx.open_table(tables::BLOCKED_BLOBS)?;
            tx.open_table(tables::HANDOFFS)?;
            tx.open_table(tables::EDGES)?;
            tx.open_table(tables::EDGE_INVITES)?;
            tx.open_table(tables::RECEIVED)?;
            tx.open_table(tables::OUTBOX)?;
            outbox::index_outbox(&tx)?;
            tx.open_table(tables::DELIVERIES)?;
            tx.open_table(tables::GRANTS)?;
            tx.open_table(tables::GONE)?;
            tx.open_table(tables::ITEMS_TO_ACKNOWLEDGE)?;
            tx.open_table(tables::ACKNOWLEDGEMENTS)?;
            tx.open_table(tables::SURVEYS)?;
            tx.open_table(tables::SURVEY_ANSWERS)?;
            tx.open_table(tables::SURVEY_RESPONDENTS)?;
            tx.open_table(tables::FAVOURITES)?;
            tx.open_table(tables::JOB_PROFILES)?;
            tx.open_table(tables::COMMENTS_OPEN)?;
            tx.open_table(tables::COMMENTS)?;
            tx.open_table(tables::DISCUSSIONS)?;
            tx.open_table(tables::DISCUSSION_POSTS)?;
            tx.open_table(tables::DISCUSSION_FOLLOWERS)?;
            tx.open_table(tables::SHARED_LOG)?;
            tx.open_table(tables::UNION_SUBSCRIPTIONS)?;
            tx.open_table(tables::UNION_MESSAGES)?;
            tx.open_table(tables::MAIL_PENDING)?;
            tx.open_table(tables::MAIL_DONE)?;
            tx.open_table(tables::FEED_TOKENS)?;
            tx.open_table(tables::FEED_TOKEN_OF_LOGIN)?;
            shared::seed(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs blocking store work without stalling the async executor: in place
    /// on a multi-threaded runtime (`block_in_place` hands this worker's other
    /// tasks to another thread: cheap for the short transactions kiosque runs),
    /// on the blocking pool otherwise.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        use tokio::runtime::{Handle, RuntimeFlavor};
        if Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread) {
            return tokio::task::block_in_place(|| work(self));
        }
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Records that the change log reached `seq` (after a commit) and wakes
    /// whoever waits for it.
    fn committed(&self, seq: u64) {
        let previous = self.seq.fetch_max(seq, std::sync::atomic::Ordering::AcqRel);
        if seq > previous {
            self.changed.send_replace(seq);
        }
    }

    /// Follows the change log's last sequence number.
    pub fn watch_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The change log's last sequence number (from memory).
    pub fn current_seq(&self) -> u64 {
        self.seq.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The schema version recorded in the store.
    pub fn schema_version(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(tables::META)?;
        let value = meta.get("schema_version")?;
        value
            .map(|v| codec::u64_from(v.value()))
            .transpose()?
            .ok_or_else(|| StoreError::Invalid("no schema version".into()))
    }

    /// The random id of this store's history (changes when a hub is restored).
    pub fn epoch(&self) -> Result<String> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(tables::META)?;
        let value = meta.get("epoch")?;
        Ok(value
            .map(|v| v.value().iter().map(|b| format!("{b:02x}")).collect())
            .unwrap_or_default())
    }
}

/// Moves a store written with schema `from` to [`SCHEMA_VERSION`], inside the
/// opening transaction. Schema 1 is the first; later releases add steps here.
fn migrate(_tx: &redb::WriteTransaction, from: u64) -> Result<()> {
    Err(StoreError::Invalid(format!(
        "no migration from schema {from} to {SCHEMA_VERSION}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_newer_than_this_release_is_refused_with_a_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosque.redb");
        {
            let store = Store::open(&path).unwrap();
            let tx = store.db.begin_write().unwrap();
            {
                let mut meta = tx.open_table(tables::META).unwrap();
                meta.insert("schema_version", &99u64.to_be_bytes()[..])
                    .unwrap();
            }
            tx.commit().unwrap();
        }
        let err = Store::open(&path).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{msg}");
        assert!(msg.contains("install that newer release"), "{msg}");
    }

    #[test]
    fn a_new_store_has_the_current_schema_and_an_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.epoch().unwrap().len(), 32);
    }
}
