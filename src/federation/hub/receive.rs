//! The receiver of edges' writes: each delivered [`Envelope`] is applied once,
//! as its author, under the hub's own rules, and only with a valid grant of
//! that author for the calling edge. A replay is answered from `RECEIVED`;
//! items and reports take the id of the write's idempotency key, so even a
//! resend after a crash cannot make a twin.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{Hub, PeerEdge, body, internal};
use crate::content::WriteError;
use crate::domain::participation::Thread;
use crate::domain::{ItemId, Status};
use crate::federation::wire::{self, *};
use crate::store::Acceptance;

pub(super) async fn post_submission(
    peer: PeerEdge,
    State(hub): State<Arc<Hub>>,
    bytes: Bytes,
) -> Response {
    let envelope: Envelope = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    let key = envelope.key;
    match hub.store.run(move |store| store.receipt(key)).await {
        Ok(Some(stored)) => {
            return (
                [(header::CONTENT_TYPE, HeaderValue::from_static(CBOR))],
                stored,
            )
                .into_response();
        }
        Ok(None) => {}
        Err(e) => return internal(e),
    }
    let receipt = match apply(&hub, &peer, envelope).await {
        Ok(receipt) => receipt,
        Err(Failure::Refused(message)) => Receipt::Refused { message },
        Err(Failure::Internal(e)) => return internal(e),
    };
    let encoded = wire::encode(&receipt);
    let saved = encoded.clone();
    if let Err(e) = hub
        .store
        .run(move |store| store.put_receipt(key, &saved))
        .await
    {
        return internal(e);
    }
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CBOR))],
        encoded,
    )
        .into_response()
}

pub(super) enum Failure {
    /// Will never be accepted: the agent is told why.
    Refused(String),
    Internal(String),
}

impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Denied => {
                Failure::Refused("Vous n'avez pas le droit de faire cela sur l'intranet.".into())
            }
            WriteError::NotFound => {
                Failure::Refused("Ce contenu n'existe plus sur l'intranet.".into())
            }
            WriteError::Invalid(_) => Failure::Refused(
                "L'intranet principal a refusé ce contenu : il est incomplet ou incohérent.".into(),
            ),
            WriteError::Store(crate::store::StoreError::SlugTaken(_)) => {
                Failure::Refused("Une autre page utilise déjà cette adresse sur l'intranet.".into())
            }
            WriteError::Store(e) => Failure::Internal(e.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::Internal(e.to_string())
    }
}

/// Applies one delivered write as its author, under the hub's own rules.
pub(super) async fn apply(
    hub: &Arc<Hub>,
    peer: &PeerEdge,
    envelope: Envelope,
) -> Result<Receipt, Failure> {
    if let Err(why) = hub.check_grant(&envelope.grant, &peer.id, envelope.created) {
        tracing::warn!(edge = %peer.id, %why, "write refused: bad grant");
        return Err(Failure::Refused(
            "L'intranet principal n'a pas pu vérifier votre connexion sur cette borne : reconnectez-vous et recommencez."
                .into(),
        ));
    }
    let login = envelope.grant.login.clone();
    let user = hub
        .store
        .run(move |store| store.get_user(&login))
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| Failure::Refused("Votre compte n'est plus actif.".into()))?;
    // The hub's time for what it writes; the agent's for when they acted.
    let now = hub.clock.now();
    match envelope.submission {
        Submission::Create { draft, attachments } => {
            let mut stored = Vec::new();
            for attachment in attachments {
                let store = hub.store.clone();
                stored.push(
                    store
                        .run(move |s| s.put_blob(&attachment.bytes, &attachment.media_type))
                        .await?,
                );
            }
            let missing = draft
                .media
                .iter()
                .flat_map(|m| std::iter::once(m.hash).chain(m.thumbnail))
                .any(|h| !stored.contains(&h));
            if missing {
                return Err(Failure::Refused(
                    "Une photo de votre envoi n'est pas arrivée : recommencez depuis la borne."
                        .into(),
                ));
            }
            let id = ItemId::from_u128(envelope.key);
            let item = hub
                .content
                .create_delivered(&user, (*draft).into(), id, &hub.unions, now)
                .await?;
            Ok(Receipt::Accepted {
                pending: item.status == Status::Pending,
                item: Some(item.id),
            })
        }
        Submission::Report { item, reason } => {
            hub.content
                .report_delivered(&user, item, reason, envelope.key, now)
                .await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
        Submission::PhotoRemoval { item, photo } => {
            hub.content
                .request_photo_removal(&user, item, photo, now)
                .await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
        Submission::Subscription { union, subscribe } => {
            if !hub.unions.iter().any(|(slug, _)| slug == union.as_str()) {
                return Err(Failure::Refused(
                    "Ce syndicat n'existe plus sur l'intranet.".into(),
                ));
            }
            let (login, at) = (user.login.clone(), envelope.created);
            hub.store
                .run(move |store| store.set_subscription(&union, &login, subscribe, at))
                .await?;
            Ok(Receipt::Accepted {
                item: None,
                pending: false,
            })
        }
        Submission::CharterAcceptance { version } => {
            let (login, at) = (user.login.clone(), envelope.created);
            hub.store
                .run(move |store| store.accept_charter(&login, &Acceptance { version, at }))
                .await?;
            Ok(Receipt::Accepted {
                item: None,
                pending: false,
            })
        }
        Submission::Acknowledge { item } => {
            // When the agent tapped, not when it arrived; a replay keeps the first.
            hub.content
                .acknowledge(&user, item, envelope.created)
                .await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
        Submission::Answer { survey, values } => {
            // Open when the agent answered; a replay finds the "has answered"
            // flag and adds nothing. The answer's id is random, never the key.
            hub.content
                .answer_survey(&user, survey, values, rand::random(), envelope.created)
                .await?;
            Ok(Receipt::Accepted {
                item: None,
                pending: false,
            })
        }
        Submission::Favourite { item, on } => {
            hub.content.set_favourite(&user, item, on).await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
        // Comments and messages are judged at the time the agent wrote them
        // (open item, edit window), and take the write's key as their id.
        Submission::Comment { item, body } => {
            let comment = hub
                .content
                .new_comment(&user, item, envelope.key, &body, envelope.created)
                .await
                .map_err(|e| refusal(e, COMMENTS_CLOSED))?;
            hub.content
                .save_delivered_message(Thread::Comments, comment)
                .await?;
            Ok(accepted(Some(item)))
        }
        Submission::EditComment {
            item,
            comment,
            body,
        } => {
            let edited = hub
                .content
                .edited_message(
                    Thread::Comments,
                    &user,
                    (item, comment),
                    &body,
                    envelope.created,
                )
                .await
                .map_err(|e| refusal(e, EDIT_TOO_LATE))?;
            hub.content.save_message(Thread::Comments, edited).await?;
            Ok(accepted(Some(item)))
        }
        Submission::ReportComment {
            item,
            comment,
            reason,
        } => {
            hub.content
                .report_message(
                    Thread::Comments,
                    &user,
                    (item, comment),
                    &reason,
                    envelope.key,
                    now,
                )
                .await?;
            Ok(accepted(Some(item)))
        }
        Submission::Post { discussion, body } => {
            let post = hub
                .content
                .new_message(&user, discussion, envelope.key, &body, envelope.created)
                .await?;
            hub.content
                .save_delivered_message(Thread::Space, post)
                .await?;
            Ok(accepted(None))
        }
        Submission::EditPost {
            discussion,
            post,
            body,
        } => {
            let edited = hub
                .content
                .edited_message(
                    Thread::Space,
                    &user,
                    (ItemId::from_u128(discussion), post),
                    &body,
                    envelope.created,
                )
                .await
                .map_err(|e| refusal(e, EDIT_TOO_LATE))?;
            hub.content.save_message(Thread::Space, edited).await?;
            Ok(accepted(None))
        }
        Submission::ReportPost {
            discussion,
            post,
            reason,
        } => {
            hub.content
                .report_message(
                    Thread::Space,
                    &user,
                    (ItemId::from_u128(discussion), post),
                    &reason,
                    envelope.key,
                    now,
                )
                .await?;
            Ok(accepted(None))
        }
        Submission::Follow { discussion, on } => {
            hub.content.set_following(&user, discussion, on).await?;
            Ok(accepted(None))
        }
        Submission::JobProfile { profile } => {
            let login = user.login.clone();
            hub.store
                .run(move |store| store.put_job_profile(&login, &profile))
                .await?;
            Ok(accepted(None))
        }
    }
}

const COMMENTS_CLOSED: &str =
    "Les commentaires de cette publication sont fermés : votre commentaire n'a pas été publié.";
const EDIT_TOO_LATE: &str = "Le délai de 15 minutes pour modifier votre texte était passé : il reste tel qu'il avait été publié.";

/// A refusal that says why, for the rights a comment or message depends on.
fn refusal(e: WriteError, denied: &str) -> Failure {
    match e {
        WriteError::Denied => Failure::Refused(denied.into()),
        other => other.into(),
    }
}

fn accepted(item: Option<ItemId>) -> Receipt {
    Receipt::Accepted {
        item,
        pending: false,
    }
}
