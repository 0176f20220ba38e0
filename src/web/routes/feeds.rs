//! Feeds and "Mon compte": the personal calendar and news addresses (a secret
//! token in the path, for apps that cannot sign in), one event as an `.ics`
//! file, and the page where an agent makes, regenerates or deletes the link.

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::spaces::parse_id;
use crate::domain::{Details, Space};
use crate::web::auth::{Agent, check_csrf};
use crate::web::views::{Section, account};
use crate::web::{AppState, WebError};

fn with_type(body: String, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn base_url(state: &AppState) -> String {
    state.config.public_url.trim_end_matches('/').to_owned()
}

#[derive(Deserialize)]
pub struct CalendarQuery {
    espace: Option<String>,
}

/// `GET /abonnement/{token}/agenda.ics[?espace=KEY]`
pub async fn get_agenda_feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, WebError> {
    let owner = state.feeds.owner(&token).await?.ok_or(WebError::NotFound)?;
    let space = match query.espace.as_deref() {
        None | Some("") => None,
        Some(key) => match Space::from_key(key) {
            Some(space @ Space::Agenda) => Some(space),
            Some(Space::Syndicat(slug))
                if state.config.unions.iter().any(|u| u.slug == slug.as_str()) =>
            {
                Some(Space::Syndicat(slug))
            }
            _ => return Err(WebError::NotFound),
        },
    };
    let name = match &space {
        Some(Space::Syndicat(slug)) => state
            .site
            .unions
            .iter()
            .find(|(s, _)| s == slug.as_str())
            .map(|(_, n)| format!("{n} — {}", state.site.name))
            .unwrap_or_else(|| state.site.name.clone()),
        _ => format!("Agenda — {}", state.site.name),
    };
    let now = state.clock.now();
    let events = state.feeds.events(owner, space, now).await?;
    let body = crate::feeds::agenda_calendar(&name, &events, &base_url(&state), &state.site.tz);
    Ok(with_type(body, "text/calendar; charset=utf-8"))
}

/// `GET /abonnement/{token}/actus.atom`
pub async fn get_actus_feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let owner = state.feeds.owner(&token).await?.ok_or(WebError::NotFound)?;
    let now = state.clock.now();
    let items = state.feeds.actus(owner, now).await?;
    let base = base_url(&state);
    let self_url = format!("{base}/abonnement/{token}/actus.atom");
    let body = crate::feeds::actus_feed(&state.site.name, &items, &base, &self_url, now);
    Ok(with_type(body, "application/atom+xml; charset=utf-8"))
}

/// `GET /ics/{id}`: "Ajouter à mon agenda" on an event's page.
pub async fn get_event_ics(
    _agent: Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(id.trim_end_matches(".ics"))?;
    let now = state.clock.now();
    let item = state
        .content
        .store()
        .run(move |store| store.get_item(id))
        .await?
        .filter(|i| matches!(i.details, Details::Event(_)))
        // What every reader sees: never a proposal, even its author's.
        .filter(|i| i.is_visible_at(now))
        .ok_or(WebError::NotFound)?;
    let body = crate::feeds::event_calendar(&item, &base_url(&state), &state.site.tz);
    let mut response = with_type(body, "text/calendar; charset=utf-8");
    let disposition = format!("attachment; filename=\"evenement-{}.ics\"", item.id);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct AccountQuery {
    fait: Option<String>,
}

fn message(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "supprime" => Some(
            "Votre lien d'agenda est supprimé : les applications qui l'utilisaient ne reçoivent plus rien.",
        ),
        _ => None,
    }
}

/// `GET /compte`: "Mon compte".
pub async fn get_account(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<AccountQuery>,
) -> Result<Markup, WebError> {
    let current = state.feeds.current(signed_in.user.login.clone()).await?;
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(account::my_account(
        &chrome,
        &account::AccountPage {
            user: &signed_in.user,
            link_since: current.map(|t| t.created),
            new_links: None,
            message: message(query.fait.as_deref()),
        },
    ))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /compte/agenda`: makes (or regenerates) the link and shows it, once.
pub async fn post_feed_link(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Form(form): Form<CsrfForm>,
) -> Result<Markup, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    if visitor.device == crate::domain::DeviceClass::Kiosk {
        return Err(WebError::BadRequest(
            "Créez ce lien depuis votre téléphone ou votre ordinateur : il ne doit pas s'afficher sur l'écran d'une borne.",
        ));
    }
    let now = state.clock.now();
    let token = state.feeds.issue(signed_in.user.login.clone(), now).await?;
    let base = base_url(&state);
    let links = account::FeedLinks {
        agenda: format!("{base}/abonnement/{token}/agenda.ics"),
        actus: format!("{base}/abonnement/{token}/actus.atom"),
    };
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(account::my_account(
        &chrome,
        &account::AccountPage {
            user: &signed_in.user,
            link_since: Some(now),
            new_links: Some(&links),
            message: None,
        },
    ))
}

/// `POST /compte/agenda/supprimer`: revokes the link.
pub async fn post_feed_revoke(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Form(form): Form<CsrfForm>,
) -> Result<Redirect, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    state.feeds.revoke(signed_in.user.login.clone()).await?;
    Ok(Redirect::to("/compte?fait=supprime"))
}
