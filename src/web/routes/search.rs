//! The search page: /recherche, with filters by space and date, and its
//! results region alone (`vite=1`) for search-as-you-type.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;

use crate::domain::{DeviceClass, Space};
use crate::search::{ANNUAIRE, Request};
use crate::web::auth::Agent;
use crate::web::views::{Section, search};
use crate::web::{AppState, WebError};

/// Longest query accepted, in characters.
const MAX_QUERY: usize = 200;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    espace: Option<String>,
    du: Option<String>,
    au: Option<String>,
    /// Search-as-you-type: answer with the results region only.
    vite: Option<String>,
}

fn parse_day(raw: &str) -> Result<Option<Date>, WebError> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<Date>()
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
        .map(Some)
        .ok_or(WebError::BadRequest(
            "Cette date n'est pas valable. Utilisez le format AAAA-MM-JJ, par exemple 2026-12-01.",
        ))
}

fn start_of(day: Date, state: &AppState) -> Result<Timestamp, WebError> {
    day.to_zoned_datetime(state.site.tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| WebError::Internal(e.to_string()))
}

/// A space filter must name a space of this site, or the annuaire.
fn parse_space(raw: &str, state: &AppState) -> Result<Option<String>, WebError> {
    let known = match Space::from_key(raw) {
        _ if raw.is_empty() => return Ok(None),
        _ if raw == ANNUAIRE => true,
        Some(Space::Syndicat(slug)) => state.config.unions.iter().any(|u| u.slug == slug.as_str()),
        Some(_) => true,
        None => false,
    };
    if known {
        Ok(Some(raw.to_owned()))
    } else {
        Err(WebError::BadRequest("Cet espace n'existe pas."))
    }
}

pub async fn get_search(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let text = query.q.unwrap_or_default();
    let text = text.trim();
    if text.chars().count() > MAX_QUERY {
        return Err(WebError::BadRequest(
            "Votre recherche est trop longue : 200 caractères au plus.",
        ));
    }
    let space_raw = query.espace.unwrap_or_default();
    let space = parse_space(&space_raw, &state)?;
    let (from_raw, to_raw) = (query.du.unwrap_or_default(), query.au.unwrap_or_default());
    let (from, to) = (parse_day(&from_raw)?, parse_day(&to_raw)?);
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(WebError::BadRequest(
            "La date de fin est avant la date de début.",
        ));
    }
    let from = from.map(|d| start_of(d, &state)).transpose()?;
    let to = to
        .and_then(|d| d.tomorrow().ok())
        .map(|d| start_of(d, &state))
        .transpose()?;
    let typing = query.vite.is_some();
    let chrome = state.chrome(Section::Search, &visitor);
    let results = if text.is_empty() {
        None
    } else {
        let request = Request {
            text: text.to_owned(),
            per_group: match (&space, typing) {
                (Some(_), _) => 50,
                (None, true) => 3,
                (None, false) => 5,
            },
            space,
            from,
            to,
            typing,
        };
        let (search, store, user, now) = (
            state.search.clone(),
            state.content.store().clone(),
            signed_in.user.clone(),
            chrome.now,
        );
        let found = tokio::task::spawn_blocking(move || search.find(&store, &request, &user, now))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))??;
        Some(found)
    };
    let page = search::SearchPage {
        query: text,
        space: &space_raw,
        from: &from_raw,
        to: &to_raw,
        results: results.as_ref(),
        live: visitor.device == DeviceClass::Personal,
    };
    Ok(if typing {
        search::results(&chrome, &page).into_response()
    } else {
        search::search(&chrome, &page).into_response()
    })
}
