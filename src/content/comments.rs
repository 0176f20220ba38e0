//! Comments under actus and events (issue 11): opened per item by its author
//! or a webmaster; written by agents while open. Editing, reporting and
//! removing them is `threads`' (the same as a space's messages).

use jiff::Timestamp;

use super::Content;
use super::write::WriteError;
use crate::domain::participation::{Comment, Thread, comment_text};
use crate::domain::policy::{Action, decide};
use crate::domain::{Item, ItemId, User};

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
                    list: store.messages(Thread::Comments, item.to_u128())?,
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

    /// Opens or closes an item's comments (audited when it is not the
    /// actor's item).
    pub async fn set_comments_open(
        &self,
        user: &User,
        id: ItemId,
        open: bool,
        now: Timestamp,
    ) -> Result<Item> {
        let item = self.item_or_missing(id).await?;
        if !decide(user, &Action::ToggleComments, Some(&item)).allowed() {
            return Err(WriteError::Denied);
        }
        let (saved, actor) = (item.clone(), user.clone());
        self.store()
            .run(move |store| {
                if store.comments_open(id)? == open {
                    // A second tap, or an old page: nothing changes.
                    return Ok(());
                }
                store.set_comments_open(id, open)?;
                if saved.author != actor.login {
                    let (action, before, after) = match open {
                        true => ("ouverture des commentaires", "fermés", "ouverts"),
                        false => ("fermeture des commentaires", "ouverts", "fermés"),
                    };
                    super::write::audit(store, now, &actor, action, &saved, before, after)?;
                }
                Ok(())
            })
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
        self.save_message(Thread::Comments, comment).await
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
}
