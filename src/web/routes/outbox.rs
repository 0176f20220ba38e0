//! On an edge, agents' writes leave through the outbox: one place that
//! queues them (durable when it returns) and turns its errors into pages.

use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::{BlobHash, User};
use crate::federation::EdgeLink;
use crate::federation::edge::SubmitError;
use crate::federation::wire::{Attachment, DraftMessage, Submission};
use crate::web::{AppState, WebError};

/// On an edge: the new item goes to the outbox with its photos' bytes; the
/// hub creates it (published or proposed, by its own rules).
pub async fn queue_creation(
    state: &AppState,
    edge: &EdgeLink,
    user: &User,
    draft: crate::content::Draft,
) -> Result<Response, WebError> {
    let hashes: Vec<BlobHash> = draft
        .media
        .iter()
        .flat_map(|m| std::iter::once(m.hash).chain(m.thumbnail))
        .collect();
    let attachments = state
        .content
        .store()
        .run(move |store| {
            let mut out = Vec::new();
            for hash in hashes {
                if let Some((bytes, media_type)) = store.get_blob(hash)? {
                    out.push(Attachment { media_type, bytes });
                }
            }
            Ok(out)
        })
        .await?;
    let label = draft.title.clone();
    let submission = Submission::Create {
        draft: Box::new(DraftMessage::from(draft)),
        attachments,
    };
    queue(edge, user, label, submission)?;
    Ok(Redirect::to("/mes-publications?attente=1").into_response())
}

/// On an edge, the texts `user` wrote that still wait for the hub and that
/// `pick` keeps (comments under one item, messages of one space…), oldest
/// first; none on the hub.
pub async fn waiting(
    state: &AppState,
    user: &User,
    pick: impl Fn(Submission) -> Option<String> + Send + 'static,
) -> Result<Vec<String>, WebError> {
    let Some(edge) = &state.federation.edge else {
        return Ok(Vec::new());
    };
    let (edge, login) = (edge.clone(), user.login.clone());
    Ok(state
        .content
        .store()
        .run(move |_| {
            Ok(edge
                .queued_by(&login)?
                .into_iter()
                .filter_map(pick)
                .collect())
        })
        .await?)
}

/// Puts a write in the edge's outbox (durable when this returns).
pub fn queue(
    edge: &EdgeLink,
    user: &User,
    label: String,
    submission: Submission,
) -> Result<u128, WebError> {
    edge.submit(&user.login, label, submission)
        .map_err(|e| match e {
            SubmitError::NoGrant => WebError::SignInRequired,
            SubmitError::Store(e) => e.into(),
        })
}
