//! Signing in and out, and the charter.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use std::time::Duration;

use crate::directory::{AccountProblem, AuthError};
use crate::store::Acceptance;
use crate::web::auth::{Agent, Visitor, check_csrf, cookie_name, safe_return};
use crate::web::views::{Section, account};
use crate::web::{AppState, WebError};

/// A refused sign-in never answers faster than this, whether the account
/// exists or not.
const FAILURE_FLOOR: Duration = Duration::from_millis(400);

#[derive(Deserialize)]
pub struct SignInQuery {
    retour: Option<String>,
    deconnecte: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    identifiant: String,
    #[serde(default)]
    mot_de_passe: String,
    rester_connecte: Option<String>,
    retour: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn get_sign_in(
    visitor: Visitor,
    State(state): State<AppState>,
    Query(query): Query<SignInQuery>,
) -> Response {
    let back = safe_return(query.retour.as_deref());
    if visitor.signed_in.is_some() {
        return Redirect::to(&back).into_response();
    }
    let chrome = state.chrome(Section::Other, &visitor);
    let notice = query
        .deconnecte
        .is_some()
        .then_some("Vous êtes déconnecté. À bientôt !");
    account::sign_in(
        &chrome,
        &account::SignInPage {
            login: "",
            error: None,
            notice,
            back: &back,
            stay_checked: false,
            stay_days: state.config.sessions.personal_max_days,
            phone: visitor.device == crate::domain::DeviceClass::Kiosk,
            demo_password: state.config.demo.then_some(crate::demo::PASSWORD),
        },
    )
    .into_response()
}

fn problem_message(problem: AccountProblem) -> &'static str {
    match problem {
        AccountProblem::Disabled => {
            "Votre compte est désactivé. Contactez le service des ressources humaines ou l'assistance informatique."
        }
        AccountProblem::AccountExpired => {
            "Votre compte a expiré (par exemple à la fin d'un contrat). Contactez le service des ressources humaines."
        }
        AccountProblem::PasswordExpired => {
            "Votre mot de passe a expiré. Changez-le depuis un ordinateur de la collectivité (Ctrl + Alt + Suppr), puis reconnectez-vous."
        }
        AccountProblem::MustChangePassword => {
            "Vous devez d'abord changer votre mot de passe depuis un ordinateur de la collectivité (Ctrl + Alt + Suppr), puis vous reconnecter."
        }
        AccountProblem::Locked => {
            "Votre compte est verrouillé après plusieurs erreurs. Patientez quelques minutes ou contactez l'assistance informatique."
        }
    }
}

pub async fn post_sign_in(
    visitor: Visitor,
    State(state): State<AppState>,
    Form(form): Form<SignInForm>,
) -> Response {
    let started = tokio::time::Instant::now();
    let back = safe_return(form.retour.as_deref());
    let login = form.identifiant.trim().to_owned();
    let stay = form.rester_connecte.is_some();
    let now = state.clock.now();
    let refuse = |status: StatusCode, message: String| {
        let chrome = state.chrome(Section::Other, &visitor);
        let page = account::sign_in(
            &chrome,
            &account::SignInPage {
                login: &login,
                error: Some(&message),
                notice: None,
                back: &back,
                stay_checked: stay,
                stay_days: state.config.sessions.personal_max_days,
                phone: visitor.device == crate::domain::DeviceClass::Kiosk,
                demo_password: state.config.demo.then_some(crate::demo::PASSWORD),
            },
        );
        (status, page).into_response()
    };
    if let Some(wait) = state.throttle.wait(&login, visitor.address, now) {
        let seconds = wait.as_secs().max(1);
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Trop de tentatives de connexion. Patientez {seconds} secondes avant de réessayer."
            ),
        );
    }
    match state.directory.sign_in(&login, &form.mot_de_passe).await {
        Ok(user) => {
            state.throttle.succeeded(&login);
            let opened = match state
                .sessions
                .open(user.login.clone(), visitor.device, stay, now)
                .await
            {
                Ok(opened) => opened,
                Err(e) => return WebError::from(e).into_response(),
            };
            tracing::info!(device = visitor.device.key(), "sign-in");
            signed_in_redirect(&state, opened, &back)
        }
        Err(AuthError::InvalidCredentials) => {
            tracing::info!(
                device = visitor.device.key(),
                "sign-in refused: invalid credentials"
            );
            state.throttle.failed(&login, visitor.address, now);
            tokio::time::sleep_until(started + FAILURE_FLOOR).await;
            refuse(
                StatusCode::UNAUTHORIZED,
                "Identifiant ou mot de passe incorrect. Vérifiez votre saisie (attention aux majuscules) et réessayez.".into(),
            )
        }
        Err(AuthError::Account(problem)) => {
            tracing::info!(
                device = visitor.device.key(),
                ?problem,
                "sign-in refused: account problem"
            );
            state.throttle.failed(&login, visitor.address, now);
            tokio::time::sleep_until(started + FAILURE_FLOOR).await;
            refuse(StatusCode::FORBIDDEN, problem_message(problem).into())
        }
        Err(AuthError::Unavailable(detail)) => {
            tracing::warn!(%detail, "directory unavailable at sign-in");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "La connexion est momentanément impossible : l'annuaire de la collectivité ne répond pas. Réessayez dans quelques minutes.".into(),
            )
        }
        Err(AuthError::Store(e)) => WebError::from(e).into_response(),
    }
}

/// The answer to a successful sign-in (password, phone or hand-off): the
/// session cookie, then `to`.
pub fn signed_in_redirect(state: &AppState, opened: crate::session::Opened, to: &str) -> Response {
    let mut cookie = Cookie::build((cookie_name(state.secure_cookies), opened.token))
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax);
    if opened.session.stay_signed_in {
        let days = i64::try_from(state.config.sessions.personal_max_days).unwrap_or(30);
        cookie = cookie.max_age(cookie::time::Duration::days(days));
    }
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.build().to_string()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Ends the session on the server, removes the cookie and asks the browser to
/// forget everything of this site (cache included): the back button then
/// shows nothing of the previous agent.
pub async fn post_sign_out(
    visitor: Visitor,
    State(state): State<AppState>,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(signed_in) = &visitor.signed_in {
        let sent = form.map(|f| f.0.csrf).unwrap_or_default();
        if let Err(e) = check_csrf(signed_in, &sent) {
            return e.into_response();
        }
        if let Err(e) = state.sessions.close(&signed_in.token).await {
            return WebError::from(e).into_response();
        }
    }
    let removal = Cookie::build((cookie_name(state.secure_cookies), ""))
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .removal()
        .build();
    let mut response = Redirect::to("/connexion?deconnecte=1").into_response();
    let h = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&removal.to_string()) {
        h.insert(header::SET_COOKIE, value);
    }
    h.insert(
        header::HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""),
    );
    response
}

pub async fn get_charter(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    let login = signed_in.user.login.clone();
    let (charter, accepted) = state
        .content
        .store()
        .run(move |store| Ok((store.current_charter()?, store.acceptance_of(&login)?)))
        .await?;
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(account::charter(&chrome, charter.as_ref(), accepted.as_ref()).into_response())
}

#[derive(Deserialize)]
pub struct ReturnQuery {
    retour: Option<String>,
}

pub async fn get_charter_accept(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<ReturnQuery>,
) -> Result<Response, WebError> {
    let back = safe_return(query.retour.as_deref());
    let login = signed_in.user.login.clone();
    let (charter, accepted) = state
        .content
        .store()
        .run(move |store| Ok((store.current_charter()?, store.acceptance_of(&login)?)))
        .await?;
    let Some(charter) = charter else {
        return Ok(Redirect::to(&back).into_response());
    };
    if accepted
        .as_ref()
        .is_some_and(|a| a.version >= charter.version)
    {
        return Ok(Redirect::to(&back).into_response());
    }
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(account::charter_accept(&chrome, &charter, &back, accepted.is_some()).into_response())
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    csrf: String,
    version: u32,
    retour: Option<String>,
}

pub async fn post_charter_accept(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let back = safe_return(form.retour.as_deref());
    let login = signed_in.user.login.clone();
    let at = state.clock.now();
    let accepted = state
        .content
        .store()
        .run(move |store| {
            // Only the version that was shown can be accepted: if a newer one
            // was published meanwhile, the agent sees it next.
            let current = store.current_charter()?.map(|c| c.version);
            if current != Some(form.version) {
                return Ok(false);
            }
            store.accept_charter(
                &login,
                &Acceptance {
                    version: form.version,
                    at,
                },
            )?;
            Ok(true)
        })
        .await?;
    if !accepted {
        return Ok(
            Redirect::to(&crate::web::auth::with_return("/charte/accepter", &back)).into_response(),
        );
    }
    if let Some(edge) = &state.federation.edge {
        // Accepted here at once; the hub records it too (its audit of who accepted).
        super::outbox::queue(
            edge,
            &signed_in.user,
            "Acceptation de la charte".into(),
            crate::federation::wire::Submission::CharterAcceptance {
                version: form.version,
            },
        )?;
    }
    Ok(Redirect::to(&back).into_response())
}
