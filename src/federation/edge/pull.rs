//! Keeping the edge's copy: catch-up in batches, then long-polls on both of
//! the hub's logs (items and the shared log), with the photos each batch
//! shows, applied with the cursors in one transaction.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;

use super::{BATCH, Backoff, EdgeError, EdgeLink, LONG_POLL_SECONDS, error_chain};
use crate::domain::{BlobHash, Item};
use crate::federation::wire::{Changes, VERSION_HEADER};
use crate::store::{Replica, ReplicaBatch};

impl EdgeLink {
    /// Keeps the replica up to date until `stop`: catch-up in batches, then
    /// long-polls; backs off (capped) while the hub is unreachable.
    pub async fn pull(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut backoff = Backoff::new(self.retry_max);
        tracing::info!(
            "replica at cursor {}",
            self.status.cursor.load(Ordering::Relaxed)
        );
        loop {
            let step = tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                step = self.pull_once() => step,
            };
            match step {
                Ok(()) => backoff.reset(),
                Err(e) => {
                    tracing::debug!(error = %e, "replication paused");
                    tokio::select! {
                        _ = stop.wait_for(|s| *s) => return,
                        _ = tokio::time::sleep(backoff.next()) => {}
                    }
                }
            }
        }
    }

    /// One request for changes, applied.
    pub async fn pull_once(&self) -> Result<(), EdgeError> {
        let store = self.store.clone();
        let (cursor, shared_cursor, epoch) = store
            .run(|s| {
                let (cursor, epoch) = s.replica_cursor()?;
                Ok((cursor, s.shared_cursor()?, epoch))
            })
            .await?;
        let head = self.status.head.load(Ordering::Relaxed);
        let shared_head = self.status.shared_head.load(Ordering::Relaxed);
        let caught_up = cursor >= head && shared_cursor >= shared_head;
        let wait = if caught_up { LONG_POLL_SECONDS } else { 0 };
        let changes: Changes = self
            .call(self.client.get(self.url(&format!(
                "changes?since={cursor}&shared_since={shared_cursor}&limit={BATCH}&wait={wait}"
            ))))
            .await?;
        if changes.epoch != epoch
            || changes.cursor < cursor
            || changes.head < cursor
            || changes.shared_head < shared_cursor
        {
            if !epoch.is_empty() {
                tracing::warn!(
                    "the hub's history changed (restored from a backup?): starting the copy over"
                );
            }
            let (epoch, now) = (changes.epoch.clone(), self.clock.now());
            store.run(move |s| s.reset_replica(&epoch, now)).await?;
            self.status.cursor.store(0, Ordering::Relaxed);
            self.status.head.store(changes.head, Ordering::Relaxed);
            self.status
                .shared_head
                .store(changes.shared_head, Ordering::Relaxed);
            return Ok(());
        }
        let blobs = self.fetch_blobs(&changes.entries).await?;
        let batch = ReplicaBatch {
            entries: changes.entries,
            blobs,
            cursor: changes.cursor,
            shared: changes.shared,
            shared_cursor: changes.shared_cursor.max(shared_cursor),
        };
        let now = self.clock.now();
        let count = batch.entries.len();
        store.run(move |s| s.apply_replicas(&batch, now)).await?;
        self.status.cursor.store(changes.cursor, Ordering::Relaxed);
        self.status.head.store(changes.head, Ordering::Relaxed);
        self.status
            .shared_head
            .store(changes.shared_head, Ordering::Relaxed);
        // Progress of a catch-up, batch by batch, in the log (and on the
        // administrator's page through the status).
        let behind = changes.cursor < changes.head;
        let was_behind = self.status.catching_up.swap(behind, Ordering::Relaxed);
        if count > 0 && (behind || was_behind || cursor == 0) {
            tracing::info!(
                "catch-up {}/{} ({} %)",
                changes.cursor,
                changes.head,
                changes.cursor * 100 / changes.head.max(1)
            );
        }
        Ok(())
    }

    /// The photos a batch shows that this edge does not have yet, verified.
    async fn fetch_blobs(
        &self,
        entries: &[Replica],
    ) -> Result<Vec<(BlobHash, String, Vec<u8>)>, EdgeError> {
        let wanted: Vec<BlobHash> = entries
            .iter()
            .filter_map(|e| match e {
                Replica::Item(item) => Some(item.as_ref()),
                Replica::Gone { .. } => None,
            })
            .flat_map(|item: &Item| {
                item.media
                    .iter()
                    .filter(|m| !m.hidden)
                    .flat_map(|m| std::iter::once(m.hash).chain(m.thumbnail))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut out = Vec::new();
        for hash in wanted {
            let store = self.store.clone();
            if store.run(move |s| s.has_blob(hash)).await? {
                continue;
            }
            let response = self
                .client
                .get(self.url(&format!("blobs/{}", hash.to_hex())))
                .header(VERSION_HEADER, env!("CARGO_PKG_VERSION"))
                .send()
                .await
                .map_err(|e| EdgeError::Unreachable(error_chain(&e)))?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                // Withdrawn on the hub meanwhile: the next change says so.
                continue;
            }
            if !response.status().is_success() {
                return Err(EdgeError::Unreachable(format!(
                    "blob {}: HTTP {}",
                    hash.to_hex(),
                    response.status()
                )));
            }
            let media_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| EdgeError::Unreachable(e.to_string()))?;
            if blake3::hash(&bytes).as_bytes() != &hash.0 {
                return Err(EdgeError::BadAnswer(format!(
                    "blob {} does not match its hash",
                    hash.to_hex()
                )));
            }
            out.push((hash, media_type, bytes.to_vec()));
        }
        Ok(out)
    }
}
