//! Participation operations (issue 11): asking for and giving read
//! acknowledgements, reminders, questionnaires and their results. Every
//! operation asks the rights policy first.
//!
//! Invariant: answering an anonymous survey writes nothing that names the
//! agent beside the answer: no audit entry, no log line, no change-log entry.

use jiff::Timestamp;

use super::Content;
use super::write::WriteError;
use crate::domain::participation::{Answer, AnswerValue, Audience, Survey};
use crate::domain::policy::{Action, decide};
use crate::domain::{Item, ItemId, Login, SurveyId, User};
use crate::store::{AnswerOutcome, AuditEntry, Notice, NoticeKind, Store};

type Result<T> = std::result::Result<T, WriteError>;

/// Who has read a note de service, and who has not yet.
#[derive(Debug, Clone)]
pub struct AcknowledgementReport {
    pub item: Item,
    /// (name, service, when), by name.
    pub read: Vec<(String, String, Timestamp)>,
    /// (name, service), by name: agents of the audience who have not read yet.
    pub unread: Vec<(String, String)>,
}

/// The questionnaires an agent sees.
#[derive(Debug, Clone, Default)]
pub struct SurveyList {
    /// Open and meant for the agent, with whether they answered.
    pub open: Vec<(Survey, bool)>,
    /// Closed (or live) surveys whose results the agent may see.
    pub results: Vec<Survey>,
    /// Those the agent made.
    pub mine: Vec<Survey>,
}

/// What asks something of agents at a given minute, whoever they are.
#[derive(Debug, Default)]
pub struct Asks {
    /// Visible items that ask for a read confirmation, newest first.
    to_acknowledge: Vec<Item>,
    /// Open questionnaires, newest first.
    open_surveys: Vec<Survey>,
}

/// What waits for an agent on the home page.
#[derive(Debug, Default)]
pub struct Waiting {
    /// Notes they are asked to acknowledge and have not, newest first.
    pub to_acknowledge: Vec<Item>,
    /// Open questionnaires that wait for their answer.
    pub surveys: usize,
}

#[derive(Debug, Clone)]
pub struct SurveyResults {
    pub survey: Survey,
    pub answers: Vec<Answer>,
    /// For named surveys: each answer's author name (same order as `answers`).
    pub names: Vec<Option<String>>,
}

impl Content {
    /// Asks `audience` (None: no longer asks) to confirm reading item `id`.
    pub async fn require_acknowledgement(
        &self,
        user: &User,
        id: ItemId,
        audience: Option<Audience>,
        now: Timestamp,
    ) -> Result<Item> {
        let (actor, store) = (user.clone(), self.store().clone());
        store
            .run(move |store| {
                let Some(mut item) = store.get_item(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                if !decide(&actor, &Action::ManageAcknowledgement, Some(&item)).allowed() {
                    return Ok(Err(WriteError::Denied));
                }
                let before = item
                    .acknowledgement
                    .as_ref()
                    .map(Audience::describe)
                    .unwrap_or_default();
                item.acknowledgement = audience;
                item.version += 1;
                item.updated = now;
                store.put_items(std::slice::from_ref(&item))?;
                store.audit(&AuditEntry {
                    at: now,
                    actor: actor.login.clone(),
                    action: "accusé de lecture".into(),
                    target: format!("{} « {} »", item.id, item.title),
                    before,
                    after: item
                        .acknowledgement
                        .as_ref()
                        .map(Audience::describe)
                        .unwrap_or_default(),
                })?;
                Ok(Ok(item))
            })
            .await?
    }

    /// "J'ai lu". Returns the item (to go back to it).
    pub async fn acknowledge(&self, user: &User, id: ItemId, at: Timestamp) -> Result<Item> {
        let (reader, store) = (user.clone(), self.store().clone());
        store
            .run(move |store| {
                let Some(item) = store.get_item(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                if !decide(&reader, &Action::Acknowledge, Some(&item)).allowed() {
                    return Ok(Err(WriteError::Denied));
                }
                store.acknowledge(id, &reader.login, at)?;
                Ok(Ok(item))
            })
            .await?
    }

    /// Items `user` is asked to read, still to do first, then done (newest first).
    pub async fn acknowledgements_for(
        &self,
        user: &User,
        now: Timestamp,
    ) -> Result<Vec<(Item, Option<Timestamp>)>> {
        let user = user.clone();
        let mut all = self
            .store()
            .run(move |store| store.acknowledgements_for(&user, now))
            .await?;
        all.sort_by_key(|(_, done)| done.is_some());
        Ok(all)
    }

    /// Who has and has not read item `id` (its author and managers only).
    pub async fn acknowledgement_report(
        &self,
        user: &User,
        id: ItemId,
    ) -> Result<AcknowledgementReport> {
        let (viewer, store) = (user.clone(), self.store().clone());
        store
            .run(move |store| {
                let Some(item) = store.get_item(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                if !decide(&viewer, &Action::ManageAcknowledgement, Some(&item)).allowed() {
                    return Ok(Err(WriteError::Denied));
                }
                let Some(audience) = item.acknowledgement.clone() else {
                    return Ok(Err(WriteError::NotFound));
                };
                let done: std::collections::HashMap<Login, Timestamp> =
                    store.acknowledgements_of(id)?.into_iter().collect();
                let mut read = Vec::new();
                let mut unread = Vec::new();
                for person in store.all_users()? {
                    if let Some(at) = done.get(&person.login) {
                        read.push((person.display_name(), person.service.clone(), *at));
                    } else if !person.disabled && audience.includes(&person) {
                        unread.push((person.display_name(), person.service.clone()));
                    }
                }
                read.sort_by(|a, b| a.0.cmp(&b.0));
                unread.sort();
                Ok(Ok(AcknowledgementReport { item, read, unread }))
            })
            .await?
    }

    /// Sends a reminder notice to every agent of the audience who has not
    /// read item `id` yet; returns how many.
    pub async fn remind_acknowledgement(
        &self,
        user: &User,
        id: ItemId,
        now: Timestamp,
    ) -> Result<usize> {
        let (sender, store) = (user.clone(), self.store().clone());
        store
            .run(move |store| {
                let Some(item) = store.get_item(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                if !decide(&sender, &Action::ManageAcknowledgement, Some(&item)).allowed() {
                    return Ok(Err(WriteError::Denied));
                }
                let Some(audience) = item.acknowledgement.clone() else {
                    return Ok(Err(WriteError::NotFound));
                };
                let done: std::collections::HashSet<Login> = store
                    .acknowledgements_of(id)?
                    .into_iter()
                    .map(|(l, _)| l)
                    .collect();
                let mut sent = 0;
                for person in store.all_users()? {
                    if person.disabled
                        || done.contains(&person.login)
                        || !audience.includes(&person)
                    {
                        continue;
                    }
                    store.add_notice(
                        &person.login,
                        &Notice {
                            at: now,
                            item: item.id,
                            title: item.title.clone(),
                            kind: NoticeKind::ReadReminder,
                            read: false,
                        },
                    )?;
                    sent += 1;
                }
                Ok(Ok(sent))
            })
            .await?
    }

    /// Stars or unstars an item for `user` ("Mon espace").
    pub async fn set_favourite(&self, user: &User, id: ItemId, on: bool) -> Result<Item> {
        let (agent, store) = (user.clone(), self.store().clone());
        store
            .run(move |store| {
                let Some(item) = store.get_item(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                // Taking a star off is always possible, even from a withdrawn item.
                if on && !decide(&agent, &Action::Favourite, Some(&item)).allowed() {
                    return Ok(Err(WriteError::Denied));
                }
                store.set_favourite(&agent.login, id, on)?;
                Ok(Ok(item))
            })
            .await?
    }

    /// Tells every agent whose job profile matches a newly published offer.
    /// An offer scheduled for later gets its notices dated then: they stay
    /// out of sight until the offer itself shows.
    pub async fn notify_matching_job(&self, item: &Item, now: Timestamp) -> Result<usize> {
        let crate::domain::Details::Job(job) = &item.details else {
            return Ok(0);
        };
        if item.status != crate::domain::Status::Published {
            return Ok(0);
        }
        let (job, id, title, author) = (
            job.clone(),
            item.id,
            item.title.clone(),
            item.author.clone(),
        );
        let at = item.publish_at.map_or(now, |p| p.max(now));
        let sent = self
            .store()
            .run(move |store| {
                let mut sent = 0;
                for (login, profile) in store.job_profiles()? {
                    if login == author || !profile.matches(&job) {
                        continue;
                    }
                    store.add_notice(
                        &login,
                        &Notice {
                            at,
                            item: id,
                            title: title.clone(),
                            kind: NoticeKind::MatchingJob,
                            read: false,
                        },
                    )?;
                    sent += 1;
                }
                Ok(sent)
            })
            .await?;
        Ok(sent)
    }

    /// Saves a new questionnaire made by `user`.
    pub async fn create_survey(&self, user: &User, survey: Survey) -> Result<Survey> {
        if !decide(user, &Action::CreateSurvey, None).allowed() {
            return Err(WriteError::Denied);
        }
        if survey.title.trim().is_empty() || survey.questions.is_empty() {
            return Err(WriteError::Invalid("survey"));
        }
        let saved = survey.clone();
        self.store().run(move |s| s.put_survey(&saved)).await?;
        Ok(survey)
    }

    /// What the questionnaires page shows `user`.
    pub async fn surveys_for(&self, user: &User, now: Timestamp) -> Result<SurveyList> {
        let user = user.clone();
        let list = self
            .store()
            .run(move |store| survey_list(store, &user, now))
            .await?;
        Ok(list)
    }

    /// What waits for `user` on the home page: the notes they are asked to
    /// acknowledge and have not, and how many open questionnaires wait for
    /// their answer (what is asked of everyone comes from [`Content::asks`]).
    pub async fn waiting_for(&self, user: &User, now: Timestamp) -> Result<Waiting> {
        let asks = self.asks(now).await?;
        let items: Vec<&Item> = asks
            .to_acknowledge
            .iter()
            .filter(|item| {
                item.acknowledgement
                    .as_ref()
                    .is_some_and(|a| a.includes(user))
            })
            .collect();
        let surveys: Vec<SurveyId> = asks
            .open_surveys
            .iter()
            .filter(|survey| survey.audience.includes(user))
            .map(|survey| survey.id)
            .collect();
        if items.is_empty() && surveys.is_empty() {
            return Ok(Waiting::default());
        }
        // A few point lookups in small tables, read in place like the
        // session's facts (`web::auth`): handing the worker to another thread
        // would cost more than the read, on every home page.
        let ids: Vec<ItemId> = items.iter().map(|item| item.id).collect();
        let (acknowledged, answered) = self.store().answered_asks(&user.login, &ids, &surveys)?;
        Ok(Waiting {
            to_acknowledge: items
                .into_iter()
                .zip(acknowledged)
                .filter(|(_, done)| !done)
                .map(|(item, _)| item.clone())
                .collect(),
            surveys: answered.iter().filter(|done| !**done).count(),
        })
    }

    /// What asks something of every agent at `now` (whoever they are),
    /// loaded once per change of content or shared records and per minute.
    async fn asks(&self, now: Timestamp) -> Result<std::sync::Arc<Asks>> {
        let store = self.store();
        let key = (
            store.current_seq(),
            store.shared_generation(),
            now.as_second() / 60,
        );
        self.asks
            .get_or_load(key, async || {
                let (to_acknowledge, open_surveys) =
                    store.run(move |store| store.asks(now)).await?;
                Ok(std::sync::Arc::new(Asks {
                    to_acknowledge,
                    open_surveys,
                }))
            })
            .await
    }

    /// A survey `user` may see (audience, author or webmaster).
    pub async fn survey_for(&self, user: &User, id: SurveyId) -> Result<(Survey, bool)> {
        let user = user.clone();
        self.store()
            .run(move |store| {
                let Some(survey) = store.get_survey(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                let follows = decide(
                    &user,
                    &Action::FollowSurvey {
                        author: survey.author.clone(),
                    },
                    None,
                )
                .allowed();
                if !survey.audience.includes(&user) && !follows {
                    return Ok(Err(WriteError::NotFound));
                }
                let answered = store.has_answered(id, &user.login)?;
                Ok(Ok((survey, answered)))
            })
            .await?
    }

    /// Records `user`'s answer. For an anonymous survey the stored answer has
    /// no login; `answer_id` must be random. Nothing is logged or audited.
    pub async fn answer_survey(
        &self,
        user: &User,
        id: SurveyId,
        values: Vec<AnswerValue>,
        answer_id: u128,
        now: Timestamp,
    ) -> Result<AnswerOutcome> {
        let user = user.clone();
        self.store()
            .run(move |store| {
                let survey = match answerable(store, &user, id, values.len(), now)? {
                    Ok(survey) => survey,
                    Err(e) => return Ok(Err(e)),
                };
                let answer = Answer {
                    by: (!survey.anonymous).then(|| user.login.clone()),
                    values,
                };
                Ok(Ok(store.answer_survey(
                    id,
                    &user.login,
                    answer_id,
                    &answer,
                )?))
            })
            .await?
    }

    /// Checks that `user` may answer survey `id` now with `count` values,
    /// writing nothing (an edge, before it sends the answer to the hub).
    pub async fn check_answer(
        &self,
        user: &User,
        id: SurveyId,
        count: usize,
        now: Timestamp,
    ) -> Result<()> {
        let user = user.clone();
        self.store()
            .run(move |store| Ok(answerable(store, &user, id, count, now)?.map(|_| ())))
            .await?
    }

    /// A survey's answers, for whoever may see its results now.
    pub async fn survey_results(
        &self,
        user: &User,
        id: SurveyId,
        now: Timestamp,
    ) -> Result<SurveyResults> {
        let user = user.clone();
        self.store()
            .run(move |store| {
                let Some(survey) = store.get_survey(id)? else {
                    return Ok(Err(WriteError::NotFound));
                };
                if !survey.results_visible_to(&user, now) {
                    return Ok(Err(WriteError::Denied));
                }
                let answers = store.survey_answers(id)?;
                let mut names = Vec::with_capacity(answers.len());
                for answer in &answers {
                    names.push(match &answer.by {
                        Some(login) => Some(
                            store
                                .get_user(login)?
                                .map(|u| u.display_name())
                                .unwrap_or_else(|| login.to_string()),
                        ),
                        None => None,
                    });
                }
                Ok(Ok(SurveyResults {
                    survey,
                    answers,
                    names,
                }))
            })
            .await?
    }
}

/// [`Content::surveys_for`] inside a store task.
fn survey_list(store: &Store, user: &User, now: Timestamp) -> crate::store::Result<SurveyList> {
    let mut list = SurveyList::default();
    for survey in store.surveys(500)? {
        let follows = decide(
            user,
            &Action::FollowSurvey {
                author: survey.author.clone(),
            },
            None,
        )
        .allowed();
        let audience = survey.audience.includes(user);
        if audience && survey.is_open_at(now) {
            let answered = store.has_answered(survey.id, &user.login)?;
            list.open.push((survey.clone(), answered));
        }
        if survey.author == user.login {
            list.mine.push(survey);
        } else if follows
            || (audience && survey.opens <= now && survey.results_visible_to(user, now))
        {
            // Webmasters follow every survey; agents see results when shown.
            list.results.push(survey);
        }
    }
    Ok(list)
}

/// The survey `user` may answer now with `count` values, or why not.
fn answerable(
    store: &crate::store::Store,
    user: &User,
    id: SurveyId,
    count: usize,
    now: Timestamp,
) -> crate::store::Result<Result<Survey>> {
    let Some(survey) = store.get_survey(id)? else {
        return Ok(Err(WriteError::NotFound));
    };
    if user.disabled || !survey.audience.includes(user) {
        return Ok(Err(WriteError::Denied));
    }
    if !survey.is_open_at(now) {
        return Ok(Err(WriteError::Invalid("closed")));
    }
    if count != survey.questions.len() {
        return Ok(Err(WriteError::Invalid("answers")));
    }
    Ok(Ok(survey))
}
