//! Read acknowledgements: "J'ai lu", the author's follow-up (who has and has
//! not read), the audience form and reminders. Questionnaires are in
//! `surveys.rs`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::spaces::parse_id;
use crate::domain::policy::{Action, decide};
use crate::domain::{Audience, Item, User};
use crate::web::auth::{Agent, check_csrf, safe_return};
use crate::web::views::Section;
use crate::web::views::acknowledgements::{self, AckBox, AckFollowPage};
use crate::web::{AppState, WebError};

/// What an item's page shows `user` about read acknowledgement.
pub async fn ack_box_for(state: &AppState, user: &User, item: &Item) -> Result<AckBox, WebError> {
    let asked = decide(user, &Action::Acknowledge, Some(item)).allowed();
    let can_manage = !state.federation.is_edge()
        && decide(user, &Action::ManageAcknowledgement, Some(item)).allowed();
    let done = if asked {
        let (id, login) = (item.id, user.login.clone());
        state
            .content
            .store()
            .run(move |s| s.acknowledged_at(id, &login))
            .await?
    } else {
        None
    };
    Ok(AckBox {
        asked,
        done,
        can_manage,
    })
}

/// Every service and direction of the directory, sorted, without duplicates.
pub async fn units(state: &AppState) -> Result<Vec<String>, WebError> {
    let users = state.content.store().run(|s| s.all_users()).await?;
    let mut units: Vec<String> = users
        .iter()
        .flat_map(|u| [u.direction.trim(), u.service.trim()])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    units.sort_by_key(|u| crate::domain::text::fold(u));
    units.dedup();
    Ok(units)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    retour: String,
}

/// "J'ai lu". On an edge it is recorded here at once (so the page says so)
/// and sent to the hub through the outbox.
pub async fn post_acknowledge(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<ConfirmForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let user = &signed_in.user;
    let now = state.clock.now();
    let item = state.content.acknowledge(user, id, now).await?;
    if let Some(edge) = &state.federation.edge {
        super::outbox::queue(
            edge,
            user,
            format!("Lecture confirmée de « {} »", item.title),
            crate::federation::wire::Submission::Acknowledge { item: id },
        )?;
    }
    let back = safe_return(Some(&form.retour));
    let target = if back == "/" {
        "/?lu=1".to_owned()
    } else {
        let sep = if back.contains('?') { '&' } else { '?' };
        format!("{back}{sep}lu=1")
    };
    Ok(Redirect::to(&target).into_response())
}

#[derive(Deserialize)]
pub struct FollowQuery {
    relance: Option<usize>,
    enregistre: Option<String>,
}

pub async fn get_follow(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<FollowQuery>,
) -> Result<Markup, WebError> {
    let id = parse_id(&id)?;
    let user = &signed_in.user;
    let item = state
        .content
        .store()
        .run(move |s| s.get_item(id))
        .await?
        .ok_or(WebError::NotFound)?;
    if !decide(user, &Action::ManageAcknowledgement, Some(&item)).allowed() {
        return Err(WebError::Forbidden);
    }
    let report = match item.acknowledgement {
        Some(_) => Some(state.content.acknowledgement_report(user, id).await?),
        None => None,
    };
    let units = units(&state).await?;
    let (everyone, chosen) = match &item.acknowledgement {
        Some(Audience::Units(chosen)) => (false, chosen.clone()),
        _ => (true, vec![]),
    };
    let message = match (query.relance, query.enregistre.is_some()) {
        (Some(0), _) => Some("Tout le monde avait déjà lu : aucun rappel n'est parti.".to_owned()),
        (Some(n), _) => Some(format!(
            "Rappel envoyé à {n} agent(s). Ils le verront dans leurs avis et sur la page d'accueil."
        )),
        (None, true) => Some("C'est enregistré.".to_owned()),
        _ => None,
    };
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(acknowledgements::follow_page(
        &chrome,
        &AckFollowPage {
            item: &item,
            report: report.as_ref(),
            units: &units,
            everyone,
            chosen: &chosen,
            error: None,
            message,
        },
    ))
}

/// The audience form: `public=tous|unites`, `unites` (repeated), `action`.
pub async fn post_follow(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Form(fields): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    check_csrf(&signed_in, field("csrf"))?;
    let id = parse_id(&id)?;
    let user = &signed_in.user;
    let now = state.clock.now();
    let chosen: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "unites" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let everyone = field("public") != "unites";
    let audience = match (field("action"), everyone) {
        ("retirer", _) => None,
        (_, true) => Some(Audience::Everyone),
        (_, false) if !chosen.is_empty() => Some(Audience::Units(chosen.clone())),
        (_, false) => {
            // Nothing ticked: say so and keep what was chosen.
            let item = state
                .content
                .store()
                .run(move |s| s.get_item(id))
                .await?
                .ok_or(WebError::NotFound)?;
            if !decide(user, &Action::ManageAcknowledgement, Some(&item)).allowed() {
                return Err(WebError::Forbidden);
            }
            let units = units(&state).await?;
            let chrome = state.chrome(Section::Other, &visitor);
            let page = acknowledgements::follow_page(
                &chrome,
                &AckFollowPage {
                    item: &item,
                    report: None,
                    units: &units,
                    everyone: false,
                    chosen: &chosen,
                    error: Some(
                        "Cochez au moins un service ou une direction, ou choisissez « Tous les agents ».",
                    ),
                    message: None,
                },
            );
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state
        .content
        .require_acknowledgement(user, id, audience, now)
        .await?;
    Ok(Redirect::to(&format!("/suivi-lecture/{id}?enregistre=1")).into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn post_remind(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let sent = state
        .content
        .remind_acknowledgement(&signed_in.user, id, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/suivi-lecture/{id}?relance={sent}")).into_response())
}
