//! The home page, the health check and the sign-in page.

use axum::extract::State;
use maud::Markup;

use crate::web::auth::Visitor;
use crate::web::views::{Section, pages};
use crate::web::{AppState, WebError};

pub async fn get_home(visitor: Visitor, State(state): State<AppState>) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Home, &visitor);
    let home = state.content.home(chrome.now).await?;
    Ok(pages::home(&chrome, &home))
}

pub async fn get_healthz() -> &'static str {
    "ok"
}
