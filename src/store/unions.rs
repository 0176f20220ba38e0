//! Union mailing lists: subscriptions, messages and their per-recipient
//! delivery queue. Invariant: these tables never reach the change log (so never
//! an edge), and nothing here returns a count of subscribers; the only readers
//! of the list are routes already allowed by `Action::UnionMailingList`.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable};

use super::tables::*;
use super::{Result, Store, StoreError, codec};
use crate::domain::mailing::{DeliveryCounts, DoneMail, PendingMail, UnionMessage};
use crate::domain::{Login, UnionSlug};

/// A delivery whose time has come, with what the sender needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueMail {
    pub message: UnionMessage,
    pub login: Login,
    pub pending: PendingMail,
}

fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

fn from_micros(us: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| StoreError::Decode(e.to_string()))
}

impl Store {
    /// Subscribes or unsubscribes at once; setting the state it already has
    /// changes nothing (a first subscription keeps its date).
    pub fn set_subscription(
        &self,
        union: &UnionSlug,
        login: &Login,
        subscribe: bool,
        at: Timestamp,
    ) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(UNION_SUBSCRIPTIONS)?;
            let key = (union.as_str(), login.as_str());
            if subscribe {
                if table.get(key)?.is_none() {
                    table.insert(key, micros(at))?;
                }
            } else {
                table.remove(key)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn is_subscribed(&self, union: &UnionSlug, login: &Login) -> Result<bool> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(UNION_SUBSCRIPTIONS)?;
        Ok(table.get((union.as_str(), login.as_str()))?.is_some())
    }

    /// The union's subscribers and when each subscribed, by login. For that
    /// union's editors only (the caller has checked the policy).
    pub fn subscribers(&self, union: &UnionSlug) -> Result<Vec<(Login, Timestamp)>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(UNION_SUBSCRIPTIONS)?;
        let mut out = Vec::new();
        for entry in table.range((union.as_str(), "")..)? {
            let (key, at) = entry?;
            let (slug, login) = key.value();
            if slug != union.as_str() {
                break;
            }
            out.push((Login::new(login), from_micros(at.value())?));
        }
        Ok(out)
    }

    /// Records a message and queues one delivery per subscriber at this
    /// instant, in one transaction. A subscriber without a mail address in the
    /// directory (or whose account is disabled) is recorded as failed at once.
    pub fn queue_message(&self, message: &UnionMessage) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut messages = tx.open_table(UNION_MESSAGES)?;
            let slug = message.union.as_str();
            messages.insert((slug, message.id), codec::encode(message).as_slice())?;
            let subscriptions = tx.open_table(UNION_SUBSCRIPTIONS)?;
            let users = tx.open_table(USERS)?;
            let mut pending = tx.open_table(MAIL_PENDING)?;
            let mut done = tx.open_table(MAIL_DONE)?;
            for entry in subscriptions.range((slug, "")..)? {
                let (key, _) = entry?;
                let (union, login) = key.value();
                if union != slug {
                    break;
                }
                let user: Option<crate::domain::User> = users
                    .get(login)?
                    .map(|v| codec::decode(v.value()))
                    .transpose()?;
                let address = user
                    .filter(|u| !u.disabled)
                    .map(|u| u.mail.trim().to_owned())
                    .filter(|m| m.contains('@'));
                match address {
                    Some(address) => pending.insert(
                        (message.id, login),
                        codec::encode(&PendingMail {
                            union: message.union.clone(),
                            address,
                            attempts: 0,
                            next_at: message.created,
                            last_error: None,
                        })
                        .as_slice(),
                    )?,
                    None => done.insert(
                        (message.id, login),
                        codec::encode(&DoneMail {
                            at: message.created,
                            failure: Some("no mail address or account disabled".into()),
                            cancelled: false,
                        })
                        .as_slice(),
                    )?,
                };
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deliveries due at `now` (oldest message first), at most `limit`, and
    /// the earliest instant one of the others becomes due.
    pub fn due_mails(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<(Vec<DueMail>, Option<Timestamp>)> {
        let tx = self.db.begin_read()?;
        let pending = tx.open_table(MAIL_PENDING)?;
        let messages = tx.open_table(UNION_MESSAGES)?;
        let mut due = Vec::new();
        let mut next: Option<Timestamp> = None;
        for entry in pending.iter()? {
            let (key, value) = entry?;
            let (id, login) = key.value();
            let mail: PendingMail = codec::decode(value.value())?;
            if mail.next_at > now {
                next = Some(next.map_or(mail.next_at, |n| n.min(mail.next_at)));
                continue;
            }
            if due.len() >= limit {
                next = Some(now);
                continue;
            }
            let Some(message) = messages.get((mail.union.as_str(), id))? else {
                continue;
            };
            due.push(DueMail {
                message: codec::decode(message.value())?,
                login: Login::new(login),
                pending: mail,
            });
        }
        Ok((due, next))
    }

    /// The SMTP server accepted the message for `login`: the delivery leaves
    /// the queue and is recorded as sent, in one transaction. False if it was
    /// not (or no longer) queued.
    pub fn mail_sent(&self, message: u128, login: &Login, at: Timestamp) -> Result<bool> {
        self.mail_done(
            message,
            login,
            DoneMail {
                at,
                failure: None,
                cancelled: false,
            },
        )
    }

    /// The recipient left the list before the mail went: not sent.
    pub fn mail_cancelled(&self, message: u128, login: &Login, at: Timestamp) -> Result<bool> {
        self.mail_done(
            message,
            login,
            DoneMail {
                at,
                failure: None,
                cancelled: true,
            },
        )
    }

    /// Gives a delivery up (a permanent refusal, or retried too long).
    pub fn mail_given_up(
        &self,
        message: u128,
        login: &Login,
        at: Timestamp,
        why: &str,
    ) -> Result<bool> {
        self.mail_done(
            message,
            login,
            DoneMail {
                at,
                failure: Some(why.to_owned()),
                cancelled: false,
            },
        )
    }

    fn mail_done(&self, message: u128, login: &Login, done: DoneMail) -> Result<bool> {
        let tx = self.db.begin_write()?;
        let moved = {
            let mut pending = tx.open_table(MAIL_PENDING)?;
            let mut finished = tx.open_table(MAIL_DONE)?;
            let moved = pending.remove((message, login.as_str()))?.is_some();
            if moved {
                finished.insert((message, login.as_str()), codec::encode(&done).as_slice())?;
            }
            moved
        };
        tx.commit()?;
        Ok(moved)
    }

    /// A failed attempt: counted, with the next attempt's time.
    pub fn mail_retry(
        &self,
        message: u128,
        login: &Login,
        next_at: Timestamp,
        error: &str,
    ) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut pending = tx.open_table(MAIL_PENDING)?;
            let key = (message, login.as_str());
            let found: Option<PendingMail> = pending
                .get(key)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            if let Some(mut mail) = found {
                mail.attempts = mail.attempts.saturating_add(1);
                mail.next_at = next_at;
                mail.last_error = Some(error.to_owned());
                pending.insert(key, codec::encode(&mail).as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A union's messages, newest first, each with its delivery state.
    pub fn union_messages(
        &self,
        union: &UnionSlug,
        limit: usize,
    ) -> Result<Vec<(UnionMessage, DeliveryCounts)>> {
        let tx = self.db.begin_read()?;
        let messages = tx.open_table(UNION_MESSAGES)?;
        let pending = tx.open_table(MAIL_PENDING)?;
        let done = tx.open_table(MAIL_DONE)?;
        let slug = union.as_str();
        let mut out = Vec::new();
        for entry in messages
            .range((slug, 0u128)..=(slug, u128::MAX))?
            .rev()
            .take(limit)
        {
            let (_, value) = entry?;
            let message: UnionMessage = codec::decode(value.value())?;
            let mut counts = DeliveryCounts::default();
            let range = (message.id, "")..(message.id.saturating_add(1), "");
            counts.queued = pending.range(range.clone())?.count();
            for row in done.range(range)? {
                let (_, value) = row?;
                let row: DoneMail = codec::decode(value.value())?;
                match (row.cancelled, row.failure) {
                    (true, _) => counts.cancelled += 1,
                    (false, None) => counts.sent += 1,
                    (false, Some(_)) => counts.failed += 1,
                }
            }
            out.push((message, counts));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::item::tests::t;

    use crate::store::test_store as store;

    fn user(login: &str, mail: &str) -> crate::domain::User {
        crate::domain::User {
            mail: mail.into(),
            ..crate::domain::User::for_tests(login, &[])
        }
    }

    #[test]
    fn subscriptions_are_set_idempotently_per_union() {
        let (_dir, store) = store();
        let (cgt, cfdt) = (
            UnionSlug::parse("cgt").unwrap(),
            UnionSlug::parse("cfdt").unwrap(),
        );
        let (a, b) = (Login::new("a"), Login::new("b"));
        let t0 = t("2026-11-29T10:00:00Z");
        store.set_subscription(&cgt, &a, true, t0).unwrap();
        store
            .set_subscription(&cgt, &a, true, t("2026-11-30T10:00:00Z"))
            .unwrap();
        store.set_subscription(&cfdt, &b, true, t0).unwrap();
        assert_eq!(store.subscribers(&cgt).unwrap(), vec![(a.clone(), t0)]);
        assert!(store.is_subscribed(&cfdt, &b).unwrap());
        assert!(!store.is_subscribed(&cgt, &b).unwrap());
        store.set_subscription(&cgt, &a, false, t0).unwrap();
        store.set_subscription(&cgt, &a, false, t0).unwrap();
        assert!(store.subscribers(&cgt).unwrap().is_empty());
    }

    #[test]
    fn a_message_is_queued_per_subscriber_and_sent_once() {
        let (_dir, store) = store();
        let cgt = UnionSlug::parse("cgt").unwrap();
        let t0 = t("2026-11-29T10:00:00Z");
        store
            .put_users(&[
                user("a", "a@ville.fr"),
                user("b", ""),
                user("c", "c@ville.fr"),
            ])
            .unwrap();
        for login in ["a", "b", "c"] {
            store
                .set_subscription(&cgt, &Login::new(login), true, t0)
                .unwrap();
        }
        let message = UnionMessage {
            id: 42,
            union: cgt.clone(),
            subject: "Réunion".into(),
            body: "Jeudi".into(),
            author: Login::new("syndicat"),
            created: t0,
        };
        store.queue_message(&message).unwrap();
        let counts = |s: &Store| s.union_messages(&cgt, 10).unwrap()[0].1;
        assert_eq!(
            counts(&store),
            DeliveryCounts {
                queued: 2,
                sent: 0,
                failed: 1,
                cancelled: 0,
            }
        );
        let (due, next) = store.due_mails(t0, 10).unwrap();
        assert_eq!(due.len(), 2);
        assert_eq!(next, None);
        assert_eq!(due[0].pending.address, "a@ville.fr");
        let later = t("2026-11-29T10:05:00Z");
        store
            .mail_retry(42, &Login::new("c"), later, "connection refused")
            .unwrap();
        let (due, next) = store.due_mails(t0, 10).unwrap();
        assert_eq!(due.len(), 1, "c waits");
        assert_eq!(next, Some(later));
        assert!(store.mail_sent(42, &Login::new("a"), t0).unwrap());
        assert!(
            !store.mail_sent(42, &Login::new("a"), t0).unwrap(),
            "a second outcome for the same delivery changes nothing"
        );
        assert_eq!(
            counts(&store),
            DeliveryCounts {
                queued: 1,
                sent: 1,
                failed: 1,
                cancelled: 0,
            }
        );
        // Unsubscribing later does not touch a message already queued, and a
        // new message goes to current subscribers only.
        store
            .set_subscription(&cgt, &Login::new("a"), false, later)
            .unwrap();
        store
            .queue_message(&UnionMessage {
                id: 43,
                created: later,
                ..message
            })
            .unwrap();
        let newest = store.union_messages(&cgt, 10).unwrap();
        assert_eq!(newest[0].0.id, 43, "newest first");
        assert_eq!(newest[0].1.queued, 1);
        assert!(store.mail_cancelled(43, &Login::new("c"), later).unwrap());
        assert_eq!(store.union_messages(&cgt, 10).unwrap()[0].1.cancelled, 1);
    }
}
