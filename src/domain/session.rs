//! Device classes and the session limits of DESIGN §5, as pure rules.
//! The server decides the class of a request (never the page); these rules
//! decide when a session of that class ends.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::user::Login;

/// Where a request comes from, as decided by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeviceClass {
    /// A borne: the request arrived on the kiosk listener.
    Kiosk,
    /// A shared service computer: a configured address or an enrolled device.
    Shared,
    /// Anything else: the agent's own phone or computer.
    Personal,
}

impl DeviceClass {
    pub fn key(self) -> &'static str {
        match self {
            DeviceClass::Kiosk => "kiosk",
            DeviceClass::Shared => "shared",
            DeviceClass::Personal => "personal",
        }
    }
}

/// A server-side session. The token itself is never stored, only its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub login: Login,
    pub device: DeviceClass,
    pub created: Timestamp,
    pub last_seen: Timestamp,
    /// "Rester connecté", offered on personal devices only.
    #[serde(default)]
    pub stay_signed_in: bool,
    /// The token forms must echo (CSRF defence in depth).
    pub csrf: String,
}

/// How long a QR hand-off link stays valid.
pub const HANDOFF_LIFETIME: SignedDuration = SignedDuration::from_mins(2);

/// A QR link between a borne and a phone (DESIGN §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HandoffKind {
    /// "Continuer sur mon téléphone": open `path` on the phone; with `login`,
    /// the borne's session moves to the phone (the borne's ends).
    Continue {
        path: String,
        login: Option<Login>,
        /// The borne's session (token hash), ended when the phone takes over.
        from_session: Option<[u8; 32]>,
    },
    /// "Se connecter avec mon téléphone": a signed-in phone approves, the borne
    /// opens a session without a password typed on a shared screen.
    PhoneSignIn {
        borne: String,
        approved_by: Option<Login>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    pub kind: HandoffKind,
    pub created: Timestamp,
}

impl Handoff {
    pub fn expired(&self, now: Timestamp) -> bool {
        now.duration_since(self.created) >= HANDOFF_LIFETIME
    }
}

/// Idle and absolute limits per device class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    pub kiosk_idle: SignedDuration,
    pub shared_idle: SignedDuration,
    pub personal_idle: SignedDuration,
    /// The longest a "rester connecté" session lives.
    pub personal_max: SignedDuration,
}

/// Any session, whatever its activity, ends after this long without
/// "rester connecté" (a working day and a half).
pub const ABSOLUTE_WITHOUT_STAY: SignedDuration = SignedDuration::from_hours(12);

/// Why a session ended on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Idle,
    Absolute,
}

impl SessionLimits {
    pub fn idle(&self, device: DeviceClass) -> SignedDuration {
        match device {
            DeviceClass::Kiosk => self.kiosk_idle,
            DeviceClass::Shared => self.shared_idle,
            DeviceClass::Personal => self.personal_idle,
        }
    }

    pub fn absolute(&self, session: &Session) -> SignedDuration {
        if session.stay_signed_in && session.device == DeviceClass::Personal {
            self.personal_max
        } else {
            ABSOLUTE_WITHOUT_STAY
        }
    }

    /// Whether `session` has ended at `now`. An idle limit is exclusive: a
    /// request exactly at the limit is already too late.
    pub fn expiry(&self, session: &Session, now: Timestamp) -> Option<Expiry> {
        if now.duration_since(session.created) >= self.absolute(session) {
            return Some(Expiry::Absolute);
        }
        let idle = if session.stay_signed_in && session.device == DeviceClass::Personal {
            self.personal_max
        } else {
            self.idle(session.device)
        };
        (now.duration_since(session.last_seen) >= idle).then_some(Expiry::Idle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SessionLimits {
        SessionLimits {
            kiosk_idle: SignedDuration::from_secs(90),
            shared_idle: SignedDuration::from_mins(10),
            personal_idle: SignedDuration::from_hours(8),
            personal_max: SignedDuration::from_hours(24 * 30),
        }
    }

    fn session(device: DeviceClass, stay: bool) -> Session {
        let at: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        Session {
            login: Login::new("agent"),
            device,
            created: at,
            last_seen: at,
            stay_signed_in: stay,
            csrf: "x".into(),
        }
    }

    #[test]
    fn each_device_class_has_its_idle_limit() {
        let l = limits();
        for (device, idle) in [
            (DeviceClass::Kiosk, 90),
            (DeviceClass::Shared, 600),
            (DeviceClass::Personal, 8 * 3600),
        ] {
            let s = session(device, false);
            let just_before = s.last_seen + SignedDuration::from_secs(idle - 1);
            let at_limit = s.last_seen + SignedDuration::from_secs(idle);
            assert_eq!(l.expiry(&s, just_before), None, "{device:?}");
            assert_eq!(l.expiry(&s, at_limit), Some(Expiry::Idle), "{device:?}");
        }
    }

    #[test]
    fn stay_signed_in_lasts_thirty_days_on_personal_devices_only() {
        let l = limits();
        let s = session(DeviceClass::Personal, true);
        let week = s.created + SignedDuration::from_hours(24 * 7);
        assert_eq!(l.expiry(&s, week), None);
        let month = s.created + SignedDuration::from_hours(24 * 30);
        assert_eq!(l.expiry(&s, month), Some(Expiry::Absolute));
        // A kiosk session claiming "stay" still ends after 90 s.
        let k = session(DeviceClass::Kiosk, true);
        assert_eq!(
            l.expiry(&k, k.created + SignedDuration::from_secs(90)),
            Some(Expiry::Idle)
        );
    }

    #[test]
    fn activity_never_extends_past_the_absolute_limit() {
        let l = limits();
        let mut s = session(DeviceClass::Shared, false);
        let late = s.created + ABSOLUTE_WITHOUT_STAY;
        s.last_seen = late - SignedDuration::from_secs(1);
        assert_eq!(l.expiry(&s, late), Some(Expiry::Absolute));
    }
}
