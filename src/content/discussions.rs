//! "Espaces d'échange" (issue 11): discussion spaces made by webmasters,
//! followed by agents, whose messages follow the charter's rules like
//! comments (plain text, edited by their author for 15 minutes, reported,
//! removed by webmasters with an audit entry).

use jiff::Timestamp;

use super::write::WriteError;
use super::{Content, new_id};
use crate::domain::participation::{Comment, Discussion, comment_text};
use crate::domain::policy::{Action, decide};
use crate::domain::{ItemId, User};
use crate::store::{AuditEntry, ReportKind};

type Result<T> = std::result::Result<T, WriteError>;

impl Content {
    /// Every space, with whether `user` follows it.
    pub async fn discussions_for(&self, user: &User) -> Result<Vec<(Discussion, bool)>> {
        let login = user.login.clone();
        Ok(self
            .store()
            .run(move |store| {
                let followed = store.followed_by(&login)?;
                Ok(store
                    .discussions()?
                    .into_iter()
                    .map(|d| {
                        let on = followed.contains(&d.id);
                        (d, on)
                    })
                    .collect())
            })
            .await?)
    }

    pub async fn create_discussion(
        &self,
        user: &User,
        name: &str,
        description: &str,
        now: Timestamp,
    ) -> Result<Discussion> {
        if !decide(user, &Action::CreateDiscussion, None).allowed() {
            return Err(WriteError::Denied);
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(WriteError::Invalid("Donnez un nom à l'espace d'échange."));
        }
        let discussion = Discussion {
            id: new_id(now),
            name: name.to_owned(),
            description: description.trim().to_owned(),
            created_by: user.login.clone(),
            created: now,
        };
        let saved = discussion.clone();
        self.store().run(move |s| s.put_discussion(&saved)).await?;
        Ok(discussion)
    }

    /// A space, its messages and whether `user` follows it.
    pub async fn discussion(
        &self,
        user: &User,
        id: u128,
    ) -> Result<(Discussion, Vec<Comment>, bool)> {
        let login = user.login.clone();
        self.store()
            .run(move |store| {
                let Some(discussion) = store.get_discussion(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                let following = store.followed_by(&login)?.contains(&id);
                Ok(Ok((discussion, store.discussion_posts(id)?, following)))
            })
            .await?
    }

    pub async fn set_following(&self, user: &User, id: u128, on: bool) -> Result<()> {
        let login = user.login.clone();
        self.store()
            .run(move |store| {
                if store.get_discussion(id)?.is_none() {
                    return Ok(Err(WriteError::NotFound));
                }
                store.set_following(&login, id, on)?;
                Ok(Ok(()))
            })
            .await?
    }

    pub async fn post_message(
        &self,
        user: &User,
        id: u128,
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        let post = self.new_message(user, id, new_id(now), body, now).await?;
        self.save_message(post).await
    }

    /// Checks that `user` may write in space `id` and makes the message
    /// `post_id` (time-ordered), without saving it (an edge sends it on).
    pub async fn new_message(
        &self,
        user: &User,
        id: u128,
        post_id: u128,
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        if user.disabled {
            return Err(WriteError::Denied);
        }
        let body = comment_text(body).map_err(WriteError::Invalid)?;
        if self
            .store()
            .run(move |s| s.get_discussion(id))
            .await?
            .is_none()
        {
            return Err(WriteError::NotFound);
        }
        Ok(Comment {
            id: post_id,
            item: ItemId::from_u128(id),
            author: user.login.clone(),
            author_name: user.display_name(),
            body,
            at: now,
            edited: None,
            removed: false,
        })
    }

    /// Saves a message an edge delivered (see [`Content::save_delivered_comment`]).
    pub async fn save_delivered_message(&self, post: Comment) -> Result<Comment> {
        let saved = post.clone();
        match self
            .store()
            .run(move |s| s.put_new_discussion_post(&saved))
            .await?
        {
            None => Ok(post),
            Some(existing) if existing.author == post.author => Ok(existing),
            Some(_) => Err(WriteError::Denied),
        }
    }

    /// Saves a message made by [`Content::new_message`] or
    /// [`Content::edited_message`].
    pub async fn save_message(&self, post: Comment) -> Result<Comment> {
        let saved = post.clone();
        self.store()
            .run(move |store| store.put_discussion_post(&saved))
            .await?;
        Ok(post)
    }

    async fn message(&self, id: u128, post: u128) -> Result<Comment> {
        self.store()
            .run(move |s| s.get_discussion_post(id, post))
            .await?
            .ok_or(WriteError::NotFound)
    }

    /// A message its author may still edit at `now`.
    pub async fn editable_message(
        &self,
        user: &User,
        id: u128,
        post: u128,
        now: Timestamp,
    ) -> Result<Comment> {
        let message = self.message(id, post).await?;
        let action = Action::EditComment {
            author: message.author.clone(),
            within_window: message.within_edit_window(now),
        };
        if !decide(user, &action, None).allowed() {
            return Err(WriteError::Denied);
        }
        Ok(message)
    }

    pub async fn edit_message(
        &self,
        user: &User,
        id: u128,
        post: u128,
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        let message = self.edited_message(user, id, post, body, now).await?;
        self.save_message(message).await
    }

    /// The message as `user` changes it at `now`, checked, not saved.
    pub async fn edited_message(
        &self,
        user: &User,
        id: u128,
        post: u128,
        body: &str,
        now: Timestamp,
    ) -> Result<Comment> {
        let mut message = self.editable_message(user, id, post, now).await?;
        message.body = comment_text(body).map_err(WriteError::Invalid)?;
        message.edited = Some(now);
        Ok(message)
    }

    pub async fn remove_message(
        &self,
        user: &User,
        id: u128,
        post: u128,
        now: Timestamp,
    ) -> Result<()> {
        if !decide(user, &Action::RemoveComment, None).allowed() {
            return Err(WriteError::Denied);
        }
        let mut message = self.message(id, post).await?;
        let before = std::mem::take(&mut message.body);
        message.removed = true;
        let actor = user.login.clone();
        self.store()
            .run(move |store| {
                store.put_discussion_post(&message)?;
                store.audit(&AuditEntry {
                    at: now,
                    actor,
                    action: "retrait d'un message d'un espace d'échange".into(),
                    target: format!("{} (message de {})", ulid::Ulid(id), message.author),
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
        user: &User,
        id: u128,
        post: u128,
        reason: &str,
    ) -> Result<(Comment, String)> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(WriteError::Invalid("reason"));
        }
        let message = self.message(id, post).await?;
        if message.removed || message.author == user.login {
            return Err(WriteError::Denied);
        }
        Ok((message, reason))
    }

    pub async fn report_message(
        &self,
        user: &User,
        id: u128,
        post: u128,
        reason: &str,
        report_id: u128,
        now: Timestamp,
    ) -> Result<()> {
        let (message, reason) = self.reportable_message(user, id, post, reason).await?;
        let excerpt: String = message.body.chars().take(200).collect();
        let by = user.login.clone();
        self.store()
            .run(move |store| {
                store.new_report_with_id(
                    report_id,
                    now,
                    ItemId::from_u128(id),
                    by,
                    ReportKind::Comment {
                        comment: post,
                        excerpt,
                        reason,
                    },
                )
            })
            .await?;
        Ok(())
    }
}
