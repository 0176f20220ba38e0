//! The agenda by week and by day, in the site's time zone.

use axum::extract::{Path, Query, State};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use maud::Markup;
use serde::Deserialize;

use crate::domain::{Details, Item};
use crate::web::auth::Visitor;
use crate::web::views::{Section, format, pages};
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct WeekQuery {
    semaine: Option<String>,
}

fn parse_date(raw: &str) -> Result<Date, WebError> {
    raw.parse::<Date>()
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
        .ok_or(WebError::BadRequest(
            "Cette date n'est pas valable. Utilisez le format AAAA-MM-JJ, par exemple 2026-12-01.",
        ))
}

fn start_of(day: Date, tz: &TimeZone) -> Result<Timestamp, WebError> {
    day.to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| WebError::Internal(e.to_string()))
}

/// Events of `days` consecutive days from `first`, grouped by day.
async fn days_of(
    state: &AppState,
    first: Date,
    days: i64,
    now: Timestamp,
) -> Result<Vec<(Date, Vec<Item>)>, WebError> {
    let tz = &state.site.tz;
    let last = first
        .checked_add(days.days())
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let events = state
        .content
        .agenda(start_of(first, tz)?, start_of(last, tz)?, now)
        .await?;
    let mut out: Vec<(Date, Vec<Item>)> = (0..days)
        .filter_map(|i| first.checked_add(i.days()).ok())
        .map(|d| (d, Vec::new()))
        .collect();
    for event in events {
        let Details::Event(details) = &event.details else {
            continue;
        };
        let day = details.start.to_zoned_datetime(tz.clone()).date();
        if let Some(slot) = out.iter_mut().find(|(d, _)| *d == day) {
            slot.1.push(event);
        }
    }
    Ok(out)
}

pub async fn get_week(
    visitor: Visitor,
    State(state): State<AppState>,
    Query(query): Query<WeekQuery>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Agenda, &visitor);
    let today = chrome.now.to_zoned_datetime(state.site.tz.clone()).date();
    let any_day = match query.semaine.as_deref() {
        None | Some("") => today,
        Some(raw) => parse_date(raw)?,
    };
    let monday = any_day
        .checked_sub((any_day.weekday().to_monday_zero_offset() as i64).days())
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let days = days_of(&state, monday, 7, chrome.now).await?;
    let shift = |weeks: i64| monday.checked_add((weeks * 7).days()).unwrap_or(monday);
    let title = format!("Agenda de la semaine du {}", format::civil_date(monday));
    let view_days = days.iter().map(|(d, e)| (*d, e.iter().collect())).collect();
    Ok(pages::agenda(
        &chrome,
        &pages::AgendaPage {
            title,
            days: view_days,
            prev: format!("/agenda?semaine={}", shift(-1)),
            next: format!("/agenda?semaine={}", shift(1)),
            prev_label: "Semaine précédente",
            next_label: "Semaine suivante",
            week_href: format!("/agenda?semaine={monday}"),
            today_href: format!("/agenda/jour/{today}"),
        },
    ))
}

pub async fn get_day(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Markup, WebError> {
    let day = parse_date(&raw)?;
    let chrome = state.chrome(Section::Agenda, &visitor);
    let today = chrome.now.to_zoned_datetime(state.site.tz.clone()).date();
    let days = days_of(&state, day, 1, chrome.now).await?;
    let shift = |n: i64| day.checked_add(n.days()).unwrap_or(day);
    let title = format!(
        "Agenda du {} {}",
        format::DAY_NAMES[day.weekday().to_monday_zero_offset() as usize],
        format::civil_date(day)
    );
    let view_days = days.iter().map(|(d, e)| (*d, e.iter().collect())).collect();
    Ok(pages::agenda(
        &chrome,
        &pages::AgendaPage {
            title,
            days: view_days,
            prev: format!("/agenda/jour/{}", shift(-1)),
            next: format!("/agenda/jour/{}", shift(1)),
            prev_label: "Jour précédent",
            next_label: "Jour suivant",
            week_href: format!("/agenda?semaine={day}"),
            today_href: format!("/agenda/jour/{today}"),
        },
    ))
}
