//! The charter's publishing rights (DESIGN §4) as one function of (user, action,
//! item). Every route that changes content asks [`decide`]; the matrix test
//! below walks every action for every role, refusals included.

use super::item::{Item, Kind, Status};
use super::space::{Space, UnionSlug};
use super::user::{Role, User};

/// What someone wants to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create an item of `kind` in `space`.
    Create { space: Space, kind: Kind },
    /// Change an existing item's text, dates, photos.
    Edit,
    /// Withdraw (own pending items and annonces) or delete.
    Delete,
    /// Renew an annonce for another 30 days.
    Renew,
    /// Validate or reject a proposal; see the moderation queue.
    Moderate,
    /// Report an item to the webmasters.
    Report,
    /// "I am in this photo and did not agree": hides it at once.
    RequestPhotoRemoval,
    /// Remove any photo, decide on reports and takedown requests.
    RemovePhoto,
    /// Ask an audience to confirm they read an item (a note de service), see
    /// who has, and send a reminder.
    ManageAcknowledgement,
    /// "J'ai lu": confirm having read an item one is asked to.
    Acknowledge,
    /// Create a questionnaire.
    CreateSurvey,
    /// See the answers of a questionnaire made by `author` at any time, and
    /// export them.
    FollowSurvey { author: super::user::Login },
    /// Star an item, page or link for "Mon espace" (or remove the star).
    Favourite,
    /// Comment an actu or an event; `open` says whether its comments are open.
    Comment { open: bool },
    /// Open or close an item's comments (its author, the webmasters).
    ToggleComments,
    /// Change one's own comment, within the edit window (no item).
    EditComment {
        author: super::user::Login,
        within_window: bool,
    },
    /// Remove any comment (webmasters; no item).
    RemoveComment,
    /// Create an "espace d'échange" (webmasters; no item).
    CreateDiscussion,
    /// Read a union's subscriber list, write to its subscribers and see what
    /// became of those messages. Only that union's editors: nobody else,
    /// administrators included (the unions' protocol).
    UnionMailingList(UnionSlug),
}

/// The outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; a created or edited item is published directly.
    Publish,
    /// Allowed, but the item goes to the webmasters' queue.
    Propose,
    /// Allowed (actions that do not publish).
    Allow,
    Deny,
}

fn is_own(user: &User, item: &Item) -> bool {
    item.author == user.login
}

fn edits_union(user: &User, space: &Space) -> bool {
    matches!(space, Space::Syndicat(slug) if user.has(&Role::UnionEditor(slug.clone())))
}

/// Whether `user` may publish directly in `space` (without validation).
fn publishes_in(user: &User, space: &Space, kind: Kind) -> bool {
    let manager = user.has_any(&[Role::Manager, Role::Webmaster]);
    let publisher = user.has(&Role::Publisher);
    match space {
        Space::Actus | Space::Agenda => manager || publisher,
        Space::Pages => manager || publisher,
        Space::Annonces => manager,
        Space::Rh | Space::Emploi | Space::Liens => manager,
        Space::Syndicat(_) => edits_union(user, space) && space.accepts(kind),
    }
}

/// Actus and events, published, outside union spaces, may be commented.
fn commentable(item: &Item) -> bool {
    matches!(item.kind(), Kind::Actu | Kind::Event)
        && matches!(item.space, Space::Actus | Space::Agenda)
        && item.status == Status::Published
}

/// Whether an agent without publishing rights may propose in `space`.
fn proposes_in(space: &Space) -> bool {
    matches!(space, Space::Actus | Space::Agenda | Space::Annonces)
}

/// The one rights policy. `item` is the item acted on (None for `Create`).
pub fn decide(user: &User, action: &Action, item: Option<&Item>) -> Decision {
    if user.disabled {
        return Decision::Deny;
    }
    let webmaster = user.has(&Role::Webmaster);
    let manager = user.has_any(&[Role::Manager, Role::Webmaster]);
    match (action, item) {
        (Action::UnionMailingList(union), _) => {
            if user.has(&Role::UnionEditor(union.clone())) {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::Create { space, kind }, None) => {
            if !space.accepts(*kind) {
                Decision::Deny
            } else if publishes_in(user, space, *kind) {
                Decision::Publish
            } else if proposes_in(space) {
                Decision::Propose
            } else {
                Decision::Deny
            }
        }
        (Action::Create { .. }, Some(_)) => Decision::Deny,
        (Action::CreateSurvey, None) => {
            if user.has_any(&[Role::Publisher, Role::Webmaster]) {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::FollowSurvey { author }, None) => {
            if *author == user.login || webmaster {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::CreateSurvey | Action::FollowSurvey { .. }, Some(_)) => Decision::Deny,
        (Action::ManageAcknowledgement, Some(item)) => {
            // Notes de service are the administration's: not union posts,
            // not annonces; and only once published.
            let fits = !matches!(item.space, Space::Syndicat(_) | Space::Annonces)
                && item.status == Status::Published;
            let own_publication =
                is_own(user, item) && publishes_in(user, &item.space, item.kind());
            if fits && (manager || own_publication) {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::Comment { open }, Some(item)) => {
            if *open && commentable(item) {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::ToggleComments, Some(item)) => {
            if commentable(item) && (is_own(user, item) || webmaster) {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (
            Action::EditComment {
                author,
                within_window,
            },
            None,
        ) => {
            if *author == user.login && *within_window {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (
            Action::EditComment { .. } | Action::RemoveComment | Action::CreateDiscussion,
            Some(_),
        ) => Decision::Deny,
        (Action::Favourite, Some(item)) => {
            if item.status == Status::Published {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::Acknowledge, Some(item)) => {
            let asked = item
                .acknowledgement
                .as_ref()
                .is_some_and(|audience| audience.includes(user));
            if asked && item.status == Status::Published {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (_, None) => match action {
            Action::Moderate
            | Action::RemovePhoto
            | Action::RemoveComment
            | Action::CreateDiscussion
                if webmaster =>
            {
                Decision::Allow
            }
            _ => Decision::Deny,
        },
        (Action::Edit | Action::Delete, Some(item)) => {
            if item.status == Status::Deleted {
                return Decision::Deny;
            }
            // A union's space is under its own editorial responsibility.
            if let Space::Syndicat(_) = item.space {
                return if edits_union(user, &item.space) {
                    Decision::Publish
                } else if webmaster && *action == Action::Delete {
                    // The charter's moderation still applies (reports).
                    Decision::Allow
                } else {
                    Decision::Deny
                };
            }
            if manager {
                return Decision::Publish;
            }
            if !is_own(user, item) {
                return Decision::Deny;
            }
            let publisher_space = publishes_in(user, &item.space, item.kind());
            match (&item.status, item.kind()) {
                // Publishers edit and delete their own publications.
                (_, _) if publisher_space => Decision::Publish,
                // Agents edit or withdraw their own proposals…
                (Status::Pending | Status::Draft | Status::Rejected { .. }, _) => Decision::Propose,
                // …and their own annonces, even published: an edit goes back to the queue.
                (_, Kind::Annonce) => Decision::Propose,
                _ => Decision::Deny,
            }
        }
        (Action::Renew, Some(item)) => {
            let own_annonce = item.kind() == Kind::Annonce && (is_own(user, item) || manager);
            if own_annonce && item.status == Status::Published {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::Moderate, Some(item)) => {
            if webmaster && item.status == Status::Pending {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::Report | Action::RequestPhotoRemoval, Some(item)) => {
            if item.status == Status::Published && !is_own(user, item) {
                Decision::Allow
            } else if item.status == Status::Published && *action == Action::RequestPhotoRemoval {
                // An author may also be in their own photo: allow it too.
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
        (Action::RemovePhoto, Some(_)) => {
            if webmaster {
                Decision::Allow
            } else {
                Decision::Deny
            }
        }
    }
}

/// Whether `user` may find `item` (search results, calendar and news feeds)
/// at `now`: what every reader sees, plus a pending proposal for its author
/// and for webmasters. Nothing withdrawn, rejected, scheduled or expired.
pub fn may_find(user: &User, item: &Item, now: jiff::Timestamp) -> bool {
    if user.disabled {
        return false;
    }
    item.is_visible_at(now)
        || (item.status == Status::Pending && (is_own(user, item) || user.has(&Role::Webmaster)))
}

impl Decision {
    pub fn allowed(self) -> bool {
        self != Decision::Deny
    }
}

#[cfg(test)]
mod tests;
