//! Pages (procedures, organisation, élus…) as a tree, and the "En 1 clic" links.

use axum::extract::{Path, Query, State};
use maud::Markup;

use crate::web::auth::{Agent, Visitor};
use crate::web::views::{Section, pages};
use crate::web::{AppState, WebError};

pub async fn get_tree(visitor: Visitor, State(state): State<AppState>) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Pages, &visitor);
    let tree = state.content.page_tree(chrome.now).await?;
    Ok(pages::page_tree(&chrome, &tree))
}

pub async fn get_page(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<super::spaces::ItemQuery>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Pages, &visitor);
    let (ancestors, node) = state
        .content
        .page(slug, chrome.now)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut can = super::spaces::actions_for(&signed_in.user, &node.item, &query);
    can.acknowledgement =
        super::participation::ack_box_for(&state, &signed_in.user, &node.item).await?;
    can.starred = Some(super::my_space::starred(&state, &signed_in.user, &node.item).await?);
    Ok(pages::content_page(&chrome, &ancestors, &node, &can))
}

pub async fn get_links(
    visitor: Visitor,
    State(state): State<AppState>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Liens, &visitor);
    let (clic, assistance) = state.content.links(chrome.now).await?;
    let editable = visitor.user().is_some_and(|user| {
        let create = crate::domain::policy::Action::Create {
            space: crate::domain::Space::Liens,
            kind: crate::domain::Kind::Link,
        };
        crate::domain::policy::decide(user, &create, None).allowed()
    });
    Ok(pages::links(&chrome, &clic, &assistance, editable))
}
