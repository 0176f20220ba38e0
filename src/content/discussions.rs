//! "Espaces d'échange" (issue 11): discussion spaces made by webmasters,
//! followed by agents, whose messages follow the charter's rules like
//! comments (plain text, edited by their author for 15 minutes, reported,
//! removed by webmasters with an audit entry).

use jiff::Timestamp;

use super::Content;
use super::write::WriteError;
use crate::domain::participation::{Comment, Discussion, comment_text};
use crate::domain::policy::{Action, decide};
use crate::domain::{ItemId, User};
use crate::store::{AuditEntry, ReportKind};

type Result<T> = std::result::Result<T, WriteError>;

fn new_id(now: Timestamp) -> u128 {
    ulid::Ulid::from_parts(
        u64::try_from(now.as_millisecond()).unwrap_or(0),
        rand::random(),
    )
    .0
}

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
        if user.disabled {
            return Err(WriteError::Denied);
        }
        let body = comment_text(body).map_err(WriteError::Invalid)?;
        let post = Comment {
            id: new_id(now),
            item: ItemId::from_u128(id),
            author: user.login.clone(),
            author_name: user.display_name(),
            body,
            at: now,
            edited: None,
            removed: false,
        };
        let saved = post.clone();
        self.store()
            .run(move |store| {
                if store.get_discussion(id)?.is_none() {
                    return Ok(Err(WriteError::NotFound));
                }
                store.put_discussion_post(&saved)?;
                Ok(Ok(()))
            })
            .await??;
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
        let mut message = self.editable_message(user, id, post, now).await?;
        message.body = comment_text(body).map_err(WriteError::Invalid)?;
        message.edited = Some(now);
        let saved = message.clone();
        self.store()
            .run(move |s| s.put_discussion_post(&saved))
            .await?;
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

    pub async fn report_message(
        &self,
        user: &User,
        id: u128,
        post: u128,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(WriteError::Invalid("reason"));
        }
        let message = self.message(id, post).await?;
        if message.removed || message.author == user.login {
            return Err(WriteError::Denied);
        }
        let excerpt: String = message.body.chars().take(200).collect();
        let by = user.login.clone();
        self.store()
            .run(move |store| {
                store.new_report(
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
