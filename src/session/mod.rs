//! Sessions: server-side, per device class, with idle and absolute limits;
//! sign-in throttling; the device class of a request. Invariant: a session is
//! valid only if the store holds it and `SessionLimits::expiry` says it has not
//! ended — the page's script has no say.

mod throttle;

use jiff::{SignedDuration, Timestamp};
use std::net::IpAddr;

use crate::config::Config;
use crate::domain::{DeviceClass, Handoff, HandoffKind, Login, Session, SessionLimits};
use crate::store::{Result, Store};

pub use throttle::Throttle;

/// Last-seen times are written at most this often per session.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(5);

/// Which listener a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    Web,
    /// The borne's own listener (its browser runs on loopback).
    Kiosk,
}

/// Decides the device class of a request from where it arrived: never from
/// anything the page sends.
pub fn classify(listener: Listener, peer: IpAddr, shared: &[ipnet::IpNet]) -> DeviceClass {
    match listener {
        Listener::Kiosk => DeviceClass::Kiosk,
        Listener::Web if shared.iter().any(|net| net.contains(&peer)) => DeviceClass::Shared,
        Listener::Web => DeviceClass::Personal,
    }
}

/// The session limits of a configuration.
pub fn limits(config: &Config) -> SessionLimits {
    let s = &config.sessions;
    let secs = |n: u64| SignedDuration::from_secs(i64::try_from(n).unwrap_or(i64::MAX));
    SessionLimits {
        kiosk_idle: secs(s.kiosk_idle_seconds),
        shared_idle: secs(s.shared_idle_seconds),
        personal_idle: secs(s.personal_idle_seconds),
        personal_max: secs(s.personal_max_days.saturating_mul(86_400)),
    }
}

/// A session just opened: the token goes in the cookie, never in the store.
#[derive(Debug)]
pub struct Opened {
    pub token: String,
    pub session: Session,
}

/// The session service.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Store,
    limits: SessionLimits,
}

fn hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

fn random_hex(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::fill(raw.as_mut_slice());
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// [`Sessions::check`] inside a store task, for callers that read more in the
/// same task.
pub fn check_in(
    store: &Store,
    limits: SessionLimits,
    token: &str,
    now: Timestamp,
) -> Result<Option<Session>> {
    let key = hash(token);
    let Some(session) = store.get_session(key)? else {
        return Ok(None);
    };
    keep_alive(store, limits, key, session, now)
}

/// Whether [`keep_alive`] would write for a session read at `now`: it expired
/// (and goes), or its last activity is due to move forward. Most requests of
/// a session need no write (a touch is due at most every few seconds).
pub fn keep_alive_writes(limits: SessionLimits, session: &Session, now: Timestamp) -> bool {
    due(limits, session, now) != Due::Nothing
}

/// What [`keep_alive`] has to do for a session at `now`.
#[derive(Debug, PartialEq, Eq)]
enum Due {
    Nothing,
    /// It expired: it goes.
    End,
    /// Its last activity moves forward (at most every few seconds).
    Touch,
}

fn due(limits: SessionLimits, session: &Session, now: Timestamp) -> Due {
    if limits.expiry(session, now).is_some() {
        Due::End
    } else if now.duration_since(session.last_seen) >= TOUCH_EVERY {
        Due::Touch
    } else {
        Due::Nothing
    }
}

/// The rest of [`check_in`] for a session already read (with what the
/// request needs besides, in one read): ends it if it expired, moves its
/// last activity forward now and then.
pub fn keep_alive(
    store: &Store,
    limits: SessionLimits,
    key: [u8; 32],
    mut session: Session,
    now: Timestamp,
) -> Result<Option<Session>> {
    match due(limits, &session, now) {
        Due::End => {
            store.delete_session(key)?;
            return Ok(None);
        }
        Due::Touch => {
            session.last_seen = now;
            if !store.touch_session(key, &session)? {
                return Ok(None);
            }
        }
        Due::Nothing => {}
    }
    Ok(Some(session))
}

impl Sessions {
    pub fn new(store: Store, limits: SessionLimits) -> Self {
        Self { store, limits }
    }

    pub fn limits(&self) -> SessionLimits {
        self.limits
    }

    /// Opens a new session with a fresh 256-bit token. "Rester connecté" is
    /// honoured on personal devices only.
    pub async fn open(
        &self,
        login: Login,
        device: DeviceClass,
        stay: bool,
        now: Timestamp,
    ) -> Result<Opened> {
        let token = random_hex(32);
        let session = Session {
            login,
            device,
            created: now,
            last_seen: now,
            stay_signed_in: stay && device == DeviceClass::Personal,
            csrf: random_hex(16),
        };
        let (key, saved) = (hash(&token), session.clone());
        self.store
            .run(move |store| store.put_session(key, &saved, true))
            .await?;
        Ok(Opened { token, session })
    }

    /// The session behind a token if it is still valid at `now`; an ended one is
    /// deleted. Activity moves `last_seen` forward.
    pub async fn check(&self, token: &str, now: Timestamp) -> Result<Option<Session>> {
        let (token, limits) = (token.to_owned(), self.limits);
        self.store
            .run(move |store| check_in(store, limits, &token, now))
            .await
    }

    pub async fn close(&self, token: &str) -> Result<()> {
        let key = hash(token);
        self.store.run(move |store| store.delete_session(key)).await
    }

    /// The store key of a session token.
    pub fn key_of(token: &str) -> [u8; 32] {
        hash(token)
    }

    /// A new single-use, two-minute QR hand-off; returns its token.
    pub async fn new_handoff(&self, kind: HandoffKind, now: Timestamp) -> Result<String> {
        let token = random_hex(24);
        let (key, handoff) = (hash(&token), Handoff { kind, created: now });
        self.store
            .run(move |store| store.put_handoff(key, &handoff))
            .await?;
        Ok(token)
    }

    /// A hand-off token and its store key, for a hand-off kept elsewhere (an
    /// edge registers its borne's QR links on the hub).
    pub fn handoff_token() -> (String, [u8; 32]) {
        let token = random_hex(24);
        let key = hash(&token);
        (token, key)
    }

    /// Stores a hand-off made elsewhere under its key.
    pub async fn put_handoff(
        &self,
        key: [u8; 32],
        kind: HandoffKind,
        now: Timestamp,
    ) -> Result<()> {
        let handoff = Handoff { kind, created: now };
        self.store
            .run(move |store| store.put_handoff(key, &handoff))
            .await
    }

    /// A hand-off still valid, without using it.
    pub async fn peek_handoff(&self, token: &str, now: Timestamp) -> Result<Option<Handoff>> {
        let key = hash(token);
        let found = self.store.run(move |store| store.get_handoff(key)).await?;
        Ok(found.filter(|h| !h.expired(now)))
    }

    /// Uses a hand-off: only the first caller gets it, and only in time.
    pub async fn take_handoff(&self, token: &str, now: Timestamp) -> Result<Option<Handoff>> {
        let key = hash(token);
        let taken = self.store.run(move |store| store.take_handoff(key)).await?;
        Ok(taken.filter(|h| !h.expired(now)))
    }

    /// A phone approves "Se connecter sur la borne": the borne picks it up.
    pub async fn approve_phone_sign_in(
        &self,
        token: &str,
        login: Login,
        now: Timestamp,
    ) -> Result<bool> {
        let key = hash(token);
        self.store
            .run(move |store| store.approve_handoff(key, &login, now))
            .await
    }

    /// Takes over a borne's session for the phone: the borne's session must
    /// still exist, be valid and belong to `login`; it ends, and the new one
    /// keeps its start (the absolute limit is not reset).
    pub async fn continue_session(
        &self,
        from: [u8; 32],
        login: Login,
        device: DeviceClass,
        now: Timestamp,
    ) -> Result<Option<Opened>> {
        let limits = self.limits;
        let source = self
            .store
            .run(move |store| store.take_session_of(from, &login))
            .await?;
        let Some(source) = source.filter(|s| limits.expiry(s, now).is_none()) else {
            return Ok(None);
        };
        let token = random_hex(32);
        let session = Session {
            login: source.login,
            device,
            created: source.created,
            last_seen: now,
            stay_signed_in: false,
            csrf: random_hex(16),
        };
        let (key, saved) = (hash(&token), session.clone());
        self.store
            .run(move |store| store.put_session(key, &saved, true))
            .await?;
        Ok(Some(Opened { token, session }))
    }

    /// Ends every session of an agent; returns how many ended.
    pub async fn close_all(&self, login: Login) -> Result<usize> {
        self.store
            .run(move |store| store.delete_sessions_of(&login))
            .await
    }

    /// Deletes every ended session and expired hand-off; returns how many.
    pub async fn purge(&self, now: Timestamp) -> Result<usize> {
        let limits = self.limits;
        self.store
            .run(move |store| {
                let mut ended = store.purge_handoffs(now)?;
                for (key, session) in store.all_sessions()? {
                    if limits.expiry(&session, now).is_some() {
                        store.delete_session(key)?;
                        ended += 1;
                    }
                }
                Ok(ended)
            })
            .await
    }

    /// The agents who have at least one session.
    pub async fn signed_in_logins(&self) -> Result<Vec<Login>> {
        self.store
            .run(|store| {
                let mut logins: Vec<Login> = store
                    .all_sessions()?
                    .into_iter()
                    .map(|(_, s)| s.login)
                    .collect();
                logins.sort();
                logins.dedup();
                Ok(logins)
            })
            .await
    }

    /// How many sessions exist per device class (for metrics).
    pub async fn count_by_device(&self) -> Result<[(DeviceClass, usize); 3]> {
        self.store
            .run(|store| {
                let all = store.all_sessions()?;
                let count = |d: DeviceClass| all.iter().filter(|(_, s)| s.device == d).count();
                Ok([
                    (DeviceClass::Kiosk, count(DeviceClass::Kiosk)),
                    (DeviceClass::Shared, count(DeviceClass::Shared)),
                    (DeviceClass::Personal, count(DeviceClass::Personal)),
                ])
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> (tempfile::TempDir, Sessions) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let limits = limits(&Config::default());
        (dir, Sessions::new(store, limits))
    }

    #[test]
    fn the_server_decides_the_device_class() {
        let shared = vec![crate::config::parse_network("10.20.0.0/24").unwrap()];
        let lan: IpAddr = "10.20.0.7".parse().unwrap();
        let phone: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            classify(Listener::Kiosk, phone, &shared),
            DeviceClass::Kiosk
        );
        assert_eq!(classify(Listener::Web, lan, &shared), DeviceClass::Shared);
        assert_eq!(
            classify(Listener::Web, phone, &shared),
            DeviceClass::Personal
        );
    }

    #[tokio::test]
    async fn kiosk_sessions_end_after_ninety_idle_seconds() {
        let (_dir, sessions) = service();
        let t0: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let opened = sessions
            .open(Login::new("agent"), DeviceClass::Kiosk, true, t0)
            .await
            .unwrap();
        assert!(!opened.session.stay_signed_in, "no 'stay' on a borne");
        assert_eq!(opened.token.len(), 64);
        let t1 = t0 + SignedDuration::from_secs(60);
        assert!(sessions.check(&opened.token, t1).await.unwrap().is_some());
        let t2 = t1 + SignedDuration::from_secs(89);
        assert!(
            sessions.check(&opened.token, t2).await.unwrap().is_some(),
            "activity at t1 kept it alive"
        );
        let t3 = t2 + SignedDuration::from_secs(90);
        assert!(sessions.check(&opened.token, t3).await.unwrap().is_none());
        assert!(
            sessions.check(&opened.token, t0).await.unwrap().is_none(),
            "deleted, not merely expired"
        );
    }

    #[tokio::test]
    async fn closing_ends_the_session_for_good() {
        let (_dir, sessions) = service();
        let t0: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let a = sessions
            .open(Login::new("agent"), DeviceClass::Personal, false, t0)
            .await
            .unwrap();
        let b = sessions
            .open(Login::new("agent"), DeviceClass::Shared, false, t0)
            .await
            .unwrap();
        assert_ne!(a.token, b.token);
        sessions.close(&a.token).await.unwrap();
        assert!(sessions.check(&a.token, t0).await.unwrap().is_none());
        assert_eq!(sessions.close_all(Login::new("agent")).await.unwrap(), 1);
        assert!(sessions.check(&b.token, t0).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_session_read_in_place_needs_a_write_only_to_expire_or_be_touched() {
        let (_dir, sessions) = service();
        let limits = sessions.limits();
        let t0: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let opened = sessions
            .open(Login::new("agent"), DeviceClass::Kiosk, false, t0)
            .await
            .unwrap();
        let session = opened.session;
        let at = |secs| t0 + SignedDuration::from_secs(secs);
        assert!(!keep_alive_writes(limits, &session, at(0)));
        assert!(!keep_alive_writes(limits, &session, at(4)));
        assert!(keep_alive_writes(limits, &session, at(5)), "a touch is due");
        assert!(keep_alive_writes(limits, &session, at(200)), "expired");
        // Where no write is due, keep_alive leaves the session as it was.
        let key = Sessions::key_of(&opened.token);
        let kept = keep_alive(&sessions.store, limits, key, session.clone(), at(4))
            .unwrap()
            .unwrap();
        assert_eq!(kept.last_seen, session.last_seen);
    }
}
