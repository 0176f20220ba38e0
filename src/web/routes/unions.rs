//! The unions' spaces (read side).

use axum::extract::{Path, Query, State};
use maud::Markup;
use serde::Deserialize;

use super::page_number;
use super::spaces::parse_id;
use crate::domain::{Space, UnionSlug};
use crate::web::auth::{Agent, Visitor};
use crate::web::views::{Section, pages};
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn get_unions(visitor: Visitor, State(state): State<AppState>) -> Markup {
    pages::unions(&state.chrome(Section::Syndicats, &visitor))
}

/// The configured union for a URL slug, or not found.
fn union<'a>(
    state: &'a AppState,
    slug: &str,
) -> Result<(&'a crate::config::UnionConfig, Space), WebError> {
    let union = state
        .config
        .unions
        .iter()
        .find(|u| u.slug == slug)
        .ok_or(WebError::NotFound)?;
    let slug = UnionSlug::parse(&union.slug).ok_or(WebError::NotFound)?;
    Ok((union, Space::Syndicat(slug)))
}

pub async fn get_union(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, WebError> {
    let page = page_number(query.page.as_deref())?;
    let (union, space) = union(&state, &slug)?;
    let chrome = state.chrome(Section::Syndicats, &visitor);
    let listing = state
        .content
        .listing(space, page, state.config.page_size, chrome.now, |_| true)
        .await?;
    let base = format!("/syndicats/{}", union.slug);
    Ok(pages::union_space(
        &chrome,
        &union.name,
        &union.description,
        &listing,
        &base,
    ))
}

pub async fn get_union_item(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<super::spaces::ItemQuery>,
) -> Result<Markup, WebError> {
    let (_, space) = union(&state, &slug)?;
    let id = parse_id(&id)?;
    let chrome = state.chrome(Section::Syndicats, &visitor);
    let item = state
        .content
        .item_for(&signed_in.user, space, id, chrome.now)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut can = super::spaces::actions_for(&signed_in.user, &item, &query);
    can.continue_url = super::spaces::continue_url(&state, &visitor, &item).await?;
    Ok(pages::item(&chrome, &item, &can))
}
