//! The hub side: the peer API edges call on the federation listener (mTLS),
//! enrollment, grants, and the receiver of edges' writes.
//! Invariants: every call but enrollment names an enrolled, unrevoked edge
//! by its certificate before any handler runs; a write is applied only with
//! a valid grant of its author for the calling edge; a write delivered twice
//! is applied once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use tokio::net::TcpListener;
use tokio::sync::watch;

mod receive;
mod replication;

use super::pki::HubPki;
use super::wire::{self, *};
use crate::clock::Clock;
use crate::content::Content;
use crate::directory::{AuthError, Directory};
use crate::domain::Login;
use crate::store::{EdgeKind, EdgeRecord, Invite, Store};

/// How long an enrollment code stays usable.
pub const INVITE_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How long a grant lets an edge act for an agent after they signed in there.
pub const GRANT_LIFETIME: SignedDuration = SignedDuration::from_hours(12);
/// How late a write made under a valid grant may still be delivered (the
/// hub may have been unreachable for a long weekend).
pub const DELIVERY_WINDOW: SignedDuration = SignedDuration::from_hours(14 * 24);

/// The hub's federation service.
#[derive(Debug)]
pub struct Hub {
    store: Store,
    sessions: crate::session::Sessions,
    content: Content,
    directory: Directory,
    pki: HubPki,
    clock: Arc<dyn Clock>,
    grant_key: [u8; 32],
    unions: Vec<(String, String)>,
    /// Certificate hash → edge id, of edges not revoked.
    edges: RwLock<HashMap<[u8; 32], String>>,
}

/// A new invite: the code to give the installer (shown once).
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub code: String,
    pub invite: Invite,
}

impl Hub {
    pub fn new(
        store: Store,
        sessions: crate::session::Sessions,
        directory: Directory,
        pki: HubPki,
        clock: Arc<dyn Clock>,
        unions: Vec<(String, String)>,
    ) -> crate::store::Result<Hub> {
        let grant_key = store.secret("grant")?;
        let hub = Hub {
            content: Content::new(store.clone()),
            sessions,
            store,
            directory,
            pki,
            clock,
            grant_key,
            unions,
            edges: RwLock::default(),
        };
        hub.reload_edges()?;
        Ok(hub)
    }

    fn is_enrolled(&self, edge: &str) -> bool {
        self.edges
            .read()
            .expect("edge map lock")
            .values()
            .any(|id| id == edge)
    }

    fn reload_edges(&self) -> crate::store::Result<()> {
        let map = self
            .store
            .edges()?
            .into_iter()
            .filter(|e| e.revoked.is_none())
            .map(|e| (e.certificate, e.id))
            .collect();
        *self.edges.write().expect("edge map lock") = map;
        Ok(())
    }

    /// Makes a one-time enrollment code for a new edge.
    pub async fn create_invite(
        &self,
        name: String,
        place: String,
        kind: EdgeKind,
        by: Login,
    ) -> crate::store::Result<NewInvite> {
        let code = new_code();
        let now = self.clock.now();
        let invite = Invite {
            name,
            place,
            kind,
            created: now,
            expires: now + INVITE_LIFETIME,
            by,
            used: None,
            mac_key: mac_key(&code),
        };
        let (id, saved) = (invite_id(&code), invite.clone());
        self.store
            .run(move |store| store.put_invite(&id, &saved))
            .await?;
        Ok(NewInvite { code, invite })
    }

    /// Revokes an edge: its certificate stops working at once.
    pub async fn revoke(&self, edge: String) -> crate::store::Result<bool> {
        let now = self.clock.now();
        let found = self
            .store
            .run(move |store| {
                let Some(mut record) = store.get_edge(&edge)? else {
                    return Ok(false);
                };
                record.revoked.get_or_insert(now);
                store.put_edge(&record)?;
                Ok(true)
            })
            .await?;
        self.reload_edges()?;
        Ok(found)
    }

    /// Every edge, for the administrator's page, with the hub's head seq.
    pub async fn edges(&self) -> crate::store::Result<(Vec<EdgeRecord>, u64)> {
        let head = self.store.current_seq();
        let edges = self.store.run(|store| store.edges()).await?;
        Ok((edges, head))
    }

    pub async fn invites(&self) -> crate::store::Result<Vec<Invite>> {
        let mut invites: Vec<Invite> = self
            .store
            .run(|store| store.invites())
            .await?
            .into_iter()
            .map(|(_, i)| i)
            .collect();
        invites.sort_by_key(|i| std::cmp::Reverse(i.created));
        Ok(invites)
    }

    fn grant_mac(&self, login: &Login, edge: &str, expires: Timestamp) -> Vec<u8> {
        let message = wire::encode(&(login, edge, expires));
        blake3::keyed_hash(&self.grant_key, &message)
            .as_bytes()
            .to_vec()
    }

    fn grant_for(&self, login: &Login, edge: &str) -> Grant {
        let expires = self.clock.now() + GRANT_LIFETIME;
        Grant {
            login: login.clone(),
            edge: edge.to_owned(),
            expires,
            mac: self.grant_mac(login, edge, expires),
        }
    }

    /// Whether `grant` lets `edge` deliver a write made at `created`.
    fn check_grant(&self, grant: &Grant, edge: &str, created: Timestamp) -> Result<(), String> {
        let expected = self.grant_mac(&grant.login, &grant.edge, grant.expires);
        let authentic = blake3::Hash::from_slice(&grant.mac)
            .is_ok_and(|mac| mac == blake3::Hash::from_slice(&expected).expect("32 bytes"));
        let now = self.clock.now();
        if !authentic {
            return Err("the grant's signature is not the hub's".into());
        }
        if grant.edge != edge {
            return Err(format!(
                "the grant was given to edge {}, not to {edge}",
                grant.edge
            ));
        }
        if created > grant.expires || created > now + SignedDuration::from_mins(5) {
            return Err("the write was made outside its grant's validity".into());
        }
        if now > grant.expires + DELIVERY_WINDOW {
            return Err("the grant is too old to deliver writes".into());
        }
        Ok(())
    }

    /// The peer API, served on the federation listener.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/fed/v1/enroll", post(post_enroll))
            .route("/fed/v1/changes", get(replication::get_changes))
            .route("/fed/v1/blobs/{hash}", get(replication::get_blob))
            .route("/fed/v1/sign-in", post(post_sign_in))
            .route("/fed/v1/accounts/{login}", get(get_account))
            .route("/fed/v1/submissions", post(receive::post_submission))
            .route("/fed/v1/handoffs", post(post_handoff))
            .fallback(|| async { problem(StatusCode::NOT_FOUND, "no such federation call") })
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(self.clone())
    }
}

/// Codes use Crockford's base32 without look-alikes: easy to read aloud and
/// to type on a borne's screen. 16 characters: 80 bits.
fn new_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let raw: [u8; 16] = rand::random();
    let chars: Vec<char> = raw
        .iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as typed: upper case, without separators.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The invite's name in the store, derived from the code.
pub fn invite_id(code: &str) -> String {
    let key = blake3::derive_key(
        "kiosque 2026 enrollment invite id",
        normalize_code(code).as_bytes(),
    );
    key[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The key that authenticates the enrollment messages, derived from the code.
pub fn mac_key(code: &str) -> [u8; 32] {
    blake3::derive_key(
        "kiosque 2026 enrollment mac",
        normalize_code(code).as_bytes(),
    )
}

/// The edge's proof of the code.
pub fn edge_proof(key: &[u8; 32], nonce: &[u8], public_key: &[u8]) -> Vec<u8> {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.update(b"edge");
    hasher.update(nonce);
    hasher.update(public_key);
    hasher.finalize().as_bytes().to_vec()
}

/// The hub's proof of the code over its answer.
pub fn hub_proof(key: &[u8; 32], nonce: &[u8], response: &EnrollResponse) -> Vec<u8> {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.update(b"hub");
    hasher.update(nonce);
    hasher.update(response.edge.as_bytes());
    hasher.update(response.certificate_pem.as_bytes());
    hasher.update(response.ca_pem.as_bytes());
    hasher.finalize().as_bytes().to_vec()
}

fn same(a: &[u8], b: &[u8]) -> bool {
    match (blake3::Hash::from_slice(a), blake3::Hash::from_slice(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// An error answer with a precise message for the edge's administrator.
fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    cbor(
        status,
        &Problem {
            message: message.into(),
        },
    )
}

fn cbor<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(CBOR))],
        wire::encode(value),
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "federation call failed");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error on the hub",
    )
}

fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, Box<Response>> {
    wire::decode(bytes).map_err(|e| Box::new(problem(StatusCode::BAD_REQUEST, e)))
}

/// The certificate the peer presented on this connection (BLAKE3 of its DER).
#[derive(Clone, Copy, Debug)]
pub struct PeerCertificate(pub Option<[u8; 32]>);

/// The enrolled edge making the call. Rejects the call before the handler
/// when there is no certificate, or it is unknown or revoked.
#[derive(Debug)]
pub struct PeerEdge {
    pub id: String,
    pub version: String,
}

impl FromRequestParts<Arc<Hub>> for PeerEdge {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, Response> {
        let Some(PeerCertificate(Some(hash))) = parts.extensions.get::<PeerCertificate>().copied()
        else {
            return Err(problem(
                StatusCode::UNAUTHORIZED,
                "this call needs an enrolled edge's client certificate (run `kiosque enroll` first)",
            ));
        };
        let id = hub.edges.read().expect("edge map lock").get(&hash).cloned();
        let Some(id) = id else {
            return Err(problem(
                StatusCode::FORBIDDEN,
                "this edge's certificate was revoked or is unknown to this hub: enroll it again with a new invite",
            ));
        };
        let version = header_str(&parts.headers, VERSION_HEADER).unwrap_or("unknown");
        Ok(PeerEdge {
            id,
            version: version.chars().take(40).collect(),
        })
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn post_enroll(State(hub): State<Arc<Hub>>, bytes: Bytes) -> Response {
    let request: EnrollRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    let id = request.invite.clone();
    let invite = match hub.store.run(move |store| store.get_invite(&id)).await {
        Ok(invite) => invite,
        Err(e) => return internal(e),
    };
    let now = hub.clock.now();
    let refused = |m: &str| problem(StatusCode::FORBIDDEN, m);
    let Some(invite) = invite else {
        return refused("unknown enrollment code: check it, or create a new invite on the hub");
    };
    if !same(
        &request.proof,
        &edge_proof(&invite.mac_key, &request.nonce, &request.public_key),
    ) {
        return refused("unknown enrollment code: check it, or create a new invite on the hub");
    }
    if invite.used.is_some() {
        return refused("this enrollment code was already used: create a new invite on the hub");
    }
    if now > invite.expires {
        return refused("this enrollment code has expired: create a new invite on the hub");
    }
    let edge_id = format!("e-{}", ulid::Ulid::new().to_string().to_lowercase());
    let (certificate_pem, der) = match hub
        .pki
        .issue_edge_certificate(&edge_id, &request.public_key)
    {
        Ok(issued) => issued,
        Err(e) => return problem(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let record = EdgeRecord {
        id: edge_id.clone(),
        name: invite.name.clone(),
        place: invite.place.clone(),
        kind: invite.kind,
        enrolled: now,
        certificate: *blake3::hash(&der).as_bytes(),
        revoked: None,
        last_contact: Some(now),
        cursor: 0,
        version: String::new(),
    };
    let (invite_id, saved) = (request.invite.clone(), record.clone());
    match hub
        .store
        .run(move |store| store.enroll_edge(&invite_id, &saved))
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return refused(
                "this enrollment code was already used: create a new invite on the hub",
            );
        }
        Err(e) => return internal(e),
    }
    if let Err(e) = hub.reload_edges() {
        return internal(e);
    }
    tracing::info!(edge = %edge_id, name = %invite.name, "edge enrolled");
    let mut response = EnrollResponse {
        edge: edge_id,
        name: invite.name,
        place: invite.place,
        kind: invite.kind,
        certificate_pem,
        ca_pem: hub.pki.ca_pem.clone(),
        proof: Vec::new(),
    };
    response.proof = hub_proof(&invite.mac_key, &request.nonce, &response);
    cbor(StatusCode::OK, &response)
}

async fn post_sign_in(peer: PeerEdge, State(hub): State<Arc<Hub>>, bytes: Bytes) -> Response {
    let request: SignInRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    let answer = match hub
        .directory
        .sign_in(&request.login, &request.password)
        .await
    {
        Ok(user) => {
            let grant = hub.grant_for(&user.login, &peer.id);
            let login = user.login.clone();
            let personal = match hub.store.run(move |store| store.personal(&login)).await {
                Ok(personal) => personal,
                Err(e) => return internal(e),
            };
            tracing::info!(edge = %peer.id, "sign-in relayed");
            SignInResponse::Ok {
                user: Box::new(user),
                grant,
                personal: Some(Box::new(personal)),
            }
        }
        Err(AuthError::InvalidCredentials) => SignInResponse::Invalid,
        Err(AuthError::Account(problem)) => SignInResponse::Refused { problem },
        Err(AuthError::Unavailable(e)) => {
            tracing::warn!(error = %e, "directory unavailable for a relayed sign-in");
            SignInResponse::Unavailable
        }
        Err(AuthError::Store(e)) => return internal(e),
    };
    cbor(StatusCode::OK, &answer)
}

async fn get_account(
    _: PeerEdge,
    State(hub): State<Arc<Hub>>,
    Path(login): Path<String>,
) -> Response {
    match hub.directory.is_active(&Login::new(&login)).await {
        Ok(active) => cbor(StatusCode::OK, &active),
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

async fn post_handoff(peer: PeerEdge, State(hub): State<Arc<Hub>>, bytes: Bytes) -> Response {
    let request: HandoffRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    let now = hub.clock.now();
    let path = crate::domain::text::local_path(Some(&request.path));
    let login = match &request.grant {
        Some(grant) => match hub.check_grant(grant, &peer.id, now) {
            Ok(()) => Some(grant.login.clone()),
            Err(why) => return problem(StatusCode::FORBIDDEN, why),
        },
        None => None,
    };
    let kind = crate::domain::HandoffKind::Continue {
        path,
        login,
        from_session: None,
    };
    match hub.sessions.put_handoff(request.key, kind, now).await {
        Ok(()) => cbor(StatusCode::OK, &true),
        Err(e) => internal(e),
    }
}

/// Serves the peer API over TLS on `listener` until `stop`. Each
/// connection's client certificate reaches the handlers as [`PeerCertificate`].
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    mut stop: watch::Receiver<bool>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, remote): (_, SocketAddr) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "federation accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let tls =
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        tracing::debug!(%remote, error = %e, "federation TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                };
            let peer = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|cert| *blake3::hash(cert.as_ref()).as_bytes());
            let app = app.layer(axum::Extension(PeerCertificate(peer)));
            let service = hyper_util::service::TowerToHyperService::new(app);
            let served =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            if let Err(e) = served {
                tracing::debug!(%remote, error = %e, "federation connection ended");
            }
        });
    }
}

#[cfg(test)]
mod tests;
