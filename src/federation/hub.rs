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
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::pki::HubPki;
use super::wire::{self, *};
use crate::clock::Clock;
use crate::content::{Content, WriteError};
use crate::directory::{AuthError, Directory};
use crate::domain::{BlobHash, ItemId, Login, Status};
use crate::store::{Acceptance, EdgeKind, EdgeRecord, Invite, Store};

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
            .route("/fed/v1/changes", get(get_changes))
            .route("/fed/v1/blobs/{hash}", get(get_blob))
            .route("/fed/v1/sign-in", post(post_sign_in))
            .route("/fed/v1/accounts/{login}", get(get_account))
            .route("/fed/v1/submissions", post(post_submission))
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

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    since: u64,
    #[serde(default = "default_limit")]
    limit: usize,
    #[serde(default)]
    wait: u64,
}

fn default_limit() -> usize {
    500
}

async fn get_changes(
    peer: PeerEdge,
    State(hub): State<Arc<Hub>>,
    Query(query): Query<ChangesQuery>,
) -> Response {
    let since = query.since;
    let limit = query.limit.clamp(1, 5000);
    let wait = Duration::from_secs(query.wait.min(30));
    {
        let (id, version, now) = (peer.id.clone(), peer.version.clone(), hub.clock.now());
        if let Err(e) = hub
            .store
            .run(move |store| store.edge_contact(&id, now, since, &version))
            .await
        {
            return internal(e);
        }
    }
    // Nothing newer: wait for it. (An edge ahead of this hub, whose store was
    // replaced, gets an answer at once and starts over.)
    if hub.store.current_seq() == since && !wait.is_zero() {
        let mut changes = hub.store.watch_changes();
        let _ = tokio::time::timeout(wait, changes.wait_for(|seq| *seq > since)).await;
        // Revoked while it waited: it gets nothing more.
        if !hub.is_enrolled(&peer.id) {
            return problem(StatusCode::FORBIDDEN, "this edge was revoked");
        }
    }
    let epoch = match hub.store.run(|store| store.epoch()).await {
        Ok(epoch) => epoch,
        Err(e) => return internal(e),
    };
    let head = hub.store.current_seq();
    match hub
        .store
        .run(move |store| store.replicas_since(since, limit))
        .await
    {
        Ok((entries, cursor)) => cbor(
            StatusCode::OK,
            &Changes {
                epoch,
                head: head.max(cursor),
                cursor,
                entries,
            },
        ),
        Err(e) => internal(e),
    }
}

async fn get_blob(_: PeerEdge, State(hub): State<Arc<Hub>>, Path(hash): Path<String>) -> Response {
    let Some(hash) = BlobHash::from_hex(&hash) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "a blob is named by its BLAKE3 hash in hex",
        );
    };
    match hub.store.run(move |store| store.get_blob(hash)).await {
        Ok(Some((bytes, media_type))) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            )],
            bytes,
        )
            .into_response(),
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such blob (or it was withdrawn)"),
        Err(e) => internal(e),
    }
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
            tracing::info!(edge = %peer.id, "sign-in relayed");
            SignInResponse::Ok {
                user: Box::new(user),
                grant,
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

async fn post_submission(peer: PeerEdge, State(hub): State<Arc<Hub>>, bytes: Bytes) -> Response {
    let envelope: Envelope = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    let key = envelope.key;
    match hub.store.run(move |store| store.receipt(key)).await {
        Ok(Some(stored)) => {
            return (
                [(header::CONTENT_TYPE, HeaderValue::from_static(CBOR))],
                stored,
            )
                .into_response();
        }
        Ok(None) => {}
        Err(e) => return internal(e),
    }
    let receipt = match apply(&hub, &peer, envelope).await {
        Ok(receipt) => receipt,
        Err(Failure::Refused(message)) => Receipt::Refused { message },
        Err(Failure::Internal(e)) => return internal(e),
    };
    let encoded = wire::encode(&receipt);
    let saved = encoded.clone();
    if let Err(e) = hub
        .store
        .run(move |store| store.put_receipt(key, &saved))
        .await
    {
        return internal(e);
    }
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CBOR))],
        encoded,
    )
        .into_response()
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

enum Failure {
    /// Will never be accepted: the agent is told why.
    Refused(String),
    Internal(String),
}

impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Denied => {
                Failure::Refused("Vous n'avez pas le droit de faire cela sur l'intranet.".into())
            }
            WriteError::NotFound => {
                Failure::Refused("Ce contenu n'existe plus sur l'intranet.".into())
            }
            WriteError::Invalid(_) => Failure::Refused(
                "L'intranet principal a refusé ce contenu : il est incomplet ou incohérent.".into(),
            ),
            WriteError::Store(crate::store::StoreError::SlugTaken(_)) => {
                Failure::Refused("Une autre page utilise déjà cette adresse sur l'intranet.".into())
            }
            WriteError::Store(e) => Failure::Internal(e.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::Internal(e.to_string())
    }
}

/// Applies one delivered write as its author, under the hub's own rules.
async fn apply(hub: &Arc<Hub>, peer: &PeerEdge, envelope: Envelope) -> Result<Receipt, Failure> {
    if let Err(why) = hub.check_grant(&envelope.grant, &peer.id, envelope.created) {
        tracing::warn!(edge = %peer.id, %why, "write refused: bad grant");
        return Err(Failure::Refused(
            "L'intranet principal n'a pas pu vérifier votre connexion sur cette borne : reconnectez-vous et recommencez."
                .into(),
        ));
    }
    let login = envelope.grant.login.clone();
    let user = hub
        .store
        .run(move |store| store.get_user(&login))
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| Failure::Refused("Votre compte n'est plus actif.".into()))?;
    // The hub's time for what it writes; the agent's for when they acted.
    let now = hub.clock.now();
    match envelope.submission {
        Submission::Create { draft, attachments } => {
            let mut stored = Vec::new();
            for attachment in attachments {
                let store = hub.store.clone();
                stored.push(
                    store
                        .run(move |s| s.put_blob(&attachment.bytes, &attachment.media_type))
                        .await?,
                );
            }
            let missing = draft
                .media
                .iter()
                .flat_map(|m| std::iter::once(m.hash).chain(m.thumbnail))
                .any(|h| !stored.contains(&h));
            if missing {
                return Err(Failure::Refused(
                    "Une photo de votre envoi n'est pas arrivée : recommencez depuis la borne."
                        .into(),
                ));
            }
            let id = ItemId::from_u128(envelope.key);
            let item = hub
                .content
                .create_delivered(&user, (*draft).into(), id, &hub.unions, now)
                .await?;
            Ok(Receipt::Accepted {
                pending: item.status == Status::Pending,
                item: Some(item.id),
            })
        }
        Submission::Report { item, reason } => {
            hub.content
                .report_delivered(&user, item, reason, envelope.key, now)
                .await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
        Submission::PhotoRemoval { item, photo } => {
            hub.content
                .request_photo_removal(&user, item, photo, now)
                .await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
        Submission::Subscription { union, subscribe } => {
            if !hub.unions.iter().any(|(slug, _)| slug == union.as_str()) {
                return Err(Failure::Refused(
                    "Ce syndicat n'existe plus sur l'intranet.".into(),
                ));
            }
            let (login, at) = (user.login.clone(), envelope.created);
            hub.store
                .run(move |store| store.set_subscription(&union, &login, subscribe, at))
                .await?;
            Ok(Receipt::Accepted {
                item: None,
                pending: false,
            })
        }
        Submission::CharterAcceptance { version } => {
            let (login, at) = (user.login.clone(), envelope.created);
            hub.store
                .run(move |store| store.accept_charter(&login, &Acceptance { version, at }))
                .await?;
            Ok(Receipt::Accepted {
                item: None,
                pending: false,
            })
        }
        Submission::Acknowledge { item } => {
            // When the agent tapped, not when it arrived; a replay keeps the first.
            hub.content
                .acknowledge(&user, item, envelope.created)
                .await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
        Submission::Answer { survey, values } => {
            // Open when the agent answered; a replay finds the "has answered"
            // flag and adds nothing. The answer's id is random, never the key.
            hub.content
                .answer_survey(&user, survey, values, rand::random(), envelope.created)
                .await?;
            Ok(Receipt::Accepted {
                item: None,
                pending: false,
            })
        }
        Submission::Favourite { item, on } => {
            hub.content.set_favourite(&user, item, on).await?;
            Ok(Receipt::Accepted {
                item: Some(item),
                pending: false,
            })
        }
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
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn hub(dir: &std::path::Path, clock: Arc<ManualClock>) -> Hub {
        let store = Store::open(&dir.join("k.redb")).unwrap();
        let config = crate::config::Config::default();
        let directory = Directory::new(
            Arc::new(crate::directory::LocalBackend::new(store.clone())),
            store.clone(),
            &config,
        );
        let sessions =
            crate::session::Sessions::new(store.clone(), crate::session::limits(&config));
        let pki = HubPki::load_or_create(&dir.join("federation")).unwrap();
        Hub::new(store, sessions, directory, pki, clock, vec![]).unwrap()
    }

    #[test]
    fn a_grant_is_good_only_for_its_edge_its_agent_and_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let start = "2026-11-29T10:00:00Z".parse().unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let hub = hub(dir.path(), clock.clone());
        let grant = hub.grant_for(&Login::new("agent"), "e-1");
        assert_eq!(hub.check_grant(&grant, "e-1", start), Ok(()));
        assert!(
            hub.check_grant(&grant, "e-2", start).is_err(),
            "another edge"
        );
        let mut other = grant.clone();
        other.login = Login::new("dsi");
        assert!(
            hub.check_grant(&other, "e-1", start).is_err(),
            "another agent"
        );
        clock.advance(GRANT_LIFETIME + SignedDuration::from_mins(2));
        let after = start + GRANT_LIFETIME + SignedDuration::from_mins(1);
        assert!(
            hub.check_grant(&grant, "e-1", after).is_err(),
            "made after the grant expired"
        );
        // Made in time, delivered after a long weekend: accepted; much later: not.
        assert_eq!(hub.check_grant(&grant, "e-1", start), Ok(()));
        clock.advance(SignedDuration::from_hours(4 * 24));
        assert_eq!(hub.check_grant(&grant, "e-1", start), Ok(()));
        clock.advance(DELIVERY_WINDOW);
        assert!(hub.check_grant(&grant, "e-1", start).is_err(), "too old");
        assert!(
            hub.check_grant(&grant, "e-1", start + SignedDuration::from_hours(24 * 30))
                .is_err(),
            "made in the future"
        );
        // Another hub's secret signs nothing here.
        let elsewhere = tempfile::tempdir().unwrap();
        let other_hub = super::tests::hub(elsewhere.path(), Arc::new(ManualClock::new(start)));
        let foreign = other_hub.grant_for(&Login::new("agent"), "e-1");
        assert!(hub.check_grant(&foreign, "e-1", start).is_err());
    }

    /// Applies one envelope from edge `e-1` for `login`, as `post_submission` does.
    async fn deliver(hub: &Arc<Hub>, login: &str, key: u128, submission: Submission) -> Receipt {
        let peer = PeerEdge {
            id: "e-1".into(),
            version: "test".into(),
        };
        let envelope = Envelope {
            key,
            created: hub.clock.now(),
            grant: hub.grant_for(&Login::new(login), "e-1"),
            submission,
        };
        match apply(hub, &peer, envelope).await {
            Ok(receipt) => receipt,
            Err(Failure::Refused(message)) => Receipt::Refused { message },
            Err(Failure::Internal(e)) => panic!("{e}"),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn acknowledgements_answers_and_stars_from_an_edge_apply_once() {
        use crate::domain::participation::{AnswerValue, Audience, Question, QuestionKind, Survey};
        let dir = tempfile::tempdir().unwrap();
        let start: jiff::Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let hub = Arc::new(hub(dir.path(), clock.clone()));
        let mut agent = crate::domain::User {
            login: Login::new("agent"),
            given_name: "Camille".into(),
            surname: "Lefèvre".into(),
            mail: String::new(),
            service: "Espaces verts".into(),
            direction: String::new(),
            function: String::new(),
            phone: String::new(),
            roles: vec![],
            disabled: false,
            photo: None,
            manager: None,
        };
        hub.store.put_users(std::slice::from_ref(&agent)).unwrap();
        let mut note = crate::domain::item::tests::actu(start);
        note.acknowledgement = Some(Audience::Units(vec!["Espaces verts".into()]));
        hub.store.put_items(std::slice::from_ref(&note)).unwrap();

        let ack = Submission::Acknowledge { item: note.id };
        let receipt = deliver(&hub, "agent", 1, ack.clone()).await;
        assert!(matches!(receipt, Receipt::Accepted { .. }), "{receipt:?}");
        assert_eq!(
            hub.store.acknowledged_at(note.id, &agent.login).unwrap(),
            Some(start)
        );
        // Delivered again (another key, the edge replaying): still one, the first.
        clock.advance(SignedDuration::from_mins(5));
        deliver(&hub, "agent", 2, ack).await;
        assert_eq!(
            hub.store.acknowledgements_of(note.id).unwrap(),
            vec![(agent.login.clone(), start)]
        );
        // Someone outside the audience is refused with a sentence.
        agent.login = Login::new("autre");
        agent.service = "Communication".into();
        hub.store.put_users(std::slice::from_ref(&agent)).unwrap();
        let refused = deliver(&hub, "autre", 3, Submission::Acknowledge { item: note.id }).await;
        assert!(matches!(refused, Receipt::Refused { .. }));

        let survey = Survey {
            id: crate::domain::SurveyId::new(start, 9),
            title: "Réfectoire".into(),
            intro: String::new(),
            author: Login::new("codir"),
            author_name: String::new(),
            audience: Audience::Everyone,
            opens: start,
            closes: start + SignedDuration::from_hours(48),
            anonymous: true,
            live_results: false,
            questions: vec![Question {
                label: "Note".into(),
                kind: QuestionKind::Scale,
                required: true,
            }],
            created: start,
        };
        hub.store.put_survey(&survey).unwrap();
        let answer = Submission::Answer {
            survey: survey.id,
            values: vec![AnswerValue::Scale(4)],
        };
        for key in [10, 11] {
            let receipt = deliver(&hub, "agent", key, answer.clone()).await;
            assert!(matches!(receipt, Receipt::Accepted { .. }), "{receipt:?}");
        }
        let answers = hub.store.survey_answers(survey.id).unwrap();
        assert_eq!(answers.len(), 1, "one answer however often delivered");
        assert_eq!(answers[0].by, None, "anonymous: no login stored");
        let storage = hub.store.survey_storage(survey.id).unwrap();
        assert_ne!(storage.answers[0].0, 10, "the answer id is not the key");
        assert_eq!(storage.respondents, vec!["agent".to_owned()]);

        // A star sets a state: delivered twice, still one favourite; then off.
        for key in [20, 21] {
            let on = Submission::Favourite {
                item: note.id,
                on: true,
            };
            assert!(matches!(
                deliver(&hub, "agent", key, on).await,
                Receipt::Accepted { .. }
            ));
        }
        let login = Login::new("agent");
        assert_eq!(hub.store.favourites_of(&login).unwrap().len(), 1);
        let off = Submission::Favourite {
            item: note.id,
            on: false,
        };
        deliver(&hub, "agent", 22, off).await;
        assert!(hub.store.favourites_of(&login).unwrap().is_empty());
    }

    #[test]
    fn codes_are_read_as_typed_and_derive_stable_names() {
        let code = new_code();
        assert_eq!(code.len(), 19);
        assert_eq!(
            invite_id(&code),
            invite_id(&code.to_lowercase().replace('-', " "))
        );
        assert_ne!(invite_id(&code), invite_id(&new_code()));
        assert_ne!(mac_key(&code).to_vec(), invite_id(&code).into_bytes());
    }
}
