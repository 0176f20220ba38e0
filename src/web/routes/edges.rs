//! "Bornes et boîtiers": on the hub, enrollment invites, the edges' state and
//! revocation (each in the audit log); on an edge, its link to the hub.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;
use std::sync::atomic::Ordering;

use super::admin::audit;
use crate::store::EdgeKind;
use crate::web::auth::{Admin, check_csrf};
use crate::web::views::Section;
use crate::web::views::edges::{EdgeLinkPage, HubEdgesPage, edge_link, hub_edges};
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct EdgesQuery {
    fait: Option<String>,
}

pub async fn get_edges(
    Admin(_, visitor): Admin,
    State(state): State<AppState>,
    Query(query): Query<EdgesQuery>,
) -> Result<Response, WebError> {
    let chrome = state.chrome(Section::Other, &visitor);
    if let Some(edge) = &state.federation.edge {
        let outbox = state.content.store().run(|s| s.outbox_len()).await?;
        let status = &edge.status;
        return Ok(edge_link(
            &chrome,
            &EdgeLinkPage {
                name: &edge.identity.name,
                place: &edge.identity.place,
                id: &edge.identity.id,
                hub: state
                    .config
                    .federation
                    .upstream
                    .as_deref()
                    .unwrap_or_default(),
                online: edge.online(),
                revoked: status.revoked.load(Ordering::Relaxed),
                last_contact: status.last_contact(),
                cursor: status.cursor.load(Ordering::Relaxed),
                head: status.head.load(Ordering::Relaxed),
                outbox,
            },
        )
        .into_response());
    }
    let message = match query.fait.as_deref() {
        Some("revoque") => Some("L'appareil est révoqué : il ne peut plus joindre ce serveur."),
        _ => None,
    };
    Ok(hub_page(&state, &chrome, None, message)
        .await?
        .into_response())
}

async fn hub_page(
    state: &AppState,
    chrome: &crate::web::views::layout::Chrome<'_>,
    new_code: Option<(&str, &crate::store::Invite)>,
    message: Option<&str>,
) -> Result<Markup, WebError> {
    let (edges, head, invites) = match &state.federation.hub {
        Some(hub) => {
            let (edges, head) = hub.edges().await?;
            (edges, head, hub.invites().await?)
        }
        None => (Vec::new(), 0, Vec::new()),
    };
    Ok(hub_edges(
        chrome,
        &HubEdgesPage {
            edges: &edges,
            invites: &invites,
            head,
            new_code,
            message,
            federation_on: state.federation.hub.is_some(),
        },
    ))
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    lieu: String,
    #[serde(default, rename = "type")]
    kind: String,
}

pub async fn post_invite(
    Admin(signed_in, visitor): Admin,
    State(state): State<AppState>,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let hub = state.federation.hub.as_ref().ok_or(WebError::HubOnly)?;
    let name = form.nom.trim().to_owned();
    if name.is_empty() {
        return Err(WebError::BadRequest(
            "Donnez un nom à l'appareil (par exemple « Borne du centre technique »).",
        ));
    }
    let kind = EdgeKind::from_key(&form.kind).unwrap_or(EdgeKind::Borne);
    let new = hub
        .create_invite(
            name.clone(),
            form.lieu.trim().to_owned(),
            kind,
            signed_in.user.login.clone(),
        )
        .await?;
    audit(
        &state,
        &signed_in.user.login,
        "code d'enrôlement créé",
        &name,
        kind.key().to_owned(),
    )
    .await?;
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(
        hub_page(&state, &chrome, Some((&new.code, &new.invite)), None)
            .await?
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn post_revoke(
    Admin(signed_in, _): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let hub = state.federation.hub.as_ref().ok_or(WebError::HubOnly)?;
    if !hub.revoke(id.clone()).await? {
        return Err(WebError::NotFound);
    }
    audit(
        &state,
        &signed_in.user.login,
        "appareil révoqué",
        &id,
        String::new(),
    )
    .await?;
    Ok(Redirect::to("/admin/bornes?fait=revoque").into_response())
}
