//! Who is asking: the device class (decided by the server from the listener and
//! the peer address), the session behind the cookie, the charter gate, and the
//! extractors that put "who may do this" in handler signatures.

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use super::{AppState, WebError};
use crate::domain::{DeviceClass, Role, Session, User};
use crate::session::{Listener, classify};

/// The session cookie's name: `__Host-` (which requires `Secure`) under TLS.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-kiosque"
    } else {
        "kiosque_session"
    }
}

/// A signed-in agent.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub token: String,
}

/// The person behind a request, signed in or not.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub device: DeviceClass,
    pub address: IpAddr,
    pub signed_in: Option<Arc<SignedIn>>,
    /// For webmasters: how many proposals wait in the queue.
    pub pending: Option<usize>,
}

impl Visitor {
    pub fn user(&self) -> Option<&User> {
        self.signed_in.as_ref().map(|s| &s.user)
    }
}

/// Paths anyone may reach without a session.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/connexion" | "/healthz" | "/deconnexion" | "/favicon.ico" | "/accessibilite"
    ) || path.starts_with("/static/")
        || path.starts_with("/continuer/")
        || path.starts_with("/connexion/telephone")
        // One-click unsubscribe from a union mail (RFC 8058): the signed
        // token in the link is the permission.
        || path.starts_with("/desabonnement/")
        // Calendar apps and news readers: the secret token in the path is
        // the only key (an unknown one is not found).
        || path.starts_with("/abonnement/")
}

/// Paths a signed-in agent may reach before accepting the charter.
fn before_charter(path: &str) -> bool {
    is_public(path) || path.starts_with("/charte")
}

/// The agent's address: the peer's, or, when the peer is a trusted reverse
/// proxy, the right-most address of `X-Forwarded-For` that is not a trusted
/// proxy itself (what a client puts further left cannot be believed).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut address = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        address = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    address
}

/// A local path to come back to after signing in; anything else becomes `/`.
pub fn safe_return(raw: Option<&str>) -> String {
    crate::domain::text::local_path(raw)
}
pub fn with_return(target: &str, back: &str) -> String {
    if back == "/" {
        return target.to_owned();
    }
    let encoded: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
    format!("{target}?retour={encoded}")
}

fn session_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// Resolves the visitor of every request, sends the signed-out to the sign-in
/// page and the signed-in who have not accepted the charter to the charter.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let listener = request
        .extensions()
        .get::<Listener>()
        .copied()
        .unwrap_or(Listener::Web);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let address = client_address(peer, request.headers(), &state.trusted_proxies);
    let device = classify(listener, address, &state.shared_networks);
    let now = state.clock.now();
    let token = session_token(request.headers(), cookie_name(state.secure_cookies));
    let mut signed_in = None;
    let mut charter_due = false;
    let mut pending = None;
    if let Some(token) = token {
        match signed_in_by(&state, token, device, now).await {
            Ok(Some((found, due, waiting))) => {
                charter_due = due;
                pending = waiting;
                signed_in = Some(Arc::new(found));
            }
            Ok(None) => {}
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    let path = request.uri().path();
    // A borne with nobody signed in shows its idle screen at `/`.
    let kiosk_idle = device == DeviceClass::Kiosk && (path == "/" || path.starts_with("/media/"));
    let sign_in_first = signed_in.is_none() && !is_public(path) && !kiosk_idle;
    let charter_first = signed_in.is_some() && charter_due && !before_charter(path);
    if sign_in_first || charter_first {
        let target = if sign_in_first {
            "/connexion"
        } else {
            "/charte/accepter"
        };
        let back = request.uri().path_and_query().map_or(path, |p| p.as_str());
        return Redirect::to(&with_return(target, back)).into_response();
    }
    request.extensions_mut().insert(Visitor {
        device,
        address,
        signed_in,
        pending,
    });
    next.run(request).await
}

/// The agent behind a session token on `device`, whether the charter waits
/// for them, and (for webmasters) how many proposals wait in the queue.
///
/// The session's facts are a handful of point lookups in small tables that
/// every request reads (sessions, agents, charters): they are read in place,
/// on this worker, in microseconds, where handing the worker over to another
/// thread ([`Store::run`](crate::store::Store::run)) would cost more than the
/// read, on every request. Only the writes (an expired session removed, the
/// last activity moved forward every few seconds) go through `Store::run`.
async fn signed_in_by(
    state: &AppState,
    token: String,
    device: DeviceClass,
    now: jiff::Timestamp,
) -> Result<Option<(SignedIn, bool, Option<usize>)>, crate::store::StoreError> {
    let store = state.content.store();
    let limits = state.sessions.limits();
    let key = crate::session::Sessions::key_of(&token);
    let Some(facts) = store.session_facts(key)? else {
        return Ok(None);
    };
    let session = if crate::session::keep_alive_writes(limits, &facts.session, now) {
        let session = facts.session;
        store
            .run(move |store| crate::session::keep_alive(store, limits, key, session, now))
            .await?
    } else {
        Some(facts.session)
    };
    let Some(session) = session else {
        return Ok(None);
    };
    // A session opened on another class of device is not valid here:
    // a borne's cookie replayed elsewhere gets nothing.
    if session.device != device {
        return Ok(None);
    }
    let Some(user) = facts.user.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    let due = facts
        .charter
        .is_some_and(|c| facts.accepted.is_none_or(|a| a < c));
    Ok(Some((
        SignedIn {
            user,
            session,
            token,
        },
        due,
        facts.pending,
    )))
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(|| WebError::Internal("visitor not resolved".into()))
    }
}

/// A signed-in agent (every role is an agent). Reaching a handler that takes
/// one without a session is impossible: `authenticate` redirects first.
#[derive(Debug, Clone)]
pub struct Agent(pub Arc<SignedIn>, pub Visitor);

impl<S: Send + Sync> FromRequestParts<S> for Agent {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await?;
        let signed_in = visitor.signed_in.clone().ok_or(WebError::SignInRequired)?;
        Ok(Agent(signed_in, visitor))
    }
}

/// An administrator (IT service).
#[derive(Debug, Clone)]
pub struct Admin(pub Arc<SignedIn>, pub Visitor);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Agent(signed_in, visitor) = Agent::from_request_parts(parts, state).await?;
        if !signed_in.user.has(&Role::Admin) {
            return Err(WebError::Forbidden);
        }
        Ok(Admin(signed_in, visitor))
    }
}

/// Checks the form's CSRF token against the session's (defence in depth beside
/// SameSite cookies and the Origin check).
pub fn check_csrf(signed_in: &SignedIn, sent: &str) -> Result<(), WebError> {
    let expected = signed_in.session.csrf.as_bytes();
    let same = expected.len() == sent.len()
        && expected
            .iter()
            .zip(sent.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: ipnet::IpNet = "192.0.2.10/32".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 10.20.0.7".parse().unwrap());
        let from_proxy: IpAddr = "192.0.2.10".parse().unwrap();
        let direct: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            client_address(from_proxy, &headers, &[proxy]),
            "10.20.0.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_address(direct, &headers, &[proxy]),
            direct,
            "anyone can send the header"
        );
        assert_eq!(
            client_address(from_proxy, &headers, &[]),
            from_proxy,
            "no trusted proxy configured"
        );
        headers.insert("x-forwarded-for", "pas-une-adresse".parse().unwrap());
        assert_eq!(client_address(from_proxy, &headers, &[proxy]), from_proxy);
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_return(Some("/actus?page=2")), "/actus?page=2");
        assert_eq!(safe_return(Some("//evil.example/")), "/");
        assert_eq!(safe_return(Some("/\\evil.example")), "/");
        assert_eq!(safe_return(Some("https://evil.example")), "/");
        assert_eq!(safe_return(Some("/\t/evil.example")), "/");
        assert_eq!(safe_return(Some("/\n/evil.example")), "/");
        assert_eq!(safe_return(Some("/a\\b")), "/");
        assert_eq!(
            safe_return(Some("/%09/evil.example")),
            "/%09/evil.example",
            "still percent-encoded: a local path"
        );
        assert_eq!(safe_return(None), "/");
        assert_eq!(
            with_return("/connexion", "/actus?page=2"),
            "/connexion?retour=%2Factus%3Fpage%3D2"
        );
    }
}
