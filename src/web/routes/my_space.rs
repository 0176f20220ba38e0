//! "Mon espace" and the favourites' star. On an edge a star is set here at
//! once and sent to the hub through the outbox.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::spaces::parse_id;
use crate::domain::{Details, Item, User};
use crate::web::auth::{Agent, check_csrf, safe_return};
use crate::web::views::Section;
use crate::web::views::my_space::{self, MySpacePage};
use crate::web::{AppState, WebError};

/// Whether `user` starred `item` (for the star on its page).
pub async fn starred(state: &AppState, user: &User, item: &Item) -> Result<bool, WebError> {
    let (login, id) = (user.login.clone(), item.id);
    Ok(state
        .content
        .store()
        .run(move |s| s.is_favourite(&login, id))
        .await?)
}

#[derive(Deserialize)]
pub struct MySpaceQuery {
    favori: Option<String>,
}

pub async fn get_my_space(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<MySpaceQuery>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Other, &visitor);
    let now = chrome.now;
    let login = signed_in.user.login.clone();
    let (publications, notices) = state.content.mine(login.clone(), state.clock.now()).await?;
    let starred = state
        .content
        .store()
        .run(move |s| s.favourites_of(&login))
        .await?;
    let (clic, _) = state.content.links(now).await?;
    let is_starred = |item: &Item| starred.iter().any(|s| s.id == item.id);
    let mut links: Vec<(Item, bool)> = clic
        .into_iter()
        .map(|link| {
            let on = is_starred(&link);
            (link, on)
        })
        .collect();
    // Starred first, each group in its usual order.
    links.sort_by_key(|(_, on)| !on);
    let favourites: Vec<Item> = starred
        .iter()
        .filter(|i| i.is_visible_at(now) && !matches!(i.details, Details::Link { .. }))
        .cloned()
        .collect();
    let discussions = Some(
        state
            .content
            .discussions_for(&signed_in.user)
            .await?
            .into_iter()
            .filter(|(_, following)| *following)
            .map(|(d, _)| d)
            .collect::<Vec<_>>(),
    );
    // Union-list subscriptions: known on the hub only (an edge never holds them).
    let subscriptions = if state.federation.is_edge() {
        None
    } else {
        let (slugs, login) = (state.config.union_slugs(), signed_in.user.login.clone());
        let subscribed = state
            .content
            .store()
            .run(move |store| {
                let mut out = Vec::new();
                for slug in slugs {
                    if store.is_subscribed(&slug, &login)? {
                        out.push(slug);
                    }
                }
                Ok(out)
            })
            .await?;
        Some(
            subscribed
                .into_iter()
                .map(|slug| {
                    let name = state
                        .site
                        .unions
                        .iter()
                        .find(|(s, _)| s == slug.as_str())
                        .map(|(_, n)| n.clone())
                        .unwrap_or_else(|| slug.as_str().to_uppercase());
                    (slug.as_str().to_owned(), name)
                })
                .collect::<Vec<_>>(),
        )
    };
    Ok(my_space::my_space(
        &chrome,
        &MySpacePage {
            favourites: &favourites,
            links: &links,
            notices: &notices,
            publications: &publications,
            discussions: discussions.as_deref(),
            subscriptions: subscriptions.as_deref(),
            message: query.favori.is_some().then_some("C'est enregistré."),
        },
    ))
}

#[derive(Deserialize)]
pub struct StarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    etat: String,
    #[serde(default)]
    retour: String,
}

pub async fn post_favourite(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<StarForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let on = form.etat == "oui";
    let user = &signed_in.user;
    let item = state.content.set_favourite(user, id, on).await?;
    if let Some(edge) = &state.federation.edge {
        super::outbox::queue(
            edge,
            user,
            format!(
                "{} « {} »",
                if on {
                    "Favori ajouté :"
                } else {
                    "Favori retiré :"
                },
                item.title
            ),
            crate::federation::wire::Submission::Favourite { item: id, on },
        )?;
    }
    let back = safe_return(Some(&form.retour));
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}favori=1")).into_response())
}
