//! The wire format between hub and edges: every message type, in one place.
//! Bodies are CBOR (`application/cbor`): compact, binary-safe for blobs, and
//! self-describing so that a newer peer may add optional fields.
//!
//! Versioning: every path starts with `/fed/v1/`; a change that an older peer
//! could misread gets a new path prefix, never a silent change here. Peers send
//! their version in the `kiosque-version` header, shown on the hub's edge list.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{BlobHash, Details, ItemId, Login, Media, Space, UnionSlug, User};
use crate::store::{EdgeKind, Replica, Shared};

/// The protocol version carried by the paths.
pub const PROTOCOL: &str = "v1";

/// The name in the hub's federation certificate. Edges check the hub's
/// certificate against the federation CA they pinned at enrollment, under
/// this fixed name, whatever address they use to reach the hub.
pub const HUB_NAME: &str = "hub.kiosque.invalid";

/// The header each peer sends with its release.
pub const VERSION_HEADER: &str = "kiosque-version";

/// The media type of every body.
pub const CBOR: &str = "application/cbor";

/// `POST /fed/v1/enroll` (the only call without a client certificate).
///
/// The code itself never travels: `invite` names the invite and `proof`
/// shows knowledge of the code (keyed BLAKE3 over nonce and public key), so a
/// machine in the middle learns nothing it could reuse.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub invite: String,
    pub nonce: Vec<u8>,
    /// The edge's P-256 public key (uncompressed point, 65 bytes).
    pub public_key: Vec<u8>,
    pub proof: Vec<u8>,
}

/// The hub's answer: the edge's identity and certificate, the federation CA,
/// and the hub's own proof of the code over all of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub edge: String,
    pub name: String,
    pub place: String,
    pub kind: EdgeKind,
    pub certificate_pem: String,
    pub ca_pem: String,
    pub proof: Vec<u8>,
}

/// `GET /fed/v1/changes?since=SEQ&shared_since=SEQ&limit=N&wait=S`: the
/// newest readable state of each item changed after `since` (or a
/// tombstone), and of each shared record named after `shared_since`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Changes {
    /// The hub's history id; a new one means "forget your copy, start over".
    pub epoch: String,
    /// The hub's last seq, for progress.
    pub head: u64,
    /// The seq this batch brings the edge to (its next `since`).
    pub cursor: u64,
    pub entries: Vec<Replica>,
    /// The shared log (questionnaires, comments, espaces d'échange) after
    /// `shared_since`: its records, the seq they bring the edge to, and the
    /// hub's last seq. Absent from an older hub: nothing shared, cursor 0.
    #[serde(default)]
    pub shared: Vec<Shared>,
    #[serde(default)]
    pub shared_cursor: u64,
    #[serde(default)]
    pub shared_head: u64,
}

/// `POST /fed/v1/sign-in`: an agent signs in on an edge.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignInRequest {
    pub login: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum SignInResponse {
    Ok {
        user: Box<User>,
        grant: Grant,
        /// The agent's own state (acknowledgements, answered questionnaires,
        /// stars, followed spaces, job profile), for the edge to show.
        /// Absent from an older hub: the edge keeps what it has.
        #[serde(default)]
        personal: Option<Box<crate::store::Personal>>,
    },
    /// Wrong login or password (never which).
    Invalid,
    /// The account exists but may not sign in (disabled, expired…).
    Refused {
        problem: crate::directory::AccountProblem,
    },
    /// The hub's directory did not answer.
    Unavailable,
}

/// The hub's signed statement "`login` signed in on edge `edge`", valid until
/// `expires`. Only the hub can make or check one (keyed BLAKE3 with a hub
/// secret); an edge just carries it with every write made for that agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub login: Login,
    pub edge: String,
    pub expires: Timestamp,
    pub mac: Vec<u8>,
}

/// `POST /fed/v1/submissions`: one write made on an edge.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    /// The idempotency key (a ULID made on the edge). Items and reports the
    /// hub creates for it take this id, so a replay cannot create a twin.
    pub key: u128,
    pub created: Timestamp,
    pub grant: Grant,
    pub submission: Submission,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Submission {
    /// A new item (published or proposed, as the hub's policy decides).
    Create {
        draft: Box<DraftMessage>,
        /// The bytes of every photo the draft refers to (hash-checked).
        attachments: Vec<Attachment>,
    },
    Report {
        item: ItemId,
        reason: String,
    },
    PhotoRemoval {
        item: ItemId,
        photo: BlobHash,
    },
    CharterAcceptance {
        version: u32,
    },
    /// "J'ai lu" on a note de service (issue 11). Idempotent: the first
    /// confirmation counts.
    Acknowledge {
        item: ItemId,
    },
    /// An answer to a questionnaire (issue 11). Idempotent through the
    /// survey's "has answered" flag. For an anonymous survey the hub stores
    /// the values without the agent.
    Answer {
        survey: crate::domain::SurveyId,
        values: Vec<crate::domain::participation::AnswerValue>,
    },
    /// A star put on (or taken off) an item for "Mon espace" (issue 11).
    /// Sets a state: applying it twice is harmless.
    Favourite {
        item: ItemId,
        on: bool,
    },
    /// A comment under an actu or an event (issue 11). The comment takes the
    /// write's key as its id, so a replay rewrites the same comment.
    Comment {
        item: ItemId,
        body: String,
    },
    /// The agent's change to their own comment, within the edit window at
    /// the time they made it.
    EditComment {
        item: ItemId,
        comment: u128,
        body: String,
    },
    ReportComment {
        item: ItemId,
        comment: u128,
        reason: String,
    },
    /// A message in an espace d'échange (its id is the write's key).
    Post {
        discussion: u128,
        body: String,
    },
    EditPost {
        discussion: u128,
        post: u128,
        body: String,
    },
    ReportPost {
        discussion: u128,
        post: u128,
        reason: String,
    },
    /// Follow (or stop following) an espace d'échange. Sets a state.
    Follow {
        discussion: u128,
        on: bool,
    },
    /// The agent's job-offer profile (replaces the previous one).
    JobProfile {
        profile: crate::domain::participation::JobProfile,
    },
    /// Join or leave a union's mailing list (idempotent: sets the state).
    /// Applied on the hub only; the edge never holds subscription state.
    Subscription {
        union: UnionSlug,
        subscribe: bool,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DraftMessage {
    pub space: Space,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub details: Details,
    pub publish_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub media: Vec<Media>,
    pub signage: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Attachment {
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// `POST /fed/v1/handoffs`: a borne's "Continuer sur mon téléphone" QR link,
/// kept by the hub because the phone reaches the hub. With a grant, the
/// phone may take the agent's session along (the borne has ended its own).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HandoffRequest {
    /// BLAKE3 of the link's token (the token itself stays on the borne's screen).
    pub key: [u8; 32],
    pub path: String,
    pub grant: Option<Grant>,
}

/// The hub's answer to a submission it accepted (first time or replay).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Receipt {
    Accepted {
        item: Option<ItemId>,
        /// True when the item waits for a webmaster.
        pending: bool,
    },
    /// The hub will never accept it (rights, invalid content): the French
    /// sentence the agent sees. Not retried.
    Refused { message: String },
}

/// An error answer: what went wrong, precisely, for the administrator.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Problem {
    pub message: String,
}

/// Encodes a message body.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    ciborium::into_writer(value, &mut out).expect("CBOR encoding into memory");
    out
}

/// Decodes a message body; the error says what did not fit.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    ciborium::from_reader(bytes).map_err(|e| format!("malformed CBOR message: {e}"))
}

impl From<crate::content::Draft> for DraftMessage {
    fn from(d: crate::content::Draft) -> Self {
        DraftMessage {
            space: d.space,
            title: d.title,
            summary: d.summary,
            body: d.body,
            details: d.details,
            publish_at: d.publish_at,
            expires_at: d.expires_at,
            media: d.media,
            signage: d.signage,
        }
    }
}

impl From<DraftMessage> for crate::content::Draft {
    fn from(d: DraftMessage) -> Self {
        crate::content::Draft {
            space: d.space,
            title: d.title,
            summary: d.summary,
            body: d.body,
            details: d.details,
            publish_at: d.publish_at,
            expires_at: d.expires_at,
            media: d.media,
            signage: d.signage,
        }
    }
}
