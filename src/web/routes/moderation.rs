//! The webmasters' queue (proposals oldest first, reports, photo-removal
//! requests), an agent's own publications and notices, and the "flux d'info".

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::spaces::parse_id;
use crate::content::WriteError;
use crate::domain::BlobHash;
use crate::domain::policy::{Action, decide};
use crate::web::auth::{Agent, check_csrf};
use crate::web::views::moderation::{MinePage, SentFromEdge};
use crate::web::views::{Section, moderation};
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct DoneQuery {
    fait: Option<String>,
}

pub async fn get_queue(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<DoneQuery>,
) -> Result<Markup, WebError> {
    if !decide(&signed_in.user, &Action::Moderate, None).allowed() {
        return Err(WebError::Forbidden);
    }
    let (pending, reports) = state.content.queue().await?;
    let chrome = state.chrome(Section::Other, &visitor);
    let message = match query.fait.as_deref() {
        Some("valide") => Some("La proposition est publiée ; son auteur est prévenu."),
        Some("refuse") => Some("La proposition est refusée ; son auteur voit le motif."),
        Some("signalement") => Some("Le signalement est classé."),
        Some("photo") => Some("La décision sur la photo est enregistrée."),
        _ => None,
    };
    Ok(moderation::queue(&chrome, &pending, &reports, message))
}

#[derive(Deserialize)]
pub struct ModerateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    motif: String,
}

pub async fn post_moderate(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<ModerateForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let (reason, done) = match form.decision.as_str() {
        "valider" => (None, "valide"),
        "refuser" => (Some(form.motif.trim().to_owned()), "refuse"),
        _ => return Err(WebError::BadRequest("Choisissez de valider ou de refuser.")),
    };
    let now = state.clock.now();
    match state
        .content
        .moderate(&signed_in.user, id, reason, now)
        .await
    {
        Ok(_) => {}
        // The only invalid moderation is a refusal without its reason.
        Err(WriteError::Invalid(_)) => {
            return Err(WebError::BadRequest(
                "Indiquez le motif du refus : il sera montré à l'auteur.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/moderation?fait={done}")).into_response())
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    /// `supprimer` deletes the reported item before closing the report.
    #[serde(default)]
    decision: String,
}

pub async fn post_close_report(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(report): Path<String>,
    Form(form): Form<ReportForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let report: u128 = ulid::Ulid::from_string(&report)
        .map_err(|_| WebError::NotFound)?
        .0;
    let now = state.clock.now();
    if form.decision == "supprimer" {
        let found = state
            .content
            .store()
            .run(move |store| store.get_report(report))
            .await?;
        let item = found.ok_or(WebError::NotFound)?.item;
        match state.content.delete(&signed_in.user, item, now).await {
            Ok(_) | Err(WriteError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    state
        .content
        .close_report(&signed_in.user, report, now)
        .await?;
    Ok(Redirect::to("/moderation?fait=signalement").into_response())
}

#[derive(Deserialize)]
pub struct PhotoForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    photo: String,
    #[serde(default)]
    decision: String,
}

pub async fn post_photo_decision(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<PhotoForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let photo = BlobHash::from_hex(&form.photo).ok_or(WebError::NotFound)?;
    let remove = match form.decision.as_str() {
        "retirer" => true,
        "retablir" => false,
        _ => {
            return Err(WebError::BadRequest(
                "Choisissez de retirer ou de rétablir la photo.",
            ));
        }
    };
    state
        .content
        .decide_photo(&signed_in.user, id, photo, remove, state.clock.now())
        .await?;
    Ok(Redirect::to("/moderation?fait=photo").into_response())
}

#[derive(Deserialize)]
pub struct MineQuery {
    envoye: Option<String>,
    supprime: Option<String>,
    attente: Option<String>,
}

pub async fn get_mine(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<MineQuery>,
) -> Result<Markup, WebError> {
    let login = signed_in.user.login.clone();
    let (items, notices) = state.content.mine(login.clone(), state.clock.now()).await?;
    let chrome = state.chrome(Section::Other, &visitor);
    let message = if query.envoye.is_some() {
        Some(
            "Merci ! Votre proposition est envoyée aux webmestres. Vous serez prévenu ici de leur décision.",
        )
    } else if query.attente.is_some() {
        Some(
            "C'est enregistré sur cet appareil. Il l'envoie à l'intranet principal : suivez son envoi ci-dessous.",
        )
    } else if query.supprime.is_some() {
        Some("C'est supprimé.")
    } else {
        None
    };
    let editable: Vec<bool> = items
        .iter()
        .map(|item| decide(&signed_in.user, &Action::Edit, Some(item)).allowed())
        .collect();
    let sent = match &state.federation.edge {
        Some(edge) => Some((
            state
                .content
                .store()
                .run(move |store| store.sent_by(&login, 20))
                .await?,
            edge.online(),
        )),
        None => None,
    };
    Ok(moderation::mine(
        &chrome,
        &MinePage {
            items: &items,
            editable: &editable,
            notices: &notices,
            message,
            sent: sent
                .as_ref()
                .map(|((queued, answered), online)| SentFromEdge {
                    queued,
                    answered,
                    online: *online,
                }),
        },
    ))
}

pub async fn get_flux(
    Agent(_, visitor): Agent,
    State(state): State<AppState>,
) -> Result<Markup, WebError> {
    let chrome = state.chrome(Section::Other, &visitor);
    let items = state.content.flux(chrome.now, 40).await?;
    Ok(moderation::flux(&chrome, &items))
}
