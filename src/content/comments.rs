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
        let comment = self
            .new_comment(user, id, super::new_id(now), body, now)
            .await?;
        self.save_comment(comment).await
    }

    /// Checks that `user` may comment item `id` at `now` and makes the
    /// comment `comment_id` (time-ordered), without saving it (an edge
    /// sends it to the hub instead).
    pub async fn new_comment(
        &self,
        user: &User,
        id: ItemId,
        comment_id: u128,
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
        Ok(Comment {
            id: comment_id,
            item: id,
            author: user.login.clone(),
            author_name: user.display_name(),
            body,
            at: now,
            edited: None,
            removed: false,
        })
    }

    /// Saves a comment an edge delivered, whose id is the write's key: only
    /// if no comment has that id yet. The same comment delivered again is
    /// fine; another agent's comment under that id is never replaced.
    pub async fn save_delivered_comment(&self, comment: Comment) -> Result<Comment> {
        let saved = comment.clone();
        match self.store().run(move |s| s.put_new_comment(&saved)).await? {
            None => Ok(comment),
            Some(existing) if existing.author == comment.author => Ok(existing),
            Some(_) => Err(WriteError::Denied),
        }
    }

    /// Saves a comment made by [`Content::new_comment`] or
    /// [`Content::edited_comment`].
    pub async fn save_comment(&self, comment: Comment) -> Result<Comment> {
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
        let comment = self.edited_comment(user, item, id, body, now).await?;
        self.save_comment(comment).await
    }

    /// The comment as `user` changes it at `now`, checked, not saved.
    pub async fn edited_comment(
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

    /// The comment `user` may report, and the reason trimmed.
    pub async fn reportable_comment(
        &self,
        user: &User,
        item: ItemId,
        id: u128,
        reason: &str,
    ) -> Result<(Comment, String)> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(WriteError::Invalid("reason"));
        }
        let comment = self.comment_or_missing(item, id).await?;
        if comment.removed || comment.author == user.login {
            return Err(WriteError::Denied);
        }
        Ok((comment, reason))
    }

    /// Reports a comment to the webmasters (the moderation queue) as report
    /// `report_id` (an edge's write key: a second delivery files nothing).
    pub async fn report_comment(
        &self,
        user: &User,
        item: ItemId,
        id: u128,
        reason: &str,
        report_id: u128,
        now: Timestamp,
    ) -> Result<()> {
        let (comment, reason) = self.reportable_comment(user, item, id, reason).await?;
        let excerpt: String = comment.body.chars().take(200).collect();
        let by = user.login.clone();
        self.store()
            .run(move |store| {
                store.new_report_with_id(
                    report_id,
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
