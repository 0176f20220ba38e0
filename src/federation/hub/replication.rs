//! What the hub serves to copy it: the changes since an edge's cursors (items
//! and the shared log, long-polled) and the blobs they show.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Hub, PeerEdge, cbor, internal, problem};
use crate::domain::BlobHash;
use crate::federation::wire::Changes;

#[derive(Debug, Deserialize)]
pub(super) struct ChangesQuery {
    since: u64,
    /// Absent from an older edge, which does not copy shared records.
    shared_since: Option<u64>,
    #[serde(default = "default_limit")]
    limit: usize,
    #[serde(default)]
    wait: u64,
}

fn default_limit() -> usize {
    500
}

pub(super) async fn get_changes(
    peer: PeerEdge,
    State(hub): State<Arc<Hub>>,
    Query(query): Query<ChangesQuery>,
) -> Response {
    let since = query.since;
    let limit = query.limit.clamp(1, 5000);
    let wait = Duration::from_secs(query.wait.min(30));
    {
        let (id, version, now) = (peer.id.clone(), peer.version.clone(), hub.clock.now());
        if let Err(e) = hub
            .store
            .run(move |store| store.edge_contact(&id, now, since, &version))
            .await
        {
            return internal(e);
        }
    }
    // Nothing newer: wait for it. (An edge ahead of this hub, whose store was
    // replaced, gets an answer at once and starts over.)
    let shared_since = query.shared_since;
    let nothing_shared = shared_since.is_none_or(|s| hub.store.current_shared_seq() == s);
    if hub.store.current_seq() == since && nothing_shared && !wait.is_zero() {
        let (mut changes, mut shared) = (hub.store.watch_changes(), hub.store.watch_shared());
        let shared_after = shared_since.unwrap_or(u64::MAX);
        let _ = tokio::time::timeout(wait, async {
            tokio::select! {
                _ = changes.wait_for(|seq| *seq > since) => {}
                _ = shared.wait_for(|seq| *seq > shared_after) => {}
            }
        })
        .await;
        // Revoked while it waited: it gets nothing more.
        if !hub.is_enrolled(&peer.id) {
            return problem(StatusCode::FORBIDDEN, "this edge was revoked");
        }
    }
    let epoch = match hub.store.run(|store| store.epoch()).await {
        Ok(epoch) => epoch,
        Err(e) => return internal(e),
    };
    let (head, shared_head) = (hub.store.current_seq(), hub.store.current_shared_seq());
    let now = hub.clock.now();
    let read = hub
        .store
        .run(move |store| {
            let items = store.replicas_since(since, limit)?;
            let shared = match shared_since {
                Some(from) => store.shared_since(from, limit, now)?,
                None => (Vec::new(), 0),
            };
            Ok((items, shared))
        })
        .await;
    match read {
        Ok(((entries, cursor), (shared, shared_cursor))) => cbor(
            StatusCode::OK,
            &Changes {
                epoch,
                head: head.max(cursor),
                cursor,
                entries,
                shared,
                shared_cursor,
                shared_head: shared_head.max(shared_cursor),
            },
        ),
        Err(e) => internal(e),
    }
}

pub(super) async fn get_blob(
    _: PeerEdge,
    State(hub): State<Arc<Hub>>,
    Path(hash): Path<String>,
) -> Response {
    let Some(hash) = BlobHash::from_hex(&hash) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "a blob is named by its BLAKE3 hash in hex",
        );
    };
    match hub.store.run(move |store| store.get_blob(hash)).await {
        Ok(Some((bytes, media_type))) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            )],
            bytes,
        )
            .into_response(),
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such blob (or it was withdrawn)"),
        Err(e) => internal(e),
    }
}
