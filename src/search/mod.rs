//! Full-text search (tantivy), the only module that names tantivy. The index
//! is derived from the store and can be thrown away at any time: it is built
//! in the background on first start, kept up to date from the store's change
//! log, rebuilt by `kiosque reindex`, and a missing, corrupt or outdated index
//! is replaced by a new one instead of stopping the server.
//!
//! Invariant: the index only narrows the candidates. What a person is shown is
//! decided against the store at the instant of the request, with the domain's
//! [`may_find`](crate::domain::policy::may_find): a pending item only for its
//! author and webmasters, expired or withdrawn items for nobody. Union
//! subscriber lists are not items and never reach the index.

pub mod analysis;
mod document;
mod driver;
mod query;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tantivy::directory::MmapDirectory;
use tantivy::indexer::IndexWriter;
use tantivy::{Index, IndexReader, ReloadPolicy, Term};

use crate::domain::ItemId;
use crate::store::{Store, StoreError};
pub use document::{ANNUAIRE, plain_text};
use document::{Fields, indexable, item_doc, person_doc};
pub use driver::keep_up_to_date;
pub use query::{Excerpt, Group, Hit, Request, Results};

/// Bumped when the schema or the analysis changes: an index written by
/// another version is rebuilt.
const FORMAT: &str = "kiosque-search-1";

/// Items and people added between two commits of a full build.
const BUILD_BATCH: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the search index is busy")]
    Poisoned,
    #[error("search indexing stopped: the server is stopping")]
    Halted,
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// The search index: a cheap handle shared by the web handlers and the
/// background indexer.
#[derive(Clone)]
pub struct Search {
    inner: Arc<Inner>,
}

struct Inner {
    dir: Option<PathBuf>,
    reader: IndexReader,
    fields: Fields,
    index: Index,
    /// Held while writing: one writer at a time, made for each write and
    /// dropped after it (no indexing threads nor buffers kept while idle).
    writing: Mutex<()>,
    /// The last change-log entry the index reflects.
    indexed_seq: AtomicU64,
    /// A fingerprint of the people indexed, to skip unchanged annuaire refreshes.
    people: Mutex<String>,
    /// The index is complete (false until a full build finishes).
    complete: AtomicBool,
    /// The server is stopping: long work ends at the next batch.
    halted: AtomicBool,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("dir", &self.inner.dir)
            .field("indexed_seq", &self.indexed_seq())
            .finish()
    }
}

/// What a commit records beside the index, so a restart knows where it was.
struct Payload {
    seq: u64,
    people: String,
    complete: bool,
}

impl Payload {
    fn encode(&self) -> String {
        format!(
            "{FORMAT} seq={} people={} complete={}",
            self.seq, self.people, self.complete
        )
    }

    fn decode(raw: &str) -> Option<Payload> {
        let mut parts = raw.split(' ');
        if parts.next()? != FORMAT {
            return None;
        }
        let mut value = |name: &str| parts.next()?.strip_prefix(name).map(str::to_owned);
        Some(Payload {
            seq: value("seq=")?.parse().ok()?,
            people: value("people=")?,
            complete: value("complete=")? == "true",
        })
    }
}

/// The index's directory inside the data directory.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}

/// A writer for one piece of work: two threads for a full build, one for
/// the few documents of a catch-up. Little memory either way: a borne's box
/// is small and search must not slow the pages down.
fn writer_of(index: &Index, large: bool) -> Result<IndexWriter> {
    let threads = if large {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(2)
    } else {
        1
    };
    Ok(index.writer_with_num_threads(threads, threads * 20_000_000)?)
}

impl Search {
    /// Opens the index in `dir`. A missing, corrupt or outdated index is
    /// replaced by an empty one (reported by [`Search::is_complete`]); when the
    /// directory cannot be used at all, the index lives in memory. Never fails:
    /// search must not keep the intranet from starting.
    pub fn open(dir: &Path) -> Search {
        match Self::open_existing(dir) {
            Ok(Some(search)) => return search,
            Ok(None) => tracing::info!("no usable search index yet: it will be built"),
            Err(e) => {
                tracing::warn!(error = %e, dir = %dir.display(), "search index unreadable: it will be rebuilt")
            }
        }
        match Self::create(dir) {
            Ok(search) => search,
            Err(e) => {
                tracing::error!(error = %e, dir = %dir.display(), "cannot write the search index: it will live in memory until the next start");
                Self::in_memory()
            }
        }
    }

    fn open_existing(dir: &Path) -> Result<Option<Search>> {
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open(MmapDirectory::open(dir)?)?;
        let (schema, _) = Fields::schema();
        if index.schema() != schema {
            return Ok(None);
        }
        let Some(payload) = index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(Payload::decode)
        else {
            return Ok(None);
        };
        if !payload.complete {
            return Ok(None);
        }
        let search = Self::with_index(index, Some(dir.to_owned()))?;
        search
            .inner
            .indexed_seq
            .store(payload.seq, Ordering::Release);
        *search.people_lock()? = payload.people;
        search.inner.complete.store(true, Ordering::Release);
        // Opening reads every segment's metadata only; a damaged segment file
        // would show up at the first search. Touch each file now.
        search.probe()?;
        Ok(Some(search))
    }

    /// A new, empty index in `dir` (whatever was there is removed).
    pub fn create(dir: &Path) -> Result<Search> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let (schema, _) = Fields::schema();
        let index = Index::create_in_dir(dir, schema)?;
        Self::with_index(index, Some(dir.to_owned()))
    }

    /// A new, empty index in memory (tests, or a data directory that cannot
    /// be written).
    pub fn in_memory() -> Search {
        let (schema, _) = Fields::schema();
        let index = Index::create_in_ram(schema);
        match Self::with_index(index, None) {
            Ok(search) => search,
            // An in-memory index cannot fail to open.
            Err(e) => panic!("in-memory search index: {e}"),
        }
    }

    fn with_index(index: Index, dir: Option<PathBuf>) -> Result<Search> {
        index
            .tokenizers()
            .register(analysis::FRENCH, analysis::french());
        let (_, fields) = Fields::schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Search {
            inner: Arc::new(Inner {
                dir,
                reader,
                fields,
                index,
                writing: Mutex::new(()),
                indexed_seq: AtomicU64::new(0),
                people: Mutex::new(String::new()),
                complete: AtomicBool::new(false),
                halted: AtomicBool::new(false),
            }),
        })
    }

    /// Runs one search over every field so that a damaged file is found now.
    fn probe(&self) -> Result<()> {
        let searcher = self.inner.reader.searcher();
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.inner.fields.title, "kiosqu"),
            tantivy::schema::IndexRecordOption::WithFreqsAndPositions,
        );
        searcher.search(&query, &tantivy::collector::Count)?;
        // One stored document per segment: cheap, and enough to find a
        // truncated store file without reading it all at start.
        for segment in searcher.segment_readers() {
            if segment.max_doc() > 0 {
                segment
                    .get_store_reader(1)?
                    .get::<tantivy::TantivyDocument>(0)?;
            }
        }
        Ok(())
    }

    /// Runs `work` with a fresh writer, then lets the merges its commits
    /// started finish (so segments do not pile up) and drops the writer.
    fn write<T>(&self, large: bool, work: impl FnOnce(&mut IndexWriter) -> Result<T>) -> Result<T> {
        let _one_at_a_time = self
            .inner
            .writing
            .lock()
            .map_err(|_| SearchError::Poisoned)?;
        let mut writer = writer_of(&self.inner.index, large)?;
        let out = work(&mut writer)?;
        writer.wait_merging_threads()?;
        self.inner.reader.reload()?;
        Ok(out)
    }

    fn people_lock(&self) -> Result<std::sync::MutexGuard<'_, String>> {
        self.inner.people.lock().map_err(|_| SearchError::Poisoned)
    }

    /// Asks a running build or catch-up to stop at its next batch (the
    /// server is stopping and the store must be released).
    pub fn halt(&self) {
        self.inner.halted.store(true, Ordering::Release);
    }

    fn check_halted(&self) -> Result<()> {
        if self.inner.halted.load(Ordering::Acquire) {
            Err(SearchError::Halted)
        } else {
            Ok(())
        }
    }

    /// Whether a full build has completed (results may be partial before).
    pub fn is_complete(&self) -> bool {
        self.inner.complete.load(Ordering::Acquire)
    }

    /// The last change-log entry the index reflects.
    pub fn indexed_seq(&self) -> u64 {
        self.inner.indexed_seq.load(Ordering::Acquire)
    }

    /// Documents in the index (items and people).
    pub fn doc_count(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Bytes the index takes on disk (0 in memory).
    pub fn size_on_disk(&self) -> u64 {
        fn walk(dir: &Path) -> u64 {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        }
        self.inner.dir.as_deref().map(walk).unwrap_or(0)
    }

    fn commit(&self, writer: &mut IndexWriter, payload: &Payload) -> Result<()> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload.encode());
        prepared.commit()?;
        self.inner.reader.reload()?;
        Ok(())
    }

    /// Indexes everything from scratch: every item anyone may find and every
    /// active person of the annuaire. Searches keep working on what is
    /// committed so far. `progress` hears (done, total) after each batch.
    /// Blocking: call from a blocking thread.
    pub fn build(&self, store: &Store, progress: &mut dyn FnMut(u64, u64)) -> Result<BuildReport> {
        let started = Instant::now();
        self.inner.complete.store(false, Ordering::Release);
        let seq = store.latest_seq()?;
        let total = store.item_count()?;
        let fields = self.inner.fields;
        let (indexed, done, people, fingerprint) = self.write(true, |writer| {
            writer.delete_all_documents()?;
            let mut after: Option<ItemId> = None;
            let (mut done, mut indexed, mut since_commit) = (0u64, 0u64, 0usize);
            loop {
                self.check_halted()?;
                let batch = store.items_after(after, 1_000)?;
                let Some(last) = batch.last() else {
                    break;
                };
                after = Some(last.id);
                for item in &batch {
                    done += 1;
                    if indexable(item) {
                        writer.add_document(item_doc(&fields, item))?;
                        indexed += 1;
                        since_commit += 1;
                    }
                }
                if since_commit >= BUILD_BATCH {
                    since_commit = 0;
                    let partial = Payload {
                        seq: 0,
                        people: String::new(),
                        complete: false,
                    };
                    self.commit(writer, &partial)?;
                    progress(done, total);
                }
            }
            let (people, fingerprint) = active_people(store)?;
            for user in &people {
                writer.add_document(person_doc(&fields, user))?;
            }
            let payload = Payload {
                seq,
                people: fingerprint.clone(),
                complete: true,
            };
            self.commit(writer, &payload)?;
            Ok((indexed, done, people, fingerprint))
        })?;
        progress(done, total);
        self.inner.indexed_seq.store(seq, Ordering::Release);
        *self.people_lock()? = fingerprint;
        self.inner.complete.store(true, Ordering::Release);
        Ok(BuildReport {
            items: indexed,
            people: people.len() as u64,
            elapsed: started.elapsed(),
            bytes: self.size_on_disk(),
        })
    }

    /// Applies the change log since the last indexed entry: each changed item
    /// is removed and, if someone may still find it, added again. Returns how
    /// many changes were applied. Blocking.
    pub fn catch_up(&self, store: &Store) -> Result<usize> {
        let fields = self.inner.fields;
        let mut applied = 0;
        loop {
            self.check_halted()?;
            let since = self.indexed_seq();
            let changes = store.changes_since(since, 1_000)?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                return Ok(applied);
            };
            let mut ids: Vec<ItemId> = changes.iter().map(|c| c.id).collect();
            ids.sort();
            ids.dedup();
            let payload = Payload {
                seq: last,
                people: self.people_lock()?.clone(),
                complete: self.is_complete(),
            };
            self.write(false, |writer| {
                for id in ids {
                    writer.delete_term(Term::from_field_text(fields.key, &format!("i:{id}")));
                    if let Some(item) = store.get_item(id)?
                        && indexable(&item)
                    {
                        writer.add_document(item_doc(&fields, &item))?;
                    }
                }
                self.commit(writer, &payload)
            })?;
            self.inner.indexed_seq.store(last, Ordering::Release);
            applied += changes.len();
        }
    }

    /// Re-indexes the annuaire when the people in the store changed since the
    /// last time (the directory refreshes them on its own schedule). Returns
    /// whether anything was re-indexed. Blocking.
    pub fn refresh_people(&self, store: &Store) -> Result<bool> {
        let (people, fingerprint) = active_people(store)?;
        if *self.people_lock()? == fingerprint {
            return Ok(false);
        }
        let fields = self.inner.fields;
        let payload = Payload {
            seq: self.indexed_seq(),
            people: fingerprint.clone(),
            complete: self.is_complete(),
        };
        self.write(false, |writer| {
            writer.delete_term(Term::from_field_text(fields.space, ANNUAIRE));
            for user in &people {
                writer.add_document(person_doc(&fields, user))?;
            }
            self.commit(writer, &payload)
        })?;
        *self.people_lock()? = fingerprint;
        Ok(true)
    }
}

/// What a full build did.
#[derive(Clone, Debug)]
pub struct BuildReport {
    pub items: u64,
    pub people: u64,
    pub elapsed: Duration,
    pub bytes: u64,
}

/// The annuaire's active people and a fingerprint of what is indexed of them.
fn active_people(store: &Store) -> Result<(Vec<crate::domain::User>, String)> {
    let mut people = store.all_users()?;
    people.retain(|u| !u.disabled);
    people.sort_by(|a, b| a.login.cmp(&b.login));
    let mut hasher = blake3::Hasher::new();
    for user in &people {
        for part in [
            user.login.as_str(),
            &user.given_name,
            &user.surname,
            &user.service,
            &user.function,
            &user.direction,
        ] {
            hasher.update(part.as_bytes());
            hasher.update(&[0]);
        }
    }
    Ok((people, hasher.finalize().to_hex()[..16].to_owned()))
}

#[cfg(test)]
mod tests;
