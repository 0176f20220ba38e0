//! What item comments and a space's messages share (issue 11): saving one
//! (made here or delivered by an edge), editing it within 15 minutes,
//! removing it (webmasters, audited), reporting it. `comments` and
//! `discussions` make them and say who may write where.

use jiff::Timestamp;

use super::Content;
use super::write::WriteError;
use crate::domain::ItemId;
use crate::domain::User;
use crate::domain::participation::{Comment, Thread, comment_text};
use crate::domain::policy::{Action, decide};
use crate::store::{AuditEntry, ReportKind};

type Result<T> = std::result::Result<T, WriteError>;

impl Content {
    /// Saves a message made by `new_comment`, `new_message` or
    /// [`Content::edited_message`].
    pub async fn save_message(&self, thread: Thread, message: Comment) -> Result<Comment> {
        let saved = message.clone();
        self.store()
            .run(move |s| s.put_message(thread, &saved))
            .await?;
        Ok(message)
    }

    /// Saves a message an edge delivered, whose id is the write's key: only
    /// if no message has that id yet. The same message delivered again is
    /// fine; another agent's message under that id is never replaced.
    pub async fn save_delivered_message(
        &self,
        thread: Thread,
        message: Comment,
    ) -> Result<Comment> {
        let saved = message.clone();
        match self
            .store()
            .run(move |s| s.put_new_message(thread, &saved))
            .await?
        {
            None => Ok(message),
            Some(existing) if existing.author == message.author => Ok(existing),
            Some(_) => Err(WriteError::Denied),
        }
    }

    /// The message at `at` (item or space, message id).
    async fn message(&self, thread: Thread, at: (ItemId, u128)) -> Result<Comment> {
        self.store()
            .run(move |s| s.get_message(thread, at.0.to_u128(), at.1))
            .await?
            .ok_or(WriteError::NotFound)
    }

    /// A message its author may still edit at `now`.
    pub async fn editable_message(
        &self,
        thread: Thread,
        user: &User,
        at: (ItemId, u128),
        now: Timestamp,
    ) -> Result<Comment> {
        let message = self.message(thread, at).await?;
        let action = Action::EditComment {
            author: message.author.clone(),
            within_window: message.within_edit_window(now),
        };
        if !decide(user, &action, None).allowed() {
            return Err(WriteError::Denied);
        }
        Ok(message)
    }

    /// The message as `user` changes it at `now`, checked, not saved.
    pub async fn edited_message(
        &self,
        thread: Thread,
        user: &User,
        at: (ItemId, u128),
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        let mut message = self.editable_message(thread, user, at, now).await?;
        message.body = comment_text(body).map_err(WriteError::Invalid)?;
        message.edited = Some(now);
        Ok(message)
    }

    pub async fn edit_message(
        &self,
        thread: Thread,
        user: &User,
        at: (ItemId, u128),
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        let message = self.edited_message(thread, user, at, body, now).await?;
        self.save_message(thread, message).await
    }

    /// A webmaster removes a message (its text is no longer shown); audited.
    pub async fn remove_message(
        &self,
        thread: Thread,
        user: &User,
        at: (ItemId, u128),
        now: Timestamp,
    ) -> Result<()> {
        if !decide(user, &Action::RemoveComment, None).allowed() {
            return Err(WriteError::Denied);
        }
        let mut message = self.message(thread, at).await?;
        let before = std::mem::take(&mut message.body);
        message.removed = true;
        let actor = user.login.clone();
        self.store()
            .run(move |store| {
                store.put_message(thread, &message)?;
                store.audit(&AuditEntry {
                    at: now,
                    actor,
                    action: thread.removal().into(),
                    target: format!("{} ({} de {})", at.0, thread.noun(), message.author),
                    before,
                    after: String::new(),
                })
            })
            .await?;
        Ok(())
    }

    /// The message `user` may report, and the reason trimmed.
    pub async fn reportable_message(
        &self,
        thread: Thread,
        user: &User,
        at: (ItemId, u128),
        reason: &str,
    ) -> Result<(Comment, String)> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(WriteError::Invalid("reason"));
        }
        let message = self.message(thread, at).await?;
        if message.removed || message.author == user.login {
            return Err(WriteError::Denied);
        }
        Ok((message, reason))
    }

    /// Reports a message to the webmasters (the moderation queue) as report
    /// `report_id` (an edge's write key: a second delivery files nothing).
    pub async fn report_message(
        &self,
        thread: Thread,
        user: &User,
        at: (ItemId, u128),
        reason: &str,
        report_id: u128,
        now: Timestamp,
    ) -> Result<()> {
        let (message, reason) = self.reportable_message(thread, user, at, reason).await?;
        let excerpt: String = message.body.chars().take(200).collect();
        let by = user.login.clone();
        self.store()
            .run(move |store| {
                store.new_report_with_id(
                    report_id,
                    now,
                    at.0,
                    by,
                    ReportKind::Comment {
                        comment: at.1,
                        excerpt,
                        reason,
                    },
                )
            })
            .await?;
        Ok(())
    }
}
