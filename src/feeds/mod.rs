//! Feeds for apps that cannot sign in: the agenda as iCalendar (all events or
//! one space's, and one event as an `.ics` file) and the actus as Atom, and the
//! personal tokens that open them. The only module that names `icalendar` and
//! `atom_syndication`.
//!
//! Invariant: a feed holds only what its token's owner may read at the
//! instant it is fetched (published, due, not expired; never a proposal), and
//! an unknown, revoked or disabled owner's token finds nothing.

mod atom;
mod ical;

use jiff::{SignedDuration, Timestamp};

pub use atom::actus_feed;
pub use ical::{agenda_calendar, event_calendar};

use crate::domain::{Item, Login, Space, User};
use crate::store::{FeedToken, Result, Store};

/// Events from this long ago are still in a calendar feed…
const PAST: SignedDuration = SignedDuration::from_hours(90 * 24);
/// …and up to this far ahead.
const AHEAD: SignedDuration = SignedDuration::from_hours(400 * 24);
/// At most this many events in a feed.
const MAX_EVENTS: usize = 2_000;
/// Entries of the actus feed.
const MAX_ACTUS: usize = 30;

/// The feed service: tokens and what a feed holds.
#[derive(Clone, Debug)]
pub struct Feeds {
    store: Store,
}

fn hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

/// A token is 64 lowercase hex digits; anything else is not looked up.
fn well_formed(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Feeds {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// A new secret token for `login`, replacing (and killing) the old one.
    /// The token is returned once and only its hash is kept.
    pub async fn issue(&self, login: Login, now: Timestamp) -> Result<String> {
        let mut raw = [0u8; 32];
        rand::fill(&mut raw);
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let record = FeedToken {
            login,
            created: now,
        };
        let key = hash(&token);
        self.store
            .run(move |store| store.replace_feed_token(key, &record))
            .await?;
        Ok(token)
    }

    pub async fn revoke(&self, login: Login) -> Result<bool> {
        self.store
            .run(move |store| store.revoke_feed_token(&login))
            .await
    }

    /// When the agent's current link was made, if there is one.
    pub async fn current(&self, login: Login) -> Result<Option<FeedToken>> {
        self.store
            .run(move |store| store.feed_token_of(&login))
            .await
    }

    /// The active person a token belongs to.
    pub async fn owner(&self, token: &str) -> Result<Option<User>> {
        if !well_formed(token) {
            return Ok(None);
        }
        let key = hash(token);
        self.store
            .run(move |store| {
                let Some(record) = store.feed_token(key)? else {
                    return Ok(None);
                };
                Ok(store.get_user(&record.login)?.filter(|u| !u.disabled))
            })
            .await
    }

    /// Events `owner` may read around `now`, of one space or all.
    pub async fn events(
        &self,
        owner: User,
        space: Option<Space>,
        now: Timestamp,
    ) -> Result<Vec<Item>> {
        self.store
            .run(move |store| {
                store.events_between(now - PAST, now + AHEAD, MAX_EVENTS, |item| {
                    readable(&owner, item, now) && space.as_ref().is_none_or(|s| &item.space == s)
                })
            })
            .await
    }

    /// The latest actus `owner` may read, newest first.
    pub async fn actus(&self, owner: User, now: Timestamp) -> Result<Vec<Item>> {
        self.store
            .run(move |store| {
                Ok(store
                    .list_space(&Space::Actus, 0, MAX_ACTUS, |item| {
                        readable(&owner, item, now)
                    })?
                    .items)
            })
            .await
    }
}

/// What goes into a feed: what every reader sees, for an active owner.
/// Proposals stay out even for their author (a calendar app is not a session).
fn readable(owner: &User, item: &Item, now: Timestamp) -> bool {
    !owner.disabled && item.is_visible_at(now)
}

/// The address of an item's page on the site.
fn item_address(base_url: &str, item: &Item) -> String {
    format!(
        "{}/{}/{}",
        base_url.trim_end_matches('/'),
        item.space.key(),
        item.id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(well_formed(&"a1".repeat(32)));
        assert!(!well_formed("../../etc"));
        assert!(!well_formed(&"A1".repeat(32)));
        assert!(!well_formed(&"a".repeat(63)));
    }
}
