//! Comments under actus and events (issue 11): opened per item by its author
//! or a webmaster, reported with the charter's report mechanism, removed by
//! webmasters (audited), edited by their author within 15 minutes.

use jiff::Timestamp;

use super::Content;
use super::write::WriteError;
use crate::domain::participation::{Comment, comment_text};
use crate::domain::policy::{Action, decide};
use crate::domain::{Item, ItemId, User};
use crate::store::{AuditEntry, ReportKind};

type Result<T> = std::result::Result<T, WriteError>;

/// Whether an item's comments are open, and its comments (oldest first).
#[derive(Debug, Clone, Default)]
pub struct Comments {
    pub open: bool,
    pub list: Vec<Comment>,
}

impl Content {
    pub async fn comments(&self, item: ItemId) -> Result<Comments> {
        Ok(self
            .store()
            .run(move |store| {
                Ok(Comments {
                    open: store.comments_open(item)?,
                    list: store.comments_of(item)?,
                })
            })
            .await?)
    }

    async fn item_or_missing(&self, id: ItemId) -> Result<Item> {
        self.store()
            .run(move |store| store.get_item(id))
            .await?
            .ok_or(WriteError::NotFound)
    }

    /// Opens or closes an item's comments.
    pub async fn set_comments_open(&self, user: &User, id: ItemId, open: bool) -> Result<Item> {
        let item = self.item_or_missing(id).await?;
        if !decide(user, &Action::ToggleComments, Some(&item)).allowed() {
            return Err(WriteError::Denied);
        }
        self.store()
            .run(move |store| store.set_comments_open(id, open))
            .await?;
        Ok(item)
    }

    pub async fn add_comment(
        &self,
        user: &User,
        id: ItemId,
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        let item = self.item_or_missing(id).await?;
        let open = self.store().run(move |s| s.comments_open(id)).await?;
        if !item.is_visible_at(now)
            || !decide(user, &Action::Comment { open }, Some(&item)).allowed()
        {
            return Err(WriteError::Denied);
        }
        let body = comment_text(body).map_err(WriteError::Invalid)?;
        let comment = Comment {
            id: ulid::Ulid::from_parts(
                u64::try_from(now.as_millisecond()).unwrap_or(0),
                rand::random(),
            )
            .0,
            item: id,
            author: user.login.clone(),
            author_name: user.display_name(),
            body,
            at: now,
            edited: None,
            removed: false,
        };
        let saved = comment.clone();
        self.store().run(move |s| s.put_comment(&saved)).await?;
        Ok(comment)
    }

    async fn comment_or_missing(&self, item: ItemId, id: u128) -> Result<Comment> {
        self.store()
            .run(move |s| s.get_comment(item, id))
            .await?
            .ok_or(WriteError::NotFound)
    }

    /// A comment its author may still edit at `now`.
    pub async fn editable_comment(
        &self,
        user: &User,
        item: ItemId,
        id: u128,
        now: Timestamp,
    ) -> Result<Comment> {
        let comment = self.comment_or_missing(item, id).await?;
        let action = Action::EditComment {
            author: comment.author.clone(),
            within_window: comment.within_edit_window(now),
        };
        if !decide(user, &action, None).allowed() {
            return Err(WriteError::Denied);
        }
        Ok(comment)
    }

    pub async fn edit_comment(
        &self,
        user: &User,
        item: ItemId,
        id: u128,
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        let mut comment = self.editable_comment(user, item, id, now).await?;
        comment.body = comment_text(body).map_err(WriteError::Invalid)?;
        comment.edited = Some(now);
        let saved = comment.clone();
        self.store().run(move |s| s.put_comment(&saved)).await?;
        Ok(comment)
    }

    /// A webmaster removes a comment (its text is no longer shown); audited.
    pub async fn remove_comment(
        &self,
        user: &User,
        item: ItemId,
        id: u128,
        now: Timestamp,
    ) -> Result<()> {
        if !decide(user, &Action::RemoveComment, None).allowed() {
            return Err(WriteError::Denied);
        }
        let mut comment = self.comment_or_missing(item, id).await?;
        let before = std::mem::take(&mut comment.body);
        comment.removed = true;
        let actor = user.login.clone();
        self.store()
            .run(move |store| {
                store.put_comment(&comment)?;
                store.audit(&AuditEntry {
                    at: now,
                    actor,
                    action: "retrait d'un commentaire".into(),
                    target: format!("{} (commentaire de {})", comment.item, comment.author),
                    before,
                    after: String::new(),
                })
            })
            .await?;
        Ok(())
    }

    /// Reports a comment to the webmasters (the moderation queue).
    pub async fn report_comment(
        &self,
        user: &User,
        item: ItemId,
        id: u128,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(WriteError::Invalid("reason"));
        }
        let comment = self.comment_or_missing(item, id).await?;
        if comment.removed || comment.author == user.login {
            return Err(WriteError::Denied);
        }
        let excerpt: String = comment.body.chars().take(200).collect();
        let by = user.login.clone();
        self.store()
            .run(move |store| {
                store.new_report(
                    now,
                    item,
                    by,
                    ReportKind::Comment {
                        comment: id,
                        excerpt,
                        reason,
                    },
                )
            })
            .await?;
        Ok(())
    }
}
