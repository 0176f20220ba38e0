//! Administration: sessions, the annuaire cache, the charter. Every action here
//! is written to the audit log.

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use crate::domain::Login;
use crate::store::AuditEntry;
use crate::web::auth::{Admin, check_csrf};
use crate::web::views::{Section, admin};
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct AdminQuery {
    fait: Option<String>,
}

/// Outcome messages are chosen from this list by key: nothing typed is echoed.
fn message(key: &str) -> Option<&'static str> {
    match key {
        "sessions" => Some("Les sessions de l'agent sont terminées."),
        "annuaire" => Some("L'annuaire a été actualisé."),
        "annuaire-erreur" => Some(
            "L'annuaire n'a pas pu être actualisé : l'annuaire de la collectivité ne répond pas. Voir le journal du serveur.",
        ),
        "charte" => Some("La nouvelle version de la charte est publiée."),
        _ => None,
    }
}

pub(super) async fn audit(
    state: &AppState,
    actor: &Login,
    action: &str,
    target: &str,
    after: String,
) -> Result<(), WebError> {
    let entry = AuditEntry {
        at: state.clock.now(),
        actor: actor.clone(),
        action: action.to_owned(),
        target: target.to_owned(),
        before: String::new(),
        after,
    };
    state
        .content
        .store()
        .run(move |store| store.audit(&entry))
        .await?;
    Ok(())
}

pub async fn get_admin(
    Admin(_, visitor): Admin,
    State(state): State<AppState>,
    Query(query): Query<AdminQuery>,
) -> Result<Markup, WebError> {
    let sessions = state.sessions.count_by_device().await?;
    let (people, entries) = state
        .content
        .store()
        .run(|store| Ok((store.user_count()?, store.audit_log(50)?)))
        .await?;
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(admin::dashboard(
        &chrome,
        &admin::AdminPage {
            message: query.fait.as_deref().and_then(message),
            sessions,
            people,
            audit: &entries,
        },
    ))
}

#[derive(Deserialize)]
pub struct EndSessionsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    identifiant: String,
}

pub async fn post_end_sessions(
    Admin(signed_in, _): Admin,
    State(state): State<AppState>,
    Form(form): Form<EndSessionsForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let login = Login::new(&form.identifiant);
    if login.as_str().is_empty() {
        return Err(WebError::BadRequest("Indiquez l'identifiant de l'agent."));
    }
    let ended = state.sessions.close_all(login.clone()).await?;
    audit(
        &state,
        &signed_in.user.login,
        "fin des sessions",
        login.as_str(),
        format!("{ended} session(s)"),
    )
    .await?;
    Ok(Redirect::to("/admin?fait=sessions").into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn post_refresh_annuaire(
    Admin(signed_in, _): Admin,
    State(state): State<AppState>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let outcome = match state.directory.refresh().await {
        Ok(count) => {
            audit(
                &state,
                &signed_in.user.login,
                "actualisation de l'annuaire",
                "annuaire",
                format!("{count} agents"),
            )
            .await?;
            "annuaire"
        }
        Err(e) => {
            tracing::warn!(error = %e, "annuaire refresh failed");
            "annuaire-erreur"
        }
    };
    Ok(Redirect::to(&format!("/admin?fait={outcome}")).into_response())
}

pub async fn get_charter_form(
    Admin(_, visitor): Admin,
    State(state): State<AppState>,
) -> Result<Markup, WebError> {
    let current = state
        .content
        .store()
        .run(|store| store.current_charter())
        .await?;
    let chrome = state.chrome(Section::Other, &visitor);
    let text = current.as_ref().map(|c| c.text.clone()).unwrap_or_default();
    Ok(admin::charter_form(&chrome, current.as_ref(), None, &text))
}

#[derive(Deserialize)]
pub struct CharterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    texte: String,
}

pub async fn post_charter(
    Admin(signed_in, visitor): Admin,
    State(state): State<AppState>,
    Form(form): Form<CharterForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    if form.texte.trim().len() < 20 {
        let current = state
            .content
            .store()
            .run(|store| store.current_charter())
            .await?;
        let chrome = state.chrome(Section::Other, &visitor);
        let page = admin::charter_form(
            &chrome,
            current.as_ref(),
            Some(
                "Le texte de la charte est trop court. Il n'a pas été publié ; votre saisie est conservée ci-dessous.",
            ),
            &form.texte,
        );
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (by, at, text) = (
        signed_in.user.login.clone(),
        state.clock.now(),
        form.texte.clone(),
    );
    let charter = state
        .content
        .store()
        .run(move |store| store.publish_charter(&text, &by, at))
        .await?;
    audit(
        &state,
        &signed_in.user.login,
        "publication de la charte",
        "charte",
        format!("version {}", charter.version),
    )
    .await?;
    Ok(Redirect::to("/admin?fait=charte").into_response())
}
