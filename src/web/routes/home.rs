//! The home page, the health check and the sign-in page.

use axum::extract::State;
use maud::Markup;

use crate::domain::DeviceClass;
use crate::web::auth::Visitor;
use crate::web::joined::{self, SharedPart};
use crate::web::views::{Chrome, Section, pages};
use crate::web::{AppState, WebError};

#[derive(serde::Deserialize)]
pub struct HomeQuery {
    lu: Option<String>,
}

pub async fn get_home(
    visitor: Visitor,
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<HomeQuery>,
    request: axum::http::HeaderMap,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    let chrome = state.chrome(Section::Home, &visitor);
    if visitor.signed_in.is_none() {
        // Only a borne gets here signed out: its idle screen.
        let items = state
            .content
            .signage(chrome.now, super::media::SIGNAGE_ITEMS)
            .await?;
        return Ok(crate::web::views::kiosk::idle_screen(&chrome, &items).into_response());
    }
    let (seq, minute) = (
        state.content.store().current_seq(),
        chrome.now.as_second() / 60,
    );
    let main = state
        .home_cache
        .get_or_load((seq, minute), async || {
            let home = state.content.home(chrome.now).await?;
            let html = pages::home_main(&chrome, &home).into_string();
            Ok::<_, WebError>(std::sync::Arc::new(SharedPart::new(html.into())))
        })
        .await?;
    let personal = match &visitor.signed_in {
        Some(signed_in) => {
            let waiting = state
                .content
                .waiting_for(&signed_in.user, chrome.now)
                .await?;
            crate::web::views::acknowledgements::personal_block(
                &chrome,
                &waiting.to_acknowledge,
                waiting.surveys,
                query.lu.is_some(),
            )
        }
        None => maud::html! {},
    };
    // Answered in parts (`web::joined`): only the agent's own text is new
    // in each answer; the rest is compressed once.
    let chrome = Chrome {
        parts: true,
        ..chrome
    };
    let page = pages::home(&chrome, personal, joined::SHARED).into_string();
    // A borne's own browser reads its pages uncompressed (loopback).
    let brotli = visitor.device != DeviceClass::Kiosk && joined::accepts_brotli(&request);
    Ok(joined::html_answer(
        brotli,
        &page,
        &main,
        &state.repeated_parts,
    ))
}

/// Keeps a session alive ("Je suis toujours là" on a borne): any signed-in
/// request moves its last activity forward.
pub async fn get_session_ping(_: crate::web::auth::Agent) -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}

/// Browsers ask for `/favicon.ico` on their own: send them to the icon, cheaply
/// and before any session check.
pub async fn get_favicon() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CACHE_CONTROL, "public, max-age=86400")],
        axum::response::Redirect::permanent("/static/favicon.svg"),
    )
        .into_response()
}

pub async fn get_accessibility(visitor: Visitor, State(state): State<AppState>) -> Markup {
    pages::accessibility(&state.chrome(Section::Other, &visitor))
}

pub async fn get_healthz() -> &'static str {
    "ok"
}
