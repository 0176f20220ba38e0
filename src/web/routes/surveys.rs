//! Questionnaires: list, creation, answering (borne and phone), results and
//! CSV export. Nothing here logs or audits an answer.

use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use maud::Markup;
use serde::Deserialize;

use super::outbox::queue;
use crate::content::WriteError;
use crate::domain::SurveyId;
use crate::domain::participation::{
    self, Audience, Question, QuestionKind, Survey, read_answers, tally,
};
use crate::domain::policy::{Action, decide};
use crate::federation::wire::Submission;
use crate::store::AnswerOutcome;
use crate::web::auth::{Agent, check_csrf};
use crate::web::views::Section;
use crate::web::views::surveys::{self, AnswerPage, EditorPage, ListPage, QUESTION_SLOTS};
use crate::web::{AppState, WebError};

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

fn parse_survey_id(raw: &str) -> Result<SurveyId, WebError> {
    raw.parse().map_err(|_| WebError::NotFound)
}

#[derive(Deserialize)]
pub struct ListQuery {
    cree: Option<String>,
}

pub async fn get_surveys(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Other, &visitor);
    let list = state
        .content
        .surveys_for(&signed_in.user, chrome.now)
        .await?;
    Ok(surveys::list(
        &chrome,
        &ListPage {
            list: &list,
            can_create: !state.federation.is_edge()
                && decide(&signed_in.user, &Action::CreateSurvey, None).allowed(),
            message: query
                .cree
                .is_some()
                .then_some("Votre questionnaire est enregistré."),
        },
    ))
}

fn day_input(t: Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned_datetime(tz.clone()).date().to_string()
}

fn editor_page(
    state: &AppState,
    visitor: &crate::web::auth::Visitor,
    fields: &Fields,
    units: &[String],
    errors: &[(String, &'static str)],
) -> Markup {
    let chrome = state.chrome(Section::Other, visitor);
    let tz = chrome.tz();
    surveys::editor(
        &chrome,
        &EditorPage {
            fields,
            units,
            errors,
            default_opens: day_input(chrome.now, tz),
            default_closes: day_input(chrome.now + jiff::SignedDuration::from_hours(14 * 24), tz),
        },
    )
}

pub async fn get_new_survey(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
) -> Result<Markup, WebError> {
    if !decide(&signed_in.user, &Action::CreateSurvey, None).allowed() {
        return Err(WebError::Forbidden);
    }
    let units = super::participation::units(&state).await?;
    Ok(editor_page(&state, &visitor, &vec![], &units, &[]))
}

/// What the author's form says, once valid.
struct NewSurvey {
    title: String,
    intro: String,
    audience: Audience,
    opens: Timestamp,
    closes: Timestamp,
    anonymous: bool,
    live_results: bool,
    questions: Vec<Question>,
}

/// Reads the author's form into a survey, or the errors by field.
fn read_survey(
    fields: &Fields,
    tz: &jiff::tz::TimeZone,
) -> Result<NewSurvey, Vec<(String, &'static str)>> {
    let mut errors: Vec<(String, &'static str)> = Vec::new();
    let title = field(fields, "titre").to_owned();
    if title.is_empty() {
        errors.push(("titre".into(), "Donnez un titre au questionnaire."));
    }
    let units: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "unites" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let audience = if field(fields, "public") == "unites" {
        if units.is_empty() {
            errors.push((
                "public".into(),
                "Cochez au moins un service ou une direction, ou choisissez « Tous les agents ».",
            ));
        }
        Audience::Units(units)
    } else {
        Audience::Everyone
    };
    let day = |name: &str| -> Option<Timestamp> {
        let date: jiff::civil::Date = field(fields, name).parse().ok()?;
        date.to_zoned_datetime(tz.clone())
            .ok()
            .map(|z| z.timestamp())
    };
    let opens = day("ouverture");
    if opens.is_none() {
        errors.push(("ouverture".into(), "Indiquez une date d'ouverture valable."));
    }
    let closes = day("cloture").map(|t| t + jiff::SignedDuration::from_hours(24));
    match (opens, closes) {
        (_, None) => errors.push(("cloture".into(), "Indiquez une date de clôture valable.")),
        (Some(o), Some(c)) if c <= o => errors.push((
            "cloture".into(),
            "La date de clôture doit venir après la date d'ouverture.",
        )),
        _ => {}
    }
    let mut questions = Vec::new();
    for n in 1..=QUESTION_SLOTS {
        let label = field(fields, &format!("q{n}_libelle")).to_owned();
        if label.is_empty() {
            continue;
        }
        let options: Vec<String> = field(fields, &format!("q{n}_choix"))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let kind = match field(fields, &format!("q{n}_type")) {
            "multiple" => QuestionKind::Multiple(options),
            "echelle" => QuestionKind::Scale,
            "texte" => QuestionKind::Text,
            _ => QuestionKind::Single(options),
        };
        if let QuestionKind::Single(o) | QuestionKind::Multiple(o) = &kind
            && o.len() < 2
        {
            errors.push((
                format!("q{n}_choix"),
                "Une question à choix demande au moins deux choix, un par ligne.",
            ));
        }
        questions.push(Question {
            label,
            kind,
            required: field(fields, &format!("q{n}_obligatoire")) == "oui",
        });
    }
    if questions.is_empty() && !errors.iter().any(|(k, _)| k == "q1_libelle") {
        errors.push(("q1_libelle".into(), "Posez au moins une question."));
    }
    match (errors.is_empty(), opens, closes) {
        (true, Some(opens), Some(closes)) => Ok(NewSurvey {
            title,
            intro: field(fields, "intro").to_owned(),
            audience,
            opens,
            closes,
            anonymous: field(fields, "anonyme") == "oui",
            live_results: field(fields, "direct") == "oui",
            questions,
        }),
        _ => Err(errors),
    }
}

pub async fn post_new_survey(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, field(&fields, "csrf"))?;
    let user = &signed_in.user;
    if !decide(user, &Action::CreateSurvey, None).allowed() {
        return Err(WebError::Forbidden);
    }
    let now = state.clock.now();
    match read_survey(&fields, &state.site.tz) {
        Err(errors) => {
            let units = super::participation::units(&state).await?;
            let page = editor_page(&state, &visitor, &fields, &units, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Ok(new) => {
            let survey = Survey {
                id: SurveyId::new(now, rand::random::<u128>() >> 48),
                title: new.title,
                intro: new.intro,
                author: user.login.clone(),
                author_name: user.display_name(),
                audience: new.audience,
                opens: new.opens,
                closes: new.closes,
                anonymous: new.anonymous,
                live_results: new.live_results,
                questions: new.questions,
                created: now,
            };
            state.content.create_survey(user, survey).await?;
            Ok(Redirect::to("/questionnaires?cree=1").into_response())
        }
    }
}

fn may_follow(user: &crate::domain::User, survey: &Survey) -> bool {
    decide(
        user,
        &Action::FollowSurvey {
            author: survey.author.clone(),
        },
        None,
    )
    .allowed()
}

#[derive(Deserialize)]
pub struct SurveyQuery {
    merci: Option<String>,
}

pub async fn get_survey(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SurveyQuery>,
) -> Result<Markup, WebError> {
    let id = parse_survey_id(&id)?;
    let chrome = state.chrome(Section::Other, &visitor);
    let user = &signed_in.user;
    let (survey, answered) = state.content.survey_for(user, id).await?;
    Ok(surveys::answer(
        &chrome,
        &AnswerPage {
            survey: &survey,
            answered,
            open: survey.is_open_at(chrome.now) && survey.audience.includes(user),
            sent: &[],
            errors: &vec![],
            results_visible: survey.results_visible_to(user, chrome.now),
            message: query
                .merci
                .is_some()
                .then_some("Merci : votre réponse est enregistrée."),
        },
    ))
}

pub async fn post_answer(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, field(&fields, "csrf"))?;
    let id = parse_survey_id(&id)?;
    let user = &signed_in.user;
    let now = state.clock.now();
    let (survey, answered) = state.content.survey_for(user, id).await?;
    let sent: Vec<Vec<String>> = (0..survey.questions.len())
        .map(|i| {
            let name = format!("q{i}");
            fields
                .iter()
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .collect()
        })
        .collect();
    let values = match read_answers(&survey, &sent) {
        Ok(values) => values,
        Err(errors) => {
            let chrome = state.chrome(Section::Other, &visitor);
            let page = surveys::answer(
                &chrome,
                &AnswerPage {
                    survey: &survey,
                    answered,
                    open: survey.is_open_at(now),
                    sent: &sent,
                    errors: &errors,
                    results_visible: survey.results_visible_to(user, now),
                    message: None,
                },
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let outcome = match &state.federation.edge {
        // On an edge the answer goes to the hub, then the flag is set here:
        // a crash in between lets the agent answer again, and the hub keeps
        // only the first answer.
        Some(edge) if !answered => {
            let checked = state
                .content
                .check_answer(user, id, values.len(), now)
                .await;
            match checked {
                Ok(()) => {
                    let label = format!("Réponse au questionnaire « {} »", survey.title);
                    queue(edge, user, label, Submission::Answer { survey: id, values })?;
                    let login = user.login.clone();
                    state
                        .content
                        .store()
                        .run(move |s| s.mark_answered(id, &login))
                        .await
                        .map_err(Into::into)
                }
                Err(e) => Err(e),
            }
        }
        Some(_) => Ok(AnswerOutcome::AlreadyAnswered),
        None => {
            state
                .content
                .answer_survey(user, id, values, rand::random(), now)
                .await
        }
    };
    match outcome {
        Ok(AnswerOutcome::Recorded | AnswerOutcome::AlreadyAnswered) => {
            Ok(Redirect::to(&format!("/questionnaires/{id}?merci=1")).into_response())
        }
        Err(WriteError::Invalid("closed")) => Err(WebError::BadRequest(
            "Ce questionnaire est clos : votre réponse n'a pas pu être enregistrée.",
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn get_results(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    let id = parse_survey_id(&id)?;
    let chrome = state.chrome(Section::Other, &visitor);
    let user = &signed_in.user;
    let results = state.content.survey_results(user, id, chrome.now).await?;
    let tallies = tally(&results.survey, &results.answers);
    Ok(surveys::results(
        &chrome,
        &surveys::ResultsPage {
            survey: &results.survey,
            tallies: &tallies,
            respondents: results.answers.len(),
            can_export: !state.federation.is_edge() && may_follow(user, &results.survey),
        },
    ))
}

/// The answers as CSV, for the author and the webmasters.
pub async fn get_export(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_survey_id(&id)?;
    let user = &signed_in.user;
    let results = state
        .content
        .survey_results(user, id, state.clock.now())
        .await?;
    if !may_follow(user, &results.survey) {
        return Err(WebError::Forbidden);
    }
    let rows: Vec<(Option<String>, &participation::Answer)> = results
        .names
        .iter()
        .cloned()
        .zip(&results.answers)
        .collect();
    // A BOM so that spreadsheet software reads the accents as UTF-8.
    let body = format!("\u{feff}{}", participation::csv(&results.survey, &rows));
    let filename = format!("questionnaire-{id}.csv");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}
