//! The home page, the health check and the sign-in page.

use axum::extract::State;
use maud::Markup;

use crate::web::auth::Visitor;
use crate::web::views::{Section, pages};
use crate::web::{AppState, WebError};

pub async fn get_home(visitor: Visitor, State(state): State<AppState>) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Home, &visitor);
    let (seq, minute) = (
        state.content.store().current_seq(),
        chrome.now.as_second() / 60,
    );
    let main = match state.home_cache.get(seq, minute) {
        Some(main) => main,
        None => {
            let home = state.content.home(chrome.now).await?;
            let main: std::sync::Arc<str> = pages::home_main(&chrome, &home).into_string().into();
            state.home_cache.put(seq, minute, main.clone());
            main
        }
    };
    Ok(pages::home(&chrome, &main))
}

pub async fn get_healthz() -> &'static str {
    "ok"
}
