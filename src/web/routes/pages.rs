//! Pages (procedures, organisation, élus…) as a tree, and the "En 1 clic" links.

use axum::extract::{Path, State};
use maud::Markup;

use crate::web::auth::Visitor;
use crate::web::views::{Section, pages};
use crate::web::{AppState, WebError};

pub async fn get_tree(visitor: Visitor, State(state): State<AppState>) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Pages, &visitor);
    let tree = state.content.page_tree(chrome.now).await?;
    Ok(pages::page_tree(&chrome, &tree))
}

pub async fn get_page(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Pages, &visitor);
    let (ancestors, node) = state
        .content
        .page(slug, chrome.now)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(pages::content_page(&chrome, &ancestors, &node))
}

pub async fn get_links(
    visitor: Visitor,
    State(state): State<AppState>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Liens, &visitor);
    let (clic, assistance) = state.content.links(chrome.now).await?;
    Ok(pages::links(&chrome, &clic, &assistance))
}
