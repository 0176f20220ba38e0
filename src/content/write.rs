//! Publishing operations: every change to content goes through here, asks the
//! rights policy, writes through the store (change log included), tells the
//! author, and records moderation in the audit log.

use jiff::Timestamp;

use super::Content;
use crate::domain::policy::{Action, Decision, decide};
use crate::domain::{BlobHash, Details, Item, ItemId, Kind, Media, Role, Space, Status, User};
use crate::store::{AuditEntry, Notice, NoticeKind, Report, ReportKind, Store, StoreError};

/// What an author submits (new item or edit).
#[derive(Debug, Clone)]
pub struct Draft {
    pub space: Space,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub details: Details,
    pub publish_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub media: Vec<Media>,
    pub signage: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("not allowed")]
    Denied,
    #[error("not found")]
    NotFound,
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, WriteError>;

fn random_id(now: Timestamp) -> ItemId {
    ItemId::new(now, rand::random::<u128>() >> 48)
}

/// An audit entry about `item` (what webmasters and moderators do to content
/// that is not theirs).
pub(super) fn audit(
    store: &Store,
    at: Timestamp,
    actor: &User,
    action: &str,
    item: &Item,
    before: &str,
    after: &str,
) -> std::result::Result<(), StoreError> {
    store.audit(&AuditEntry {
        at,
        actor: actor.login.clone(),
        action: action.to_owned(),
        target: format!("{} « {} »", item.id, item.title),
        before: before.to_owned(),
        after: after.to_owned(),
    })
}

impl Content {
    /// The name shown as author: the union's for union spaces.
    fn author_name(&self, user: &User, space: &Space, unions: &[(String, String)]) -> String {
        match space {
            Space::Syndicat(slug) => unions
                .iter()
                .find(|(s, _)| s == slug.as_str())
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| user.display_name()),
            _ => user.display_name(),
        }
    }

    /// Creates an item: published directly or proposed, as the policy says.
    pub async fn create(
        &self,
        user: &User,
        draft: Draft,
        unions: &[(String, String)],
        now: Timestamp,
    ) -> Result<Item> {
        let item = self.new_item(user, draft, random_id(now), unions, now)?;
        let saved = item.clone();
        self.store()
            .run(move |store| store.put_items(&[saved]))
            .await?;
        // Job offers by profile (issue 11).
        self.notify_matching_job(&item, now).await?;
        Ok(item)
    }

    /// Creates an item sent by an edge under the id its idempotency key
    /// gives: delivered twice, it is created once (the second delivery
    /// returns the stored item).
    pub async fn create_delivered(
        &self,
        user: &User,
        draft: Draft,
        id: ItemId,
        unions: &[(String, String)],
        now: Timestamp,
    ) -> Result<Item> {
        let item = self.new_item(user, draft, id, unions, now)?;
        let saved = item.clone();
        let created = self
            .store()
            .run(move |store| store.put_new_item(&saved))
            .await?;
        if created {
            self.notify_matching_job(&item, now).await?;
            return Ok(item);
        }
        self.store()
            .run(move |store| store.get_item(id))
            .await?
            .ok_or(WriteError::NotFound)
    }

    fn new_item(
        &self,
        user: &User,
        draft: Draft,
        id: ItemId,
        unions: &[(String, String)],
        now: Timestamp,
    ) -> Result<Item> {
        let kind = draft.details.kind();
        let decision = decide(
            user,
            &Action::Create {
                space: draft.space.clone(),
                kind,
            },
            None,
        );
        let status = match decision {
            Decision::Publish => Status::Published,
            Decision::Propose => Status::Pending,
            _ => return Err(WriteError::Denied),
        };
        let author_name = self.author_name(user, &draft.space, unions);
        let mut item = Item {
            id,
            space: draft.space,
            title: draft.title,
            summary: draft.summary,
            body: draft.body,
            author: user.login.clone(),
            author_name,
            status,
            created: now,
            updated: now,
            publish_at: draft.publish_at,
            expires_at: draft.expires_at,
            version: 1,
            media: draft.media,
            // Only those who publish may put something on the bornes' screens.
            signage: draft.signage && decision == Decision::Publish,
            details: draft.details,
            acknowledgement: None,
        };
        // A proposal's 30 days are set when it is validated.
        if kind == Kind::Annonce && item.expires_at.is_none() && item.status == Status::Published {
            item.expires_at = Some(Item::annonce_expiry(item.publish_at.unwrap_or(now)));
        }
        item.check()
            .map_err(|_| WriteError::Invalid("incoherent"))?;
        Ok(item)
    }

    async fn load(&self, id: ItemId) -> Result<Item> {
        self.store()
            .run(move |store| store.get_item(id))
            .await?
            .filter(|i| i.status != Status::Deleted)
            .ok_or(WriteError::NotFound)
    }

    /// An item for its edit form, if the user may edit it.
    pub async fn editable(&self, user: &User, id: ItemId) -> Result<Item> {
        let item = self.load(id).await?;
        if !decide(user, &Action::Edit, Some(&item)).allowed() {
            return Err(WriteError::Denied);
        }
        Ok(item)
    }

    /// Edits an item. An agent's edit of a proposal or an annonce goes (back) to
    /// the queue; a publisher's or manager's stays published.
    pub async fn update(
        &self,
        user: &User,
        id: ItemId,
        draft: Draft,
        now: Timestamp,
    ) -> Result<Item> {
        let old = self.load(id).await?;
        let decision = decide(user, &Action::Edit, Some(&old));
        let status = match decision {
            Decision::Publish => old.status.clone(),
            Decision::Propose => Status::Pending,
            _ => return Err(WriteError::Denied),
        };
        if draft.space != old.space || draft.details.kind() != old.kind() {
            return Err(WriteError::Invalid("space"));
        }
        let mut item = old.clone();
        item.title = draft.title;
        item.summary = draft.summary;
        item.body = draft.body;
        item.details = draft.details;
        item.publish_at = draft.publish_at;
        if draft.expires_at.is_some() || old.kind() != Kind::Annonce {
            item.expires_at = draft.expires_at;
        }
        item.media = draft.media;
        item.signage = draft.signage && decision == Decision::Publish;
        item.status = status;
        item.updated = now;
        item.version = old.version + 1;
        item.check()
            .map_err(|_| WriteError::Invalid("incoherent"))?;
        let (saved, actor, other) = (item.clone(), user.clone(), old.author != user.login);
        self.store()
            .run(move |store| {
                store.put_items(std::slice::from_ref(&saved))?;
                if other {
                    audit(
                        store,
                        now,
                        &actor,
                        "modification",
                        &saved,
                        &old.title,
                        &saved.title,
                    )?;
                }
                Ok(())
            })
            .await?;
        Ok(item)
    }

    /// Withdraws or deletes an item (a tombstone stays, so deletions replicate).
    pub async fn delete(&self, user: &User, id: ItemId, now: Timestamp) -> Result<Item> {
        let old = self.load(id).await?;
        if !decide(user, &Action::Delete, Some(&old)).allowed() {
            return Err(WriteError::Denied);
        }
        let mut item = old.clone();
        item.status = Status::Deleted;
        item.updated = now;
        item.version += 1;
        let (saved, actor) = (item.clone(), user.clone());
        self.store()
            .run(move |store| {
                store.put_items(std::slice::from_ref(&saved))?;
                if saved.author != actor.login {
                    audit(
                        store,
                        now,
                        &actor,
                        "suppression",
                        &saved,
                        old.status.key(),
                        "deleted",
                    )?;
                    store.add_notice(
                        &saved.author,
                        &Notice {
                            at: now,
                            item: saved.id,
                            title: saved.title.clone(),
                            kind: NoticeKind::Removed,
                            read: false,
                        },
                    )?;
                }
                Ok(())
            })
            .await?;
        Ok(item)
    }

    /// Validates (`reason = None`) or rejects a proposal; the author is told.
    pub async fn moderate(
        &self,
        user: &User,
        id: ItemId,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<Item> {
        let old = self.load(id).await?;
        if !decide(user, &Action::Moderate, Some(&old)).allowed() {
            return Err(WriteError::Denied);
        }
        let mut item = old.clone();
        let (status, kind, action) = match reason {
            None => (Status::Published, NoticeKind::Validated, "validation"),
            Some(reason) if reason.trim().is_empty() => return Err(WriteError::Invalid("reason")),
            Some(reason) => (
                Status::Rejected {
                    reason: reason.clone(),
                },
                NoticeKind::Rejected { reason },
                "refus",
            ),
        };
        item.status = status;
        item.updated = now;
        item.version += 1;
        if item.kind() == Kind::Annonce && item.status == Status::Published {
            // An annonce's 30 days start when it goes online (now, or its
            // scheduled date); an earlier end chosen by its author stays.
            let online = item.publish_at.map_or(now, |p| p.max(now));
            let default = Item::annonce_expiry(online);
            item.expires_at = Some(item.expires_at.map_or(default, |own| own.min(default)));
        }
        let (saved, actor) = (item.clone(), user.clone());
        self.store()
            .run(move |store| {
                store.put_items(std::slice::from_ref(&saved))?;
                let after = match &saved.status {
                    Status::Rejected { reason } => format!("refusée : {reason}"),
                    other => other.key().to_owned(),
                };
                audit(store, now, &actor, action, &saved, "pending", &after)?;
                store.add_notice(
                    &saved.author,
                    &Notice {
                        at: now,
                        item: saved.id,
                        title: saved.title.clone(),
                        kind,
                        read: false,
                    },
                )
            })
            .await?;
        Ok(item)
    }

    /// Renews an annonce for 30 days from now.
    pub async fn renew(&self, user: &User, id: ItemId, now: Timestamp) -> Result<Item> {
        let old = self.load(id).await?;
        if !decide(user, &Action::Renew, Some(&old)).allowed() {
            return Err(WriteError::Denied);
        }
        // The journal shows the end dates (UTC days: precise enough here).
        let day = |end: Option<Timestamp>| {
            end.map_or_else(
                || "aucune".to_owned(),
                |t| t.strftime("%d/%m/%Y").to_string(),
            )
        };
        let before = day(old.expires_at);
        let mut item = old;
        item.expires_at = Some(Item::annonce_expiry(now));
        item.updated = now;
        item.version += 1;
        let (saved, actor) = (item.clone(), user.clone());
        self.store()
            .run(move |store| {
                store.put_items(std::slice::from_ref(&saved))?;
                if saved.author != actor.login {
                    let after = day(saved.expires_at);
                    audit(store, now, &actor, "prolongation", &saved, &before, &after)?;
                }
                Ok(())
            })
            .await?;
        Ok(item)
    }

    /// Reports an item to the webmasters.
    pub async fn report(
        &self,
        user: &User,
        id: ItemId,
        reason: String,
        now: Timestamp,
    ) -> Result<Report> {
        let report_id = ulid::Ulid::from_parts(
            u64::try_from(now.as_millisecond()).unwrap_or(0),
            rand::random(),
        )
        .0;
        self.report_delivered(user, id, reason, report_id, now)
            .await
    }

    /// Records a report under a given id (an edge's idempotency key): a
    /// second delivery finds it and adds nothing.
    pub async fn report_delivered(
        &self,
        user: &User,
        id: ItemId,
        reason: String,
        report_id: u128,
        now: Timestamp,
    ) -> Result<Report> {
        let item = self.load(id).await?;
        if !decide(user, &Action::Report, Some(&item)).allowed() {
            return Err(WriteError::Denied);
        }
        if reason.trim().is_empty() {
            return Err(WriteError::Invalid("reason"));
        }
        let report = Report {
            id: report_id,
            at: now,
            item: id,
            by: user.login.clone(),
            kind: ReportKind::Content { reason },
            closed: None,
        };
        Ok(self
            .store()
            .run(move |store| {
                if let Some(existing) = store.get_report(report_id)? {
                    return Ok(existing);
                }
                store.add_report(&report)?;
                Ok(report)
            })
            .await?)
    }

    /// "I am in this photo and did not agree": hidden at once, pending a webmaster.
    pub async fn request_photo_removal(
        &self,
        user: &User,
        id: ItemId,
        photo: BlobHash,
        now: Timestamp,
    ) -> Result<()> {
        let old = self.load(id).await?;
        if !decide(user, &Action::RequestPhotoRemoval, Some(&old)).allowed() {
            return Err(WriteError::Denied);
        }
        let mut item = old;
        let media = item
            .media
            .iter_mut()
            .find(|m| m.hash == photo)
            .ok_or(WriteError::NotFound)?;
        if media.hidden {
            // Already asked (a second delivery of the same request): nothing to add.
            return Ok(());
        }
        media.hidden = true;
        let blobs: Vec<BlobHash> = std::iter::once(media.hash).chain(media.thumbnail).collect();
        item.updated = now;
        item.version += 1;
        let by = user.login.clone();
        self.store()
            .run(move |store| {
                store.put_items(std::slice::from_ref(&item))?;
                // Hidden everywhere at once, direct addresses included.
                store.block_blobs(&blobs, true)?;
                store.new_report(now, id, by, ReportKind::Photo { media: photo })?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// A webmaster removes a photo for good, or puts a hidden one back.
    pub async fn decide_photo(
        &self,
        user: &User,
        id: ItemId,
        photo: BlobHash,
        remove: bool,
        now: Timestamp,
    ) -> Result<()> {
        let old = self.load(id).await?;
        if !decide(user, &Action::RemovePhoto, Some(&old)).allowed() {
            return Err(WriteError::Denied);
        }
        let mut item = old.clone();
        let found = item
            .media
            .iter()
            .find(|m| m.hash == photo)
            .ok_or(WriteError::NotFound)?;
        let blobs: Vec<BlobHash> = std::iter::once(found.hash).chain(found.thumbnail).collect();
        if remove {
            item.media.retain(|m| m.hash != photo);
        } else if let Some(media) = item.media.iter_mut().find(|m| m.hash == photo) {
            media.hidden = false;
        }
        item.updated = now;
        item.version += 1;
        let actor = user.clone();
        self.store()
            .run(move |store| {
                store.put_items(std::slice::from_ref(&item))?;
                store.block_blobs(&blobs, remove)?;
                let action = if remove {
                    "retrait de photo"
                } else {
                    "photo rétablie"
                };
                audit(store, now, &actor, action, &item, "", &photo.to_hex()[..12])?;
                if remove {
                    store.add_notice(
                        &item.author,
                        &Notice {
                            at: now,
                            item: id,
                            title: item.title.clone(),
                            kind: NoticeKind::PhotoRemoved,
                            read: false,
                        },
                    )?;
                }
                for mut report in store.open_reports()? {
                    if report.item == id
                        && matches!(report.kind, ReportKind::Photo { media } if media == photo)
                    {
                        report.closed = Some((now, actor.login.clone()));
                        store.add_report(&report)?;
                    }
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Closes a content report (after the webmaster acted on it or not).
    pub async fn close_report(&self, user: &User, report: u128, now: Timestamp) -> Result<()> {
        if !user.has(&Role::Webmaster) {
            return Err(WriteError::Denied);
        }
        let actor = user.clone();
        self.store()
            .run(move |store| {
                let Some(mut report) = store.get_report(report)? else {
                    return Ok(false);
                };
                report.closed = Some((now, actor.login.clone()));
                store.add_report(&report)?;
                store.audit(&AuditEntry {
                    at: now,
                    actor: actor.login.clone(),
                    action: "signalement traité".into(),
                    target: report.item.to_string(),
                    before: String::new(),
                    after: String::new(),
                })?;
                Ok(true)
            })
            .await?
            .then_some(())
            .ok_or(WriteError::NotFound)
    }
}
