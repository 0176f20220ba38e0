//! The home page, the health check and the sign-in page.

use axum::extract::State;
use maud::Markup;

use crate::web::views::{Section, pages};
use crate::web::{AppState, DEMO_PASSWORD, WebError};

pub async fn get_home(State(state): State<AppState>) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Home);
    let home = state.content.home(chrome.now).await?;
    Ok(pages::home(&chrome, &home))
}

pub async fn get_healthz() -> &'static str {
    "ok"
}

pub async fn get_sign_in(State(state): State<AppState>) -> Markup {
    let chrome = state.chrome(Section::Other);
    let demo = state.config.demo.then_some(DEMO_PASSWORD);
    pages::sign_in(&chrome, demo)
}
