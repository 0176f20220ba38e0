//! Lists and item pages of the spaces of items: actus, RH, annonces, emploi.

use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::page_number;
use crate::domain::{AnnonceCategory, Details, ItemId, JobKind, Space};
use crate::web::auth::{Agent, Visitor};
use crate::web::views::items::ItemActions;
use crate::web::views::{Section, pages};
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<String>,
    categorie: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn section_of(space: &Space) -> Section {
    match space {
        Space::Actus => Section::Actus,
        Space::Rh => Section::Rh,
        Space::Agenda => Section::Agenda,
        Space::Annonces => Section::Annonces,
        Space::Emploi => Section::Emploi,
        Space::Pages => Section::Pages,
        Space::Liens => Section::Liens,
        Space::Syndicat(_) => Section::Syndicats,
    }
}

pub async fn get_actus(
    visitor: Visitor,
    state: State<AppState>,
    query: Query<ListQuery>,
) -> Result<Markup, WebError> {
    simple_list(
        visitor,
        state,
        query,
        Space::Actus,
        "Les Actus",
        "Informations du CODIR, reportages sur le travail des services et vie de la collectivité.",
    )
    .await
}

pub async fn get_rh(
    visitor: Visitor,
    state: State<AppState>,
    query: Query<ListQuery>,
) -> Result<Markup, WebError> {
    simple_list(
        visitor,
        state,
        query,
        Space::Rh,
        "Espace RH",
        "Les nouvelles des ressources humaines et l'accueil des nouveaux arrivants.",
    )
    .await
}

async fn simple_list(
    visitor: Visitor,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    space: Space,
    title: &str,
    intro: &str,
) -> Result<Markup, WebError> {
    let page = page_number(query.page.as_deref())?;
    let chrome = state.chrome(section_of(&space), &visitor);
    let base = format!("/{}", space.key());
    let listing = state
        .content
        .listing(space, page, state.config.page_size, chrome.now, |_| true)
        .await?;
    Ok(pages::list(
        &chrome,
        &pages::ListPage {
            title,
            intro,
            listing: &listing,
            base,
            filters: html! {},
        },
    ))
}

pub async fn get_annonces(
    visitor: Visitor,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Markup, WebError> {
    let page = page_number(query.page.as_deref())?;
    let category = match query.categorie.as_deref() {
        None | Some("") => None,
        Some(key) => Some(AnnonceCategory::from_key(key).ok_or(WebError::BadRequest(
            "Cette catégorie d'annonces n'existe pas.",
        ))?),
    };
    let chrome = state.chrome(Section::Annonces, &visitor);
    let base = match category {
        Some(c) => format!("/annonces?categorie={}", c.key()),
        None => "/annonces".into(),
    };
    let listing = state
        .content
        .listing(
            Space::Annonces,
            page,
            state.config.page_size,
            chrome.now,
            move |item| {
                category.is_none_or(|wanted| {
                matches!(&item.details, Details::Annonce { category, .. } if *category == wanted)
            })
            },
        )
        .await?;
    Ok(pages::list(
        &chrome,
        &pages::ListPage {
            title: "Petites annonces",
            intro: "Ventes, prêts, dons, échanges de services, covoiturage et sorties entre agents.",
            listing: &listing,
            base,
            filters: pages::annonce_filters(category),
        },
    ))
}

pub async fn get_emploi(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Markup, WebError> {
    let page = page_number(query.page.as_deref())?;
    let kind = match query.kind.as_deref() {
        None | Some("") => None,
        Some(key) => Some(
            JobKind::from_key(key).ok_or(WebError::BadRequest("Ce type d'offre n'existe pas."))?,
        ),
    };
    let chrome = state.chrome(Section::Emploi, &visitor);
    let (profile, matching) = super::jobs::matching(&state, &signed_in.user).await?;
    let base = match kind {
        Some(k) => format!("/emploi?type={}", k.key()),
        None => "/emploi".into(),
    };
    let listing = state
        .content
        .listing(
            Space::Emploi,
            page,
            state.config.page_size,
            chrome.now,
            move |item| {
                kind.is_none_or(
                    |wanted| matches!(&item.details, Details::Job(job) if job.kind == wanted),
                )
            },
        )
        .await?;
    Ok(pages::list(
        &chrome,
        &pages::ListPage {
            title: "Emploi et formation",
            intro: "Offres d'emploi internes, formations et concours de la fonction publique territoriale.",
            listing: &listing,
            base,
            filters: html! {
                // Offers matching the agent's profile first (issue 11).
                @if page == 1 && kind.is_none() {
                    (crate::web::views::jobs::matching_block(profile.as_ref(), &matching))
                }
                (pages::job_filters(kind))
            },
        },
    ))
}

/// Parses an item id from a URL; a malformed one is simply not found.
pub fn parse_id(raw: &str) -> Result<ItemId, WebError> {
    raw.parse().map_err(|_| WebError::NotFound)
}

#[derive(Deserialize)]
pub struct ItemQuery {
    signale: Option<String>,
    photo: Option<String>,
    renouvele: Option<String>,
    lu: Option<String>,
}

/// What the viewer may do on an item's page, and the message of a just-done action.
pub fn actions_for(
    user: &crate::domain::User,
    item: &crate::domain::Item,
    query: &ItemQuery,
) -> ItemActions {
    use crate::domain::policy::{Action, decide};
    ItemActions {
        continue_url: None,
        edit: decide(user, &Action::Edit, Some(item)).allowed(),
        delete: decide(user, &Action::Delete, Some(item)).allowed(),
        renew: decide(user, &Action::Renew, Some(item)).allowed(),
        report: decide(user, &Action::Report, Some(item)).allowed(),
        photo_request: decide(user, &Action::RequestPhotoRemoval, Some(item)).allowed(),
        message: if query.signale.is_some() {
            Some("Merci : votre signalement est transmis aux webmestres.")
        } else if query.photo.is_some() {
            Some("La photo est masquée. Les webmestres vont examiner votre demande.")
        } else if query.renouvele.is_some() {
            Some("Votre annonce est prolongée de 30 jours.")
        } else if query.lu.is_some() {
            Some("Merci : votre lecture est confirmée.")
        } else {
            None
        },
        acknowledgement: Default::default(),
        starred: None,
        comments: None,
    }
}

/// On a borne, a one-time link of a published item for a phone (DESIGN §5).
pub async fn continue_url(
    state: &AppState,
    visitor: &Visitor,
    item: &crate::domain::Item,
) -> Result<Option<String>, WebError> {
    if visitor.device != crate::domain::DeviceClass::Kiosk
        || item.status != crate::domain::Status::Published
    {
        return Ok(None);
    }
    let path = crate::web::views::items::item_url(item);
    let public = state.config.public_url.trim_end_matches('/');
    if let Some(edge) = &state.federation.edge {
        // The link lives on the hub, which the phone reaches; without the
        // hub, a plain link to the page.
        let (token, key) = crate::session::Sessions::handoff_token();
        if edge.online() && edge.register_handoff(key, &path, None).await.is_ok() {
            return Ok(Some(format!("{public}/continuer/{token}")));
        }
        return Ok(Some(format!("{public}{path}")));
    }
    let kind = crate::domain::HandoffKind::Continue {
        path,
        login: None,
        from_session: None,
    };
    let token = state.sessions.new_handoff(kind, state.clock.now()).await?;
    Ok(Some(format!("{public}/continuer/{token}")))
}

pub async fn get_item(
    space: Space,
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ItemQuery>,
) -> Result<Markup, WebError> {
    let id = parse_id(&id)?;
    let chrome = state.chrome(section_of(&space), &visitor);
    let item = state
        .content
        .item_for(&signed_in.user, space, id, chrome.now)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut can = actions_for(&signed_in.user, &item, &query);
    can.continue_url = continue_url(&state, &visitor, &item).await?;
    can.acknowledgement = super::participation::ack_box_for(&state, &signed_in.user, &item).await?;
    can.comments = super::comments::comments_for(&state, &signed_in.user, &item).await?;
    if item.status == crate::domain::Status::Published {
        can.starred = Some(super::my_space::starred(&state, &signed_in.user, &item).await?);
    }
    Ok(pages::item(&chrome, &item, &can))
}
