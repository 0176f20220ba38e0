//! "Espaces d'échange" (issue 11): discussion spaces made by webmasters,
//! followed by agents, whose messages follow the charter's rules like
//! comments (editing, reporting and removing them is `threads`').

use jiff::Timestamp;

use super::write::WriteError;
use super::{Content, new_id};
use crate::domain::participation::{Comment, Discussion, Thread, comment_text};
use crate::domain::policy::{Action, decide};
use crate::domain::{ItemId, User};

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
                let posts = store.messages(Thread::Space, id)?;
                Ok(Ok((discussion, posts, following)))
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
        self.save_message(Thread::Space, post).await
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
}
