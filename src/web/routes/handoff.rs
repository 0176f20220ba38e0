//! QR hand-offs between a borne and a phone: "Continuer sur mon téléphone"
//! (optionally taking the session along) and "Se connecter avec mon téléphone".
//! Every link is single use and valid for two minutes.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::{DeviceClass, HandoffKind, Login};
use crate::session::Sessions;
use crate::web::auth::{Agent, Visitor, check_csrf, safe_return};
use crate::web::routes::account::signed_in_redirect;
use crate::web::views::{Section, handoff};
use crate::web::{AppState, WebError};

fn public_link(state: &AppState, path: &str) -> String {
    format!("{}{path}", state.config.public_url.trim_end_matches('/'))
}

#[derive(Deserialize)]
pub struct ContinueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    chemin: String,
    #[serde(default)]
    session: String,
}

/// On the borne: a QR of this page for the phone, with the session or not.
pub async fn post_continue(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Form(form): Form<ContinueForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let path = safe_return(Some(&form.chemin));
    // Only a borne hands its session over (elsewhere there is nothing to end).
    let with_session = form.session == "oui" && visitor.device == DeviceClass::Kiosk;
    let kind = HandoffKind::Continue {
        path: path.clone(),
        login: with_session.then(|| signed_in.user.login.clone()),
        from_session: with_session.then(|| Sessions::key_of(&signed_in.token)),
    };
    if let Some(edge) = &state.federation.edge {
        // The phone reaches the hub, not this box: the link lives there.
        let (token, key) = Sessions::handoff_token();
        let login = with_session.then(|| signed_in.user.login.clone());
        let registered = edge.online()
            && edge
                .register_handoff(key, &path, login.as_ref())
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "QR link not registered on the hub"))
                .is_ok();
        let chrome = state.chrome(Section::Other, &visitor);
        if !registered {
            // Without the hub: a plain link to the page, no session along.
            let url = public_link(&state, &path);
            return Ok(handoff::continue_qr(&chrome, &url, &path, false).into_response());
        }
        if with_session {
            // The hub will open the agent's session on the phone: this one ends now.
            state.sessions.close(&signed_in.token).await?;
        }
        let url = public_link(&state, &format!("/continuer/{token}"));
        return Ok(handoff::continue_qr(&chrome, &url, &path, with_session).into_response());
    }
    let token = state.sessions.new_handoff(kind, state.clock.now()).await?;
    let chrome = state.chrome(Section::Other, &visitor);
    let url = public_link(&state, &format!("/continuer/{token}"));
    Ok(handoff::continue_qr(&chrome, &url, &path, with_session).into_response())
}

/// On the phone: the link of the QR.
pub async fn get_continue(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let chrome = state.chrome(Section::Other, &visitor);
    let Some(found) = state.sessions.peek_handoff(&token, now).await? else {
        return Ok((axum::http::StatusCode::GONE, handoff::expired(&chrome)).into_response());
    };
    match found.kind {
        HandoffKind::Continue {
            login: Some(login), ..
        } => {
            let user = state
                .content
                .store()
                .run(move |s| s.get_user(&login))
                .await?;
            let name = user.map(|u| u.display_name()).unwrap_or_default();
            Ok(handoff::continue_confirm(&chrome, &name, &token).into_response())
        }
        HandoffKind::Continue {
            path, login: None, ..
        } => {
            // A plain link: used once; the phone signs in as usual if needed.
            state.sessions.take_handoff(&token, now).await?;
            Ok(Redirect::to(&path).into_response())
        }
        HandoffKind::PhoneSignIn { .. } => Err(WebError::NotFound),
    }
}

/// On the phone: "Continuer en tant que …": the session moves here.
pub async fn post_continue_token(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let chrome = state.chrome(Section::Other, &visitor);
    let Some(found) = state.sessions.take_handoff(&token, now).await? else {
        return Ok((axum::http::StatusCode::GONE, handoff::expired(&chrome)).into_response());
    };
    let HandoffKind::Continue {
        path,
        login: Some(login),
        from_session,
    } = found.kind
    else {
        return Err(WebError::NotFound);
    };
    let Some(from) = from_session else {
        // A borne of an edge: it ended its own session when it showed the QR.
        let opened = state
            .sessions
            .open(login, visitor.device, false, now)
            .await?;
        return Ok(signed_in_redirect(&state, opened, &path));
    };
    // The borne's session must still be there: signing out cancels the hand-off.
    let Some(opened) = state
        .sessions
        .continue_session(from, login, visitor.device, now)
        .await?
    else {
        return Ok((axum::http::StatusCode::GONE, handoff::expired(&chrome)).into_response());
    };
    Ok(signed_in_redirect(&state, opened, &path))
}

/// On the phone (signed in): "Se connecter sur la borne … ?"
pub async fn get_approve(
    Agent(_, visitor): Agent,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let chrome = state.chrome(Section::Other, &visitor);
    match state
        .sessions
        .peek_handoff(&token, state.clock.now())
        .await?
    {
        Some(found) => match found.kind {
            HandoffKind::PhoneSignIn {
                borne,
                approved_by: None,
            } => Ok(handoff::approve_borne(&chrome, &borne, &token, false).into_response()),
            _ => Ok((axum::http::StatusCode::GONE, handoff::expired(&chrome)).into_response()),
        },
        None => Ok((axum::http::StatusCode::GONE, handoff::expired(&chrome)).into_response()),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn post_approve(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let now = state.clock.now();
    let chrome = state.chrome(Section::Other, &visitor);
    let borne = match state.sessions.peek_handoff(&token, now).await? {
        Some(found) => match found.kind {
            HandoffKind::PhoneSignIn { borne, .. } => borne,
            _ => return Err(WebError::NotFound),
        },
        None => {
            return Ok((axum::http::StatusCode::GONE, handoff::expired(&chrome)).into_response());
        }
    };
    let approved = state
        .sessions
        .approve_phone_sign_in(&token, signed_in.user.login.clone(), now)
        .await?;
    if !approved {
        return Ok((axum::http::StatusCode::GONE, handoff::expired(&chrome)).into_response());
    }
    let entry = crate::store::AuditEntry {
        at: now,
        actor: signed_in.user.login.clone(),
        action: "connexion par téléphone".into(),
        target: format!("borne {borne}"),
        before: String::new(),
        after: String::new(),
    };
    state
        .content
        .store()
        .run(move |store| store.audit(&entry))
        .await?;
    Ok(handoff::approve_borne(&chrome, &borne, &token, true).into_response())
}

/// On the borne: asked twice a second by its sign-in page's script, whether a
/// phone has approved (200), not yet (204), or the code is gone (410). A
/// small answer that changes nothing: the page then goes to
/// [`get_phone_poll`], which opens the session.
pub async fn get_phone_state(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, WebError> {
    Ok(match phone_sign_in(&state, &visitor, &token).await? {
        Some(Some(_)) => StatusCode::OK,
        Some(None) => StatusCode::NO_CONTENT,
        None => StatusCode::GONE,
    })
}

/// A borne's phone sign-in code, asked for by that borne: `None` when gone,
/// otherwise who approved it, if anyone yet. Not found anywhere but on a borne.
async fn phone_sign_in(
    state: &AppState,
    visitor: &Visitor,
    token: &str,
) -> Result<Option<Option<Login>>, WebError> {
    if visitor.device != DeviceClass::Kiosk {
        return Err(WebError::NotFound);
    }
    match state
        .sessions
        .peek_handoff(token, state.clock.now())
        .await?
    {
        Some(found) => match found.kind {
            HandoffKind::PhoneSignIn { approved_by, .. } => Ok(Some(approved_by)),
            _ => Err(WebError::NotFound),
        },
        None => Ok(None),
    }
}

/// On the borne: where its sign-in page goes once a phone approved (or every
/// second without script); opens the session once a phone has approved.
pub async fn get_phone_poll(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some(approved) = phone_sign_in(&state, &visitor, &token).await? else {
        return Ok(Redirect::to("/connexion").into_response());
    };
    let now = state.clock.now();
    match approved {
        Some(login) => {
            // Single use: only the first poll after approval opens the session.
            if state.sessions.take_handoff(&token, now).await?.is_none() {
                return Ok(Redirect::to("/connexion").into_response());
            }
            let opened = state
                .sessions
                .open(login, DeviceClass::Kiosk, false, now)
                .await?;
            Ok(signed_in_redirect(&state, opened, "/"))
        }
        None => Ok(Redirect::to(&format!("/connexion/telephone?attente={token}")).into_response()),
    }
}

#[derive(Deserialize)]
pub struct WaitQuery {
    attente: Option<String>,
}

/// On the borne: the QR to scan, the one being waited for while it is valid.
pub async fn get_phone_sign_in(
    visitor: Visitor,
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<WaitQuery>,
) -> Result<Response, WebError> {
    if visitor.device != DeviceClass::Kiosk {
        return Err(WebError::NotFound);
    }
    if visitor.signed_in.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let now = state.clock.now();
    let waiting = match query.attente.as_deref() {
        Some(token) => state
            .sessions
            .peek_handoff(token, now)
            .await?
            .filter(|h| {
                matches!(
                    h.kind,
                    HandoffKind::PhoneSignIn {
                        approved_by: None,
                        ..
                    }
                )
            })
            .map(|_| token.to_owned()),
        None => None,
    };
    let token = match waiting {
        Some(token) => token,
        None => {
            let kiosk = &state.config.kiosk;
            let borne = if kiosk.place.is_empty() {
                kiosk.name.clone()
            } else {
                format!("{} ({})", kiosk.name, kiosk.place)
            };
            let kind = HandoffKind::PhoneSignIn {
                borne,
                approved_by: None,
            };
            state.sessions.new_handoff(kind, now).await?
        }
    };
    let chrome = state.chrome(Section::Other, &visitor);
    let url = public_link(&state, &format!("/borne/{token}"));
    let poll = format!("/connexion/telephone/{token}");
    Ok(handoff::phone_sign_in(&chrome, &url, &poll, &format!("{poll}/etat")).into_response())
}
