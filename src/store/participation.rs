//! Participation: read acknowledgements ("J'ai lu") and questionnaires.
//!
//! Invariant: an answer and its "has answered" flag are written in one
//! transaction, into two tables that share nothing but the survey id; an
//! anonymous answer is stored under a random id with no login and no time.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable};

use super::shared::{self, SharedKey};
use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::participation::{Answer, JobProfile, Survey};
use crate::domain::{Item, ItemId, Login, SurveyId, User};

/// What became of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    Recorded,
    /// The agent had already answered: nothing was written.
    AlreadyAnswered,
}

/// The raw rows of one survey, for audits and tests: what an operator with
/// the store file can see.
#[derive(Clone, Debug, Default)]
pub struct SurveyStorage {
    /// (answer id, CBOR bytes of the answer).
    pub answers: Vec<(u128, Vec<u8>)>,
    /// The logins of the "has answered" table (its whole key, beside the survey id).
    pub respondents: Vec<String>,
}

fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

impl Store {
    /// Items that ask for a read acknowledgement, whatever their status.
    pub fn items_to_acknowledge(&self) -> Result<Vec<Item>> {
        let tx = self.db.begin_read()?;
        let index = tx.open_table(ITEMS_TO_ACKNOWLEDGE)?;
        let items = tx.open_table(ITEMS)?;
        let mut out = Vec::new();
        for entry in index.iter()? {
            let id = entry?.0.value();
            if let Some(value) = items.get(id)? {
                out.push(codec::decode(value.value())?);
            }
        }
        Ok(out)
    }

    /// Visible items `user` is asked to acknowledge, with when they did
    /// (None: still to do), newest first.
    pub fn acknowledgements_for(
        &self,
        user: &User,
        now: Timestamp,
    ) -> Result<Vec<(Item, Option<Timestamp>)>> {
        let tx = self.db.begin_read()?;
        let acks = tx.open_table(ACKNOWLEDGEMENTS)?;
        let mut out = Vec::new();
        for item in asking_for_acknowledgement(&tx, now)? {
            if !item
                .acknowledgement
                .as_ref()
                .is_some_and(|a| a.includes(user))
            {
                continue;
            }
            let done = acks
                .get((item.id.to_u128(), user.login.as_str()))?
                .and_then(|v| Timestamp::from_millisecond(v.value()).ok());
            out.push((item, done));
        }
        Ok(out)
    }

    /// What asks something of agents at `now`, whoever they are: visible
    /// items that ask for a read confirmation (newest first) and open
    /// questionnaires (newest first, the latest 500).
    pub fn asks(&self, now: Timestamp) -> Result<(Vec<Item>, Vec<Survey>)> {
        let tx = self.db.begin_read()?;
        let to_acknowledge = asking_for_acknowledgement(&tx, now)?;
        let mut open = Vec::new();
        for entry in tx.open_table(SURVEYS)?.iter()?.rev().take(500) {
            let survey: Survey = codec::decode(entry?.1.value())?;
            if survey.is_open_at(now) {
                open.push(survey);
            }
        }
        Ok((to_acknowledge, open))
    }

    /// Which of `items` `login` has acknowledged, and which of `surveys`
    /// they have answered: point lookups in one read.
    pub fn answered_asks(
        &self,
        login: &Login,
        items: &[ItemId],
        surveys: &[SurveyId],
    ) -> Result<(Vec<bool>, Vec<bool>)> {
        let tx = self.db.begin_read()?;
        let acks = tx.open_table(ACKNOWLEDGEMENTS)?;
        let respondents = tx.open_table(SURVEY_RESPONDENTS)?;
        let acknowledged = items
            .iter()
            .map(|id| Ok(acks.get((id.to_u128(), login.as_str()))?.is_some()))
            .collect::<Result<_>>()?;
        let answered = surveys
            .iter()
            .map(|id| Ok(respondents.get((id.to_u128(), login.as_str()))?.is_some()))
            .collect::<Result<_>>()?;
        Ok((acknowledged, answered))
    }

    /// When `login` acknowledged `item`, if they did.
    pub fn acknowledged_at(&self, item: ItemId, login: &Login) -> Result<Option<Timestamp>> {
        let tx = self.db.begin_read()?;
        let acks = tx.open_table(ACKNOWLEDGEMENTS)?;
        let at = acks
            .get((item.to_u128(), login.as_str()))?
            .and_then(|v| Timestamp::from_millisecond(v.value()).ok());
        Ok(at)
    }

    /// Everyone who acknowledged `item`, with when.
    pub fn acknowledgements_of(&self, item: ItemId) -> Result<Vec<(Login, Timestamp)>> {
        let tx = self.db.begin_read()?;
        let acks = tx.open_table(ACKNOWLEDGEMENTS)?;
        let id = item.to_u128();
        let mut out = Vec::new();
        for entry in acks.range((id, "")..(id.saturating_add(1), ""))? {
            let (key, value) = entry?;
            if key.value().0 != id {
                continue;
            }
            if let Ok(at) = Timestamp::from_millisecond(value.value()) {
                out.push((Login::new(key.value().1), at));
            }
        }
        Ok(out)
    }

    /// Records "J'ai lu". The first time counts: a second tap (or a replayed
    /// delivery) changes nothing. Returns whether it was new.
    pub fn acknowledge(&self, item: ItemId, login: &Login, at: Timestamp) -> Result<bool> {
        let tx = self.db.begin_write()?;
        let new = {
            let mut acks = tx.open_table(ACKNOWLEDGEMENTS)?;
            let key = (item.to_u128(), login.as_str());
            if acks.get(key)?.is_some() {
                false
            } else {
                acks.insert(key, millis(at))?;
                true
            }
        };
        tx.commit()?;
        Ok(new)
    }

    /// Stars (`on`) or unstars an item for `login`. Setting a state, not
    /// toggling: a replayed delivery changes nothing.
    pub fn set_favourite(&self, login: &Login, item: ItemId, on: bool) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(FAVOURITES)?;
            if on {
                table.insert((login.as_str(), item.to_u128()), ())?;
            } else {
                table.remove((login.as_str(), item.to_u128()))?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn is_favourite(&self, login: &Login, item: ItemId) -> Result<bool> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(FAVOURITES)?;
        Ok(table.get((login.as_str(), item.to_u128()))?.is_some())
    }

    /// The items `login` starred, newest starred item first (by item id).
    pub fn favourites_of(&self, login: &Login) -> Result<Vec<Item>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(FAVOURITES)?;
        let items = tx.open_table(ITEMS)?;
        let mut out = Vec::new();
        for entry in table
            .range((login.as_str(), 0)..=(login.as_str(), u128::MAX))?
            .rev()
        {
            let (_, id) = entry?.0.value();
            if let Some(value) = items.get(id)? {
                out.push(codec::decode(value.value())?);
            }
        }
        Ok(out)
    }

    pub fn put_job_profile(&self, login: &Login, profile: &JobProfile) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(JOB_PROFILES)?
            .insert(login.as_str(), codec::encode(profile).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn job_profile(&self, login: &Login) -> Result<Option<JobProfile>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(JOB_PROFILES)?;
        let value = table.get(login.as_str())?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Every agent's job profile.
    pub fn job_profiles(&self) -> Result<Vec<(Login, JobProfile)>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(JOB_PROFILES)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            out.push((Login::new(key.value()), codec::decode(value.value())?));
        }
        Ok(out)
    }

    pub fn set_comments_open(&self, item: ItemId, open: bool) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(COMMENTS_OPEN)?;
            if open {
                table.insert(item.to_u128(), ())?;
            } else {
                table.remove(item.to_u128())?;
            }
        }
        let seq = shared::append(&tx, SharedKey::CommentsOpen(item.to_u128()))?;
        tx.commit()?;
        self.shared_committed(seq);
        Ok(())
    }

    pub fn comments_open(&self, item: ItemId) -> Result<bool> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(COMMENTS_OPEN)?.get(item.to_u128())?.is_some())
    }

    /// Adds or replaces a comment.
    pub fn put_survey(&self, survey: &Survey) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(SURVEYS)?
            .insert(survey.id.to_u128(), codec::encode(survey).as_slice())?;
        let seq = shared::append(&tx, SharedKey::Survey(survey.id.to_u128()))?;
        tx.commit()?;
        self.shared_committed(seq);
        Ok(())
    }

    pub fn get_survey(&self, id: SurveyId) -> Result<Option<Survey>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(SURVEYS)?;
        let value = table.get(id.to_u128())?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Surveys, newest first.
    pub fn surveys(&self, limit: usize) -> Result<Vec<Survey>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(SURVEYS)?;
        let mut out = Vec::new();
        for entry in table.iter()?.rev().take(limit) {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    /// Stores an answer and the "has answered" flag in one transaction, unless
    /// `login` already answered. `answer_id` must be random (not time-ordered).
    pub fn answer_survey(
        &self,
        survey: SurveyId,
        login: &Login,
        answer_id: u128,
        answer: &Answer,
    ) -> Result<AnswerOutcome> {
        let tx = self.db.begin_write()?;
        let mut seq = None;
        let outcome = {
            let mut respondents = tx.open_table(SURVEY_RESPONDENTS)?;
            let flag = (survey.to_u128(), login.as_str());
            if respondents.get(flag)?.is_some() {
                AnswerOutcome::AlreadyAnswered
            } else {
                respondents.insert(flag, ())?;
                tx.open_table(SURVEY_ANSWERS)?.insert(
                    (survey.to_u128(), answer_id),
                    codec::encode(answer).as_slice(),
                )?;
                // Live results changed: the log names the survey (only).
                // Otherwise edges get the answers once it closes.
                let live = tx
                    .open_table(SURVEYS)?
                    .get(survey.to_u128())?
                    .map(|v| codec::decode::<Survey>(v.value()))
                    .transpose()?
                    .is_some_and(|s| s.live_results);
                if live {
                    seq = Some(shared::append(&tx, SharedKey::Survey(survey.to_u128()))?);
                }
                AnswerOutcome::Recorded
            }
        };
        tx.commit()?;
        if let Some(seq) = seq {
            self.shared_committed(seq);
        }
        Ok(outcome)
    }

    /// Sets the "has answered" flag alone (an edge, whose agent's answer
    /// travels to the hub). Tells whether it was already set.
    pub fn mark_answered(&self, survey: SurveyId, login: &Login) -> Result<AnswerOutcome> {
        let tx = self.db.begin_write()?;
        let outcome = {
            let mut respondents = tx.open_table(SURVEY_RESPONDENTS)?;
            let flag = (survey.to_u128(), login.as_str());
            if respondents.insert(flag, ())?.is_some() {
                AnswerOutcome::AlreadyAnswered
            } else {
                AnswerOutcome::Recorded
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    pub fn has_answered(&self, survey: SurveyId, login: &Login) -> Result<bool> {
        let tx = self.db.begin_read()?;
        let respondents = tx.open_table(SURVEY_RESPONDENTS)?;
        Ok(respondents
            .get((survey.to_u128(), login.as_str()))?
            .is_some())
    }

    /// A survey's answers, in answer-id order (random for anonymous ones).
    pub fn survey_answers(&self, survey: SurveyId) -> Result<Vec<Answer>> {
        let tx = self.db.begin_read()?;
        let answers = tx.open_table(SURVEY_ANSWERS)?;
        let id = survey.to_u128();
        let mut out = Vec::new();
        for entry in answers.range((id, 0)..=(id, u128::MAX))? {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    /// The raw rows a survey left in the store (see [`SurveyStorage`]).
    pub fn survey_storage(&self, survey: SurveyId) -> Result<SurveyStorage> {
        let tx = self.db.begin_read()?;
        let id = survey.to_u128();
        let mut storage = SurveyStorage::default();
        for entry in tx
            .open_table(SURVEY_ANSWERS)?
            .range((id, 0)..=(id, u128::MAX))?
        {
            let (key, value) = entry?;
            storage
                .answers
                .push((key.value().1, value.value().to_vec()));
        }
        let respondents = tx.open_table(SURVEY_RESPONDENTS)?;
        for entry in respondents.iter()? {
            let (key, _) = entry?;
            if key.value().0 == id {
                storage.respondents.push(key.value().1.to_owned());
            }
        }
        Ok(storage)
    }
}

/// The items visible at `now` that ask someone for a read confirmation,
/// newest first.
fn asking_for_acknowledgement(tx: &redb::ReadTransaction, now: Timestamp) -> Result<Vec<Item>> {
    let index = tx.open_table(ITEMS_TO_ACKNOWLEDGE)?;
    let items = tx.open_table(ITEMS)?;
    let mut out = Vec::new();
    for entry in index.iter()?.rev() {
        let Some(value) = items.get(entry?.0.value())? else {
            continue;
        };
        let item: Item = codec::decode(value.value())?;
        if item.acknowledgement.is_some() && item.is_visible_at(now) {
            out.push(item);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::item::tests::{actu, t};
    use crate::domain::participation::{AnswerValue, Audience};

    use crate::store::test_store as store;

    #[test]
    fn the_acknowledgement_index_follows_the_item() {
        let (_dir, store) = store();
        let now = t("2026-11-29T10:00:00Z");
        let mut note = actu(now);
        store.put_items(std::slice::from_ref(&note)).unwrap();
        assert!(store.items_to_acknowledge().unwrap().is_empty());
        note.acknowledgement = Some(Audience::Everyone);
        note.version += 1;
        store.put_items(std::slice::from_ref(&note)).unwrap();
        assert_eq!(store.items_to_acknowledge().unwrap().len(), 1);
        let agent = Login::new("agent");
        assert!(store.acknowledge(note.id, &agent, now).unwrap());
        assert!(
            !store
                .acknowledge(note.id, &agent, t("2026-11-30T10:00:00Z"))
                .unwrap(),
            "the first time counts"
        );
        assert_eq!(store.acknowledged_at(note.id, &agent).unwrap(), Some(now));
        assert_eq!(
            store.acknowledgements_of(note.id).unwrap(),
            vec![(agent, now)]
        );
        note.acknowledgement = None;
        note.version += 1;
        store.put_items(std::slice::from_ref(&note)).unwrap();
        assert!(store.items_to_acknowledge().unwrap().is_empty());
    }

    #[test]
    fn an_agent_answers_once_and_the_flag_holds_no_answer() {
        let (_dir, store) = store();
        let survey = SurveyId::new(t("2026-11-29T10:00:00Z"), 5);
        let answer = Answer {
            by: None,
            values: vec![AnswerValue::Text("réponse libre".into())],
        };
        let agent = Login::new("agent");
        assert_eq!(
            store.answer_survey(survey, &agent, 42, &answer).unwrap(),
            AnswerOutcome::Recorded
        );
        assert_eq!(
            store.answer_survey(survey, &agent, 43, &answer).unwrap(),
            AnswerOutcome::AlreadyAnswered
        );
        assert_eq!(store.survey_answers(survey).unwrap(), vec![answer]);
        let storage = store.survey_storage(survey).unwrap();
        assert_eq!(storage.respondents, vec!["agent".to_owned()]);
        assert_eq!(storage.answers.len(), 1);
        assert!(store.has_answered(survey, &agent).unwrap());
    }
}
