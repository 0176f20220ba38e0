//! The shared log: what agents write together beside the items —
//! questionnaires (their questions and their answers' values), comments and
//! their open flags, espaces d'échange and their messages — in a change log
//! of its own, so that edges copy it like items (issue 11, point 6) without
//! waking what follows the items' log (search, the home page's cache, the
//! flux d'info).
//!
//! Invariants: every write of those records on the hub appends its key here
//! in the same transaction; a log entry names a record, never an agent nor a
//! time; a replica of a questionnaire carries its answers' values without
//! any login (whatever the survey's mode); an edge applies a batch of records
//! and its cursor in the transaction of the items' batch.

use std::collections::HashSet;

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::ItemId;
use crate::domain::participation::{Answer, AnswerValue, Comment, Discussion, Survey};

/// The record a shared-log entry names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SharedKey {
    Survey(u128),
    CommentsOpen(u128),
    /// (item, comment)
    Comment(u128, u128),
    Discussion(u128),
    /// (discussion, message)
    Post(u128, u128),
}

/// The current state of a shared record, as the hub sends it to edges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shared {
    /// A questionnaire and the values of its answers (never who gave them).
    Survey {
        survey: Box<Survey>,
        answers: Vec<Vec<AnswerValue>>,
    },
    CommentsOpen {
        item: ItemId,
        open: bool,
    },
    Comment(Box<Comment>),
    Discussion(Box<Discussion>),
    Post(Box<Comment>),
}

/// The key of the meta entry that holds an edge's shared-log cursor.
pub(super) const CURSOR: &str = "shared_cursor";

/// The meta entry of the hub: questionnaires closed up to then (ms) are named.
const CLOSED_UP_TO: &str = "surveys_closed_logged_up_to";

/// Whether agents may see a questionnaire's results at `now`.
fn results_shown(survey: &Survey, now: Timestamp) -> bool {
    survey.live_results || survey.is_closed_at(now)
}

/// The questionnaires (ids) that closed after the last naming and up to
/// `now`; those with live results are left out (their answers travelled
/// with each answer already).
fn closed_since(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
    surveys: &impl ReadableTable<u128, &'static [u8]>,
    now: Timestamp,
) -> Result<Vec<u128>> {
    let since = meta
        .get(CLOSED_UP_TO)?
        .map(|v| codec::u64_from(v.value()))
        .transpose()?
        .map(|ms| ms as i64);
    let now_ms = now.as_millisecond();
    let mut closed = Vec::new();
    for entry in surveys.iter()? {
        let survey: Survey = codec::decode(entry?.1.value())?;
        let at = survey.closes.as_millisecond();
        if !survey.live_results && at <= now_ms && since.is_none_or(|s| at > s) {
            closed.push(survey.id.to_u128());
        }
    }
    Ok(closed)
}

/// Appends `key` to the shared log inside `tx`; returns its seq.
pub(super) fn append(tx: &WriteTransaction, key: SharedKey) -> Result<u64> {
    let mut log = tx.open_table(SHARED_LOG)?;
    let seq = log.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
    log.insert(seq, codec::encode(&key).as_slice())?;
    Ok(seq)
}

/// Gives the log an entry for every shared record a store already holds
/// (a store made before the log existed), once: only when the log is empty.
pub(super) fn seed(tx: &WriteTransaction) -> Result<()> {
    if tx.open_table(SHARED_LOG)?.last()?.is_some() {
        return Ok(());
    }
    let mut keys = Vec::new();
    for entry in tx.open_table(SURVEYS)?.iter()? {
        keys.push(SharedKey::Survey(entry?.0.value()));
    }
    for entry in tx.open_table(COMMENTS_OPEN)?.iter()? {
        keys.push(SharedKey::CommentsOpen(entry?.0.value()));
    }
    for entry in tx.open_table(COMMENTS)?.iter()? {
        let (item, id) = entry?.0.value();
        keys.push(SharedKey::Comment(item, id));
    }
    for entry in tx.open_table(DISCUSSIONS)?.iter()? {
        keys.push(SharedKey::Discussion(entry?.0.value()));
    }
    for entry in tx.open_table(DISCUSSION_POSTS)?.iter()? {
        let (discussion, id) = entry?.0.value();
        keys.push(SharedKey::Post(discussion, id));
    }
    for key in keys {
        append(tx, key)?;
    }
    Ok(())
}

/// Writes records received from the hub inside `tx` (an edge's copy). A
/// questionnaire's answers are replaced as a whole, stored without login.
pub(super) fn apply(tx: &WriteTransaction, records: &[Shared]) -> Result<()> {
    for record in records {
        match record {
            Shared::Survey { survey, answers } => {
                let id = survey.id.to_u128();
                tx.open_table(SURVEYS)?
                    .insert(id, codec::encode(survey.as_ref()).as_slice())?;
                let mut table = tx.open_table(SURVEY_ANSWERS)?;
                table.retain_in((id, 0)..=(id, u128::MAX), |_, _| false)?;
                for (n, values) in answers.iter().enumerate() {
                    let answer = Answer {
                        by: None,
                        values: values.clone(),
                    };
                    table.insert((id, n as u128), codec::encode(&answer).as_slice())?;
                }
            }
            Shared::CommentsOpen { item, open } => {
                let mut table = tx.open_table(COMMENTS_OPEN)?;
                if *open {
                    table.insert(item.to_u128(), ())?;
                } else {
                    table.remove(item.to_u128())?;
                }
            }
            Shared::Comment(comment) => {
                tx.open_table(COMMENTS)?.insert(
                    (comment.item.to_u128(), comment.id),
                    codec::encode(comment.as_ref()).as_slice(),
                )?;
            }
            Shared::Discussion(discussion) => {
                tx.open_table(DISCUSSIONS)?
                    .insert(discussion.id, codec::encode(discussion.as_ref()).as_slice())?;
            }
            Shared::Post(post) => {
                tx.open_table(DISCUSSION_POSTS)?.insert(
                    (post.item.to_u128(), post.id),
                    codec::encode(post.as_ref()).as_slice(),
                )?;
            }
        }
    }
    Ok(())
}

/// Forgets every shared record copied from the hub (the hub's history
/// changed) and the cursor, inside `tx`. The agents' own flags made here
/// ("has answered", followed spaces) stay.
pub(super) fn forget(tx: &WriteTransaction) -> Result<()> {
    tx.open_table(SURVEYS)?.retain(|_, _| false)?;
    tx.open_table(SURVEY_ANSWERS)?.retain(|_, _| false)?;
    tx.open_table(COMMENTS_OPEN)?.retain(|_, _| false)?;
    tx.open_table(COMMENTS)?.retain(|_, _| false)?;
    tx.open_table(DISCUSSIONS)?.retain(|_, _| false)?;
    tx.open_table(DISCUSSION_POSTS)?.retain(|_, _| false)?;
    tx.open_table(META)?
        .insert(CURSOR, &0u64.to_be_bytes()[..])?;
    Ok(())
}

impl Store {
    /// The shared log's last seq (0 when empty).
    pub fn latest_shared_seq(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        let log = tx.open_table(SHARED_LOG)?;
        Ok(log.last()?.map(|(k, _)| k.value()).unwrap_or(0))
    }

    /// The current state of every record named after `since`, at most `limit`
    /// log entries read; returns the records and the seq reached. A
    /// questionnaire's answers travel only once agents may see its results
    /// (closed at `now`, or live results): before, none leave the hub.
    pub fn shared_since(
        &self,
        since: u64,
        limit: usize,
        now: Timestamp,
    ) -> Result<(Vec<Shared>, u64)> {
        let tx = self.db.begin_read()?;
        let log = tx.open_table(SHARED_LOG)?;
        let mut reached = since;
        let mut keys = Vec::new();
        let mut seen = HashSet::new();
        for entry in log.range(since.saturating_add(1)..)?.take(limit) {
            let (seq, value) = entry?;
            reached = seq.value();
            let key: SharedKey = codec::decode(value.value())?;
            if seen.insert(key) {
                keys.push(key);
            }
        }
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let record = match key {
                SharedKey::Survey(id) => {
                    let survey: Option<Survey> = tx
                        .open_table(SURVEYS)?
                        .get(id)?
                        .map(|v| codec::decode(v.value()))
                        .transpose()?;
                    let Some(survey) = survey else { continue };
                    let mut answers = Vec::new();
                    if results_shown(&survey, now) {
                        for entry in tx
                            .open_table(SURVEY_ANSWERS)?
                            .range((id, 0)..=(id, u128::MAX))?
                        {
                            let answer: Answer = codec::decode(entry?.1.value())?;
                            answers.push(answer.values);
                        }
                    }
                    Shared::Survey {
                        survey: Box::new(survey),
                        answers,
                    }
                }
                SharedKey::CommentsOpen(item) => Shared::CommentsOpen {
                    item: ItemId::from_u128(item),
                    open: tx.open_table(COMMENTS_OPEN)?.get(item)?.is_some(),
                },
                SharedKey::Comment(item, id) => match tx.open_table(COMMENTS)?.get((item, id))? {
                    Some(v) => Shared::Comment(Box::new(codec::decode(v.value())?)),
                    None => continue,
                },
                SharedKey::Discussion(id) => match tx.open_table(DISCUSSIONS)?.get(id)? {
                    Some(v) => Shared::Discussion(Box::new(codec::decode(v.value())?)),
                    None => continue,
                },
                SharedKey::Post(discussion, id) => {
                    match tx.open_table(DISCUSSION_POSTS)?.get((discussion, id))? {
                        Some(v) => Shared::Post(Box::new(codec::decode(v.value())?)),
                        None => continue,
                    }
                }
            };
            out.push(record);
        }
        Ok((out, reached))
    }

    /// Names in the log every questionnaire that closed since the last call
    /// (up to `now`), so that edges get its answers for the results. Run by
    /// the hub's maintenance task; returns how many were named.
    pub fn log_closed_surveys(&self, now: Timestamp) -> Result<usize> {
        // Most minutes nothing closes: read first, write only when needed.
        {
            let tx = self.db.begin_read()?;
            if closed_since(&tx.open_table(META)?, &tx.open_table(SURVEYS)?, now)?.is_empty() {
                return Ok(0);
            }
        }
        let tx = self.db.begin_write()?;
        let closed = closed_since(&tx.open_table(META)?, &tx.open_table(SURVEYS)?, now)?;
        tx.open_table(META)?.insert(
            CLOSED_UP_TO,
            &(now.as_millisecond() as u64).to_be_bytes()[..],
        )?;
        let mut seq = None;
        for id in &closed {
            seq = Some(append(&tx, SharedKey::Survey(*id))?);
        }
        tx.commit()?;
        if let Some(seq) = seq {
            self.shared_committed(seq);
        }
        Ok(closed.len())
    }

    /// An edge's cursor in the hub's shared log.
    pub fn shared_cursor(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        meta.get(CURSOR)?
            .map(|v| codec::u64_from(v.value()))
            .transpose()
            .map(|c| c.unwrap_or(0))
    }

    /// Records that the shared log reached `seq` and wakes the long-polls.
    pub(super) fn shared_committed(&self, seq: u64) {
        self.shared_touched();
        self.shared_changed.send_if_modified(|current| {
            let newer = seq > *current;
            if newer {
                *current = seq;
            }
            newer
        });
    }

    /// Shared records changed here (written, or copied from the hub).
    pub(super) fn shared_touched(&self) {
        self.shared_generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// A number that moves whenever shared records change (questionnaires,
    /// comments, espaces d'échange), read from memory.
    pub fn shared_generation(&self) -> u64 {
        self.shared_generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Follows the shared log's last seq.
    pub fn watch_shared(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared_changed.subscribe()
    }

    /// The shared log's last seq (from memory).
    pub fn current_shared_seq(&self) -> u64 {
        *self.shared_changed.borrow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Login;
    use crate::domain::participation::Thread;
    use crate::domain::participation::tests::survey;
    use crate::store::ReplicaBatch;

    use crate::store::test_store as store;

    /// After the test survey closes.
    fn later() -> Timestamp {
        "2026-12-31T00:00:00Z".parse().unwrap()
    }

    fn comment(item: u128, id: u128, body: &str) -> Comment {
        Comment {
            id,
            item: ItemId::from_u128(item),
            author: Login::new("agent"),
            author_name: "Agent".into(),
            body: body.into(),
            at: Timestamp::UNIX_EPOCH,
            edited: None,
            removed: false,
        }
    }

    #[test]
    fn every_write_is_logged_and_read_back_in_its_newest_state() {
        let (_dir, hub) = store();
        let s = survey(true);
        hub.put_survey(&s).unwrap();
        hub.put_message(Thread::Comments, &comment(7, 1, "premier"))
            .unwrap();
        hub.put_message(Thread::Comments, &comment(7, 1, "corrigé"))
            .unwrap();
        hub.set_comments_open(ItemId::from_u128(7), true).unwrap();
        hub.answer_survey(
            s.id,
            &Login::new("agent"),
            42,
            &Answer {
                by: None,
                values: vec![AnswerValue::Choice(0); s.questions.len()],
            },
        )
        .unwrap();
        // The answer is not named: the results are not live.
        assert_eq!(hub.latest_shared_seq().unwrap(), 4);
        assert_eq!(hub.current_shared_seq(), 4);
        let (records, reached) = hub.shared_since(0, 100, later()).unwrap();
        assert_eq!(reached, 4);
        // One state per record, the newest.
        assert_eq!(records.len(), 3);
        assert!(matches!(&records[1], Shared::Comment(c) if c.body == "corrigé"));
        let Shared::Survey { answers, .. } = &records[0] else {
            panic!("a survey first")
        };
        assert_eq!(answers.len(), 1);
        // Nothing after the end; a limit stops the read.
        assert!(hub.shared_since(4, 100, later()).unwrap().0.is_empty());
        assert_eq!(hub.shared_since(0, 2, later()).unwrap().1, 2);
    }

    #[test]
    fn answers_leave_the_hub_only_once_agents_may_see_the_results() {
        let (_dir, hub) = store();
        let s = survey(true);
        hub.put_survey(&s).unwrap();
        let answer = Answer {
            by: None,
            values: vec![AnswerValue::Text("secret".into()); s.questions.len()],
        };
        hub.answer_survey(s.id, &Login::new("agent"), 42, &answer)
            .unwrap();
        let open = s.opens;
        let Shared::Survey { answers, .. } = &hub.shared_since(0, 100, open).unwrap().0[0] else {
            panic!("the survey")
        };
        assert!(
            answers.is_empty(),
            "open, results not live: no answer travels"
        );
        // Closing names it once, for edges to fetch its answers.
        let seq = hub.latest_shared_seq().unwrap();
        let generation = hub.shared_generation();
        assert_eq!(hub.log_closed_surveys(open).unwrap(), 0);
        assert_eq!(
            hub.shared_generation(),
            generation,
            "nothing closed: nothing written"
        );
        assert_eq!(hub.log_closed_surveys(later()).unwrap(), 1);
        assert_eq!(hub.log_closed_surveys(later()).unwrap(), 0);
        let (records, _) = hub.shared_since(seq, 100, later()).unwrap();
        let Shared::Survey { answers, .. } = &records[0] else {
            panic!("the survey")
        };
        assert_eq!(answers.len(), 1);
    }

    #[test]
    fn an_edge_applies_records_without_any_login_and_forgets_them_on_reset() {
        let (_dir, hub) = store();
        let s = survey(false);
        hub.put_survey(&s).unwrap();
        hub.answer_survey(
            s.id,
            &Login::new("agent"),
            42,
            &Answer {
                by: Some(Login::new("agent")),
                values: vec![AnswerValue::Choice(1); s.questions.len()],
            },
        )
        .unwrap();
        hub.put_discussion(&Discussion {
            id: 9,
            name: "Régisseurs".into(),
            description: String::new(),
            created_by: Login::new("webmestre"),
            created: Timestamp::UNIX_EPOCH,
        })
        .unwrap();
        hub.put_message(Thread::Space, &comment(9, 3, "bonjour"))
            .unwrap();
        let (records, _) = hub.shared_since(0, 100, later()).unwrap();

        let (_edge_dir, edge) = store();
        let batch = ReplicaBatch {
            shared: records,
            shared_cursor: 4,
            ..ReplicaBatch::default()
        };
        edge.apply_replicas(&batch, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(edge.shared_cursor().unwrap(), 4);
        let answers = edge.survey_answers(s.id).unwrap();
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].by, None, "no login travels");
        assert_eq!(edge.messages(Thread::Space, 9).unwrap()[0].body, "bonjour");
        // Applying twice changes nothing.
        edge.apply_replicas(&batch, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(edge.survey_answers(s.id).unwrap().len(), 1);

        edge.reset_replica("autre", Timestamp::UNIX_EPOCH).unwrap();
        assert!(edge.get_survey(s.id).unwrap().is_none());
        assert!(edge.discussions().unwrap().is_empty());
        assert_eq!(edge.shared_cursor().unwrap(), 0);
    }

    #[test]
    fn a_store_made_before_the_log_gets_its_records_named_once() {
        let (dir, store) = store();
        store.put_survey(&survey(true)).unwrap();
        // Simulate an older store: empty the log, then reopen.
        {
            let tx = store.db.begin_write().unwrap();
            tx.open_table(SHARED_LOG)
                .unwrap()
                .retain(|_, _| false)
                .unwrap();
            tx.commit().unwrap();
        }
        drop(store);
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        assert_eq!(store.latest_shared_seq().unwrap(), 1);
        drop(store);
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        assert_eq!(store.latest_shared_seq().unwrap(), 1, "seeded once only");
    }
}
