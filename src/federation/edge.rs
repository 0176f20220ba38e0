//! The edge side: enrollment, the puller that keeps the replica up to date,
//! the outbox sender, and the sign-in relay (only the hub talks to the
//! directory). Invariants: the replica only moves forward, batch and cursor
//! together; a queued write leaves the outbox only with the hub's answer;
//! reading never waits for the hub.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use super::pki;
use super::wire::{self, *};
use crate::clock::Clock;
use crate::domain::Login;
use crate::store::{Delivery, EdgeKind, OutboxEntry, Store};

/// Items asked per batch during a catch-up.
const BATCH: usize = 1000;
/// How long the hub may hold a long-poll when the edge is up to date.
const LONG_POLL_SECONDS: u64 = 25;

#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    #[error("{0}")]
    Pki(#[from] pki::PkiError),
    #[error("cannot reach the hub: {0}")]
    Unreachable(String),
    #[error("the hub refused: {0}")]
    Refused(String),
    #[error("the hub's answer is not valid: {0}")]
    BadAnswer(String),
    #[error("{path}: {detail}")]
    Identity { path: PathBuf, detail: String },
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// Who this edge is, as the hub enrolled it (`<data>/federation/edge.toml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeIdentity {
    pub id: String,
    pub name: String,
    pub place: String,
    pub kind: EdgeKind,
    /// The hub's federation URL the edge enrolled with.
    pub hub: String,
}

/// The files of an enrolled edge.
pub fn federation_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("federation")
}

impl EdgeIdentity {
    pub fn load(data_dir: &Path) -> Result<EdgeIdentity, EdgeError> {
        let path = federation_dir(data_dir).join("edge.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| EdgeError::Identity {
            path: path.clone(),
            detail: format!(
                "{e} (this box is not enrolled: run `kiosque enroll <hub URL> <code>`)"
            ),
        })?;
        toml::from_str(&text).map_err(|e| EdgeError::Identity {
            path,
            detail: e.to_string(),
        })
    }
}

fn http_client(tls: rustls::ClientConfig) -> Result<reqwest::Client, EdgeError> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(LONG_POLL_SECONDS + 15))
        .build()
        .map_err(|e| EdgeError::Unreachable(e.to_string()))
}

/// `kiosque enroll <hub> <code>`: makes this box's key, has the hub sign it,
/// checks the hub knew the code too, and writes the identity files.
pub async fn enroll(data_dir: &Path, hub: &str, code: &str) -> Result<EdgeIdentity, EdgeError> {
    let hub = hub.trim_end_matches('/').to_owned();
    let dir = federation_dir(data_dir);
    if dir.join("edge.toml").exists() {
        return Err(EdgeError::Identity {
            path: dir.join("edge.toml"),
            detail: "this box is already enrolled; remove the federation directory first to enroll it again".into(),
        });
    }
    let key = pki::new_edge_key()?;
    let nonce: [u8; 16] = rand::random();
    let mac_key = super::hub::mac_key(code);
    let request = EnrollRequest {
        invite: super::hub::invite_id(code),
        nonce: nonce.to_vec(),
        public_key: key.public_key_raw().to_vec(),
        proof: super::hub::edge_proof(&mac_key, &nonce, key.public_key_raw()),
    };
    let client = http_client(pki::enroll_client_config())?;
    let response = client
        .post(format!("{hub}/fed/{PROTOCOL}/enroll"))
        .header(reqwest::header::CONTENT_TYPE, CBOR)
        .header(VERSION_HEADER, env!("CARGO_PKG_VERSION"))
        .body(wire::encode(&request))
        .send()
        .await
        .map_err(|e| EdgeError::Unreachable(e.to_string()))?;
    let answer: EnrollResponse = read_answer(response).await?;
    if !super::hub::hub_proof(&mac_key, &nonce, &answer)
        .iter()
        .zip(&answer.proof)
        .all(|(a, b)| a == b)
        || answer.proof.len() != 32
    {
        return Err(EdgeError::BadAnswer(
            "the hub's answer does not prove it knows the code: this is not your hub".into(),
        ));
    }
    // Check the files work together before writing anything.
    pki::client_config(
        &answer.ca_pem,
        &answer.certificate_pem,
        &key.serialize_pem(),
    )?;
    pki::write(&dir.join("edge.key"), &key.serialize_pem(), true)?;
    pki::write(&dir.join("edge.pem"), &answer.certificate_pem, false)?;
    pki::write(&dir.join("ca.pem"), &answer.ca_pem, false)?;
    let identity = EdgeIdentity {
        id: answer.edge,
        name: answer.name,
        place: answer.place,
        kind: answer.kind,
        hub,
    };
    let text = toml::to_string(&identity).map_err(|e| EdgeError::Identity {
        path: dir.join("edge.toml"),
        detail: e.to_string(),
    })?;
    pki::write(&dir.join("edge.toml"), &text, false)?;
    Ok(identity)
}

async fn read_answer<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, EdgeError> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| EdgeError::Unreachable(e.to_string()))?;
    if status.is_success() {
        return wire::decode(&bytes).map_err(EdgeError::BadAnswer);
    }
    let message = wire::decode::<Problem>(&bytes)
        .map(|p| p.message)
        .unwrap_or_else(|_| format!("HTTP {status}"));
    if status.is_server_error() {
        Err(EdgeError::Unreachable(message))
    } else {
        Err(EdgeError::Refused(message))
    }
}

/// What the edge knows of its link to the hub, for pages and metrics.
#[derive(Debug, Default)]
pub struct LinkStatus {
    pub online: AtomicBool,
    /// Unix seconds of the last answer from the hub (0: never).
    pub last_contact: AtomicU64,
    pub head: AtomicU64,
    pub cursor: AtomicU64,
    /// The hub's shared-log head (questionnaires, comments, espaces d'échange).
    pub shared_head: AtomicU64,
    pub revoked: AtomicBool,
    pub catching_up: AtomicBool,
}

impl LinkStatus {
    pub fn last_contact(&self) -> Option<Timestamp> {
        match self.last_contact.load(Ordering::Relaxed) {
            0 => None,
            s => Timestamp::from_second(s as i64).ok(),
        }
    }
}

/// The edge's link to its hub.
#[derive(Debug)]
pub struct EdgeLink {
    pub identity: EdgeIdentity,
    /// The hub's federation URL (from the configuration).
    hub: String,
    client: reqwest::Client,
    store: Store,
    clock: Arc<dyn Clock>,
    pub status: LinkStatus,
    wake: Notify,
    /// The longest pause between two attempts to reach the hub.
    retry_max: Duration,
}

/// Why a write could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("no grant for this agent on this edge")]
    NoGrant,
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl EdgeLink {
    pub fn new(
        data_dir: &Path,
        hub: &str,
        retry_max: Duration,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> Result<EdgeLink, EdgeError> {
        let identity = EdgeIdentity::load(data_dir)?;
        let dir = federation_dir(data_dir);
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| EdgeError::Identity {
                path,
                detail: e.to_string(),
            })
        };
        let tls = pki::client_config(&read("ca.pem")?, &read("edge.pem")?, &read("edge.key")?)?;
        let (cursor, _) = store.replica_cursor()?;
        let status = LinkStatus::default();
        status.cursor.store(cursor, Ordering::Relaxed);
        // Presumed reachable until a call fails: no alarm at start.
        status.online.store(true, Ordering::Relaxed);
        Ok(EdgeLink {
            identity,
            hub: hub.trim_end_matches('/').to_owned(),
            client: http_client(tls)?,
            store,
            clock,
            status,
            wake: Notify::new(),
            retry_max,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/fed/{PROTOCOL}/{path}", self.hub)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, EdgeError> {
        let sent = request
            .header(VERSION_HEADER, env!("CARGO_PKG_VERSION"))
            .send()
            .await;
        let (answer, forbidden) = match sent {
            Ok(response) => {
                let forbidden = response.status() == reqwest::StatusCode::FORBIDDEN;
                (read_answer(response).await, forbidden)
            }
            Err(e) => (Err(EdgeError::Unreachable(error_chain(&e))), false),
        };
        self.note(&answer, forbidden);
        answer
    }

    fn note<T>(&self, answer: &Result<T, EdgeError>, forbidden: bool) {
        let reached = !matches!(answer, Err(EdgeError::Unreachable(_)));
        let was_online = self
            .status
            .online
            .swap(reached && !forbidden, Ordering::Relaxed);
        self.status.revoked.store(forbidden, Ordering::Relaxed);
        if reached {
            let now = self.clock.now().as_second().max(0) as u64;
            self.status.last_contact.store(now, Ordering::Relaxed);
        }
        match answer {
            Err(e) if was_online => {
                tracing::warn!(error = %e, "hub unreachable: serving the local copy")
            }
            Ok(_) if !was_online => tracing::info!(hub = %self.hub, "hub reachable"),
            _ => {}
        }
    }

    pub fn online(&self) -> bool {
        self.status.online.load(Ordering::Relaxed)
    }

    /// Queues a write for the hub under the agent's grant (durable when this
    /// returns), and wakes the sender.
    pub fn submit(
        &self,
        login: &Login,
        label: String,
        submission: Submission,
    ) -> Result<u128, SubmitError> {
        let grant = self
            .store
            .grant_of(login)?
            .and_then(|bytes| wire::decode::<Grant>(&bytes).ok())
            .ok_or(SubmitError::NoGrant)?;
        let now = self.clock.now();
        let key = ulid::Ulid::from_parts(
            u64::try_from(now.as_millisecond()).unwrap_or(0),
            rand::random(),
        )
        .0;
        // A union-list subscription, an answer to a questionnaire, a followed
        // space or a job profile leave no trace here once delivered.
        let discreet = matches!(
            submission,
            Submission::Subscription { .. }
                | Submission::Answer { .. }
                | Submission::Follow { .. }
                | Submission::JobProfile { .. }
        );
        let envelope = Envelope {
            key,
            created: now,
            grant,
            submission,
        };
        self.store.push_outbox(&OutboxEntry {
            key,
            login: login.clone(),
            created: now,
            label,
            payload: wire::encode(&envelope),
            attempts: 0,
            last_error: None,
            discreet,
        })?;
        self.wake.notify_one();
        Ok(key)
    }

    /// What `login` wrote on this edge that still waits for the hub, oldest
    /// first (shown in place, marked as waiting, until the hub's copy comes back).
    pub fn queued_by(&self, login: &Login) -> Result<Vec<Submission>, crate::store::StoreError> {
        Ok(self
            .store
            .outbox_of(login)?
            .iter()
            .filter_map(|entry| wire::decode::<Envelope>(&entry.payload).ok())
            .map(|envelope| envelope.submission)
            .collect())
    }

    /// Registers a borne's QR link on the hub (where the phone will open it);
    /// with `login`, under that agent's grant so the phone may take the
    /// session along. Quick: the agent is waiting in front of the borne.
    pub async fn register_handoff(
        &self,
        key: [u8; 32],
        path: &str,
        login: Option<&Login>,
    ) -> Result<(), EdgeError> {
        let grant = match login {
            Some(login) => {
                let (store, login) = (self.store.clone(), login.clone());
                let grant = store
                    .run(move |s| s.grant_of(&login))
                    .await?
                    .and_then(|bytes| wire::decode::<Grant>(&bytes).ok());
                Some(grant.ok_or_else(|| EdgeError::Refused("no grant".into()))?)
            }
            None => None,
        };
        let request = HandoffRequest {
            key,
            path: path.to_owned(),
            grant,
        };
        let _: bool = self
            .call(
                self.client
                    .post(self.url("handoffs"))
                    .timeout(Duration::from_secs(2))
                    .header(reqwest::header::CONTENT_TYPE, CBOR)
                    .body(wire::encode(&request)),
            )
            .await?;
        Ok(())
    }

    /// Sends queued writes until `stop`, oldest first; an entry leaves the
    /// outbox only with the hub's answer. Backs off (capped) on failure.
    pub async fn send(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut backoff = Backoff::new(self.retry_max);
        loop {
            let store = self.store.clone();
            let entries = match store.run(|s| s.outbox(50)).await {
                Ok(entries) => entries,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox");
                    Vec::new()
                }
            };
            if entries.is_empty() {
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                }
                continue;
            }
            // Whether this pass sent something or already paused (no busy loop).
            let mut delivered = false;
            // Agents one of whose writes the hub did not take: their later
            // writes wait too, so that a later state (a follow, a profile, a
            // correction) never overtakes an earlier one.
            let mut held: Vec<Login> = Vec::new();
            for entry in entries {
                if held.contains(&entry.login) {
                    continue;
                }
                match self.deliver(&entry).await {
                    Ok(()) => {
                        delivered = true;
                        backoff.reset();
                    }
                    Err(e) => {
                        let unreachable = matches!(e, EdgeError::Unreachable(_));
                        let (store, key, error) = (self.store.clone(), entry.key, e.to_string());
                        let _ = store.run(move |s| s.outbox_failed(key, &error)).await;
                        if !unreachable {
                            // The hub answered but could not take this one (e.g. an
                            // older hub that does not know this kind of write): it
                            // stays queued, the others go on.
                            tracing::warn!(error = %e, "a queued write was not accepted; kept for later");
                            held.push(entry.login.clone());
                            continue;
                        }
                        tokio::select! {
                            _ = stop.wait_for(|s| *s) => return,
                            _ = tokio::time::sleep(backoff.next()) => {}
                        }
                        delivered = true;
                        break;
                    }
                }
            }
            if !delivered {
                // Only writes the hub would not take: wait before trying them again.
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    _ = tokio::time::sleep(backoff.next()) => {}
                }
            }
        }
    }

    async fn deliver(&self, entry: &OutboxEntry) -> Result<(), EdgeError> {
        let receipt: Receipt = self
            .call(
                self.client
                    .post(self.url("submissions"))
                    .header(reqwest::header::CONTENT_TYPE, CBOR)
                    .body(entry.payload.clone()),
            )
            .await?;
        let (item, refused, pending) = match receipt {
            Receipt::Accepted { item, pending } => (item, None, pending),
            Receipt::Refused { message } => (None, Some(message), false),
        };
        let delivery = Delivery {
            key: entry.key,
            label: entry.label.clone(),
            created: entry.created,
            delivered: self.clock.now(),
            refused,
            item,
            pending,
        };
        let (store, entry) = (self.store.clone(), entry.clone());
        store
            .run(move |s| s.outbox_delivered(&entry, &delivery))
            .await?;
        Ok(())
    }
}

/// The whole cause of a client error (reqwest hides the interesting part).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Capped exponential backoff: 0.5 s, 1 s, 2 s… up to its cap.
#[derive(Debug)]
struct Backoff {
    failures: u32,
    cap: Duration,
}

impl Backoff {
    fn new(cap: Duration) -> Self {
        Backoff { failures: 0, cap }
    }

    fn next(&mut self) -> Duration {
        let delay = Duration::from_millis(500) * 2u32.saturating_pow(self.failures.min(10));
        self.failures += 1;
        delay.min(self.cap)
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

mod relay;
pub use relay::Relay;

mod pull;

#[cfg(test)]
mod tests;
