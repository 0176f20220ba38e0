//! Items: every piece of content (actu, event, annonce, job offer, page, link)
//! and the rules of its lifecycle. An item is visible to readers only when it is
//! published, its publication time has come and it has not expired.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::space::Space;
use super::user::Login;

/// How long a petite annonce stays up unless its author renews it.
pub const ANNONCE_LIFETIME: SignedDuration = SignedDuration::from_hours(30 * 24);

/// A time-ordered item id (ULID): sorting ids sorts by creation time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ItemId(pub ulid::Ulid);

impl ItemId {
    /// A new id for an item created at `now`, with the given random part.
    pub fn new(now: Timestamp, random: u128) -> Self {
        let ms = u64::try_from(now.as_millisecond()).unwrap_or(0);
        Self(ulid::Ulid::from_parts(ms, random))
    }

    pub fn to_u128(self) -> u128 {
        self.0.0
    }

    pub fn from_u128(raw: u128) -> Self {
        Self(ulid::Ulid(raw))
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ItemId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s).map(Self)
    }
}

/// The BLAKE3 hash naming a blob (photo, thumbnail, document).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BlobHash(pub [u8; 32]);

impl BlobHash {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses exactly 64 lowercase hex digits; anything else (a path, `..`) is refused.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Self(out))
    }
}

impl fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobHash({})", &self.to_hex()[..12])
    }
}

/// The lifecycle of an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Draft,
    Pending,
    Published,
    Rejected { reason: String },
    Archived,
    Deleted,
}

impl Status {
    /// A short stable key, used in store indexes.
    pub fn key(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Pending => "pending",
            Status::Published => "published",
            Status::Rejected { .. } => "rejected",
            Status::Archived => "archived",
            Status::Deleted => "deleted",
        }
    }

    /// Whether a move from `self` to `next` is a legal lifecycle transition.
    pub fn can_become(&self, next: &Status) -> bool {
        use Status::*;
        match (self, next) {
            (Deleted, _) => false,
            (_, Deleted) => true,
            (Draft, Pending | Published | Draft) => true,
            (Pending, Published | Rejected { .. } | Pending | Draft) => true,
            (Rejected { .. }, Pending | Draft) => true,
            (Published, Archived | Published | Pending) => true,
            (Archived, Published) => true,
            _ => false,
        }
    }
}

/// What kind of content an item is; derived from its [`Details`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    Actu,
    Event,
    Annonce,
    Job,
    Page,
    Link,
}

/// A photo or document attached to an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// The re-encoded display version.
    pub hash: BlobHash,
    /// A small version for lists, when the media is a photo.
    #[serde(default)]
    pub thumbnail: Option<BlobHash>,
    /// The uploader ticked that the people shown agreed to the publication.
    pub consent: bool,
    /// Hidden at once when someone shown asks for removal, pending a webmaster.
    #[serde(default)]
    pub hidden: bool,
    /// Text alternative for screen readers.
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
    /// For a document (no thumbnail): its file name, shown in the link.
    #[serde(default)]
    pub name: String,
}

impl Media {
    /// A photo has a thumbnail; a document (PDF) does not.
    pub fn is_photo(&self) -> bool {
        self.thumbnail.is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AnnonceCategory {
    Vente,
    Pret,
    Don,
    Echange,
    Covoiturage,
    Evenement,
}

impl AnnonceCategory {
    pub const ALL: [AnnonceCategory; 6] = [
        AnnonceCategory::Vente,
        AnnonceCategory::Pret,
        AnnonceCategory::Don,
        AnnonceCategory::Echange,
        AnnonceCategory::Covoiturage,
        AnnonceCategory::Evenement,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AnnonceCategory::Vente => "vente",
            AnnonceCategory::Pret => "pret",
            AnnonceCategory::Don => "don",
            AnnonceCategory::Echange => "echange",
            AnnonceCategory::Covoiturage => "covoiturage",
            AnnonceCategory::Evenement => "evenement",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobKind {
    Offre,
    Formation,
    Concours,
}

impl JobKind {
    pub const ALL: [JobKind; 3] = [JobKind::Offre, JobKind::Formation, JobKind::Concours];

    pub fn key(self) -> &'static str {
        match self {
            JobKind::Offre => "offre",
            JobKind::Formation => "formation",
            JobKind::Concours => "concours",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LinkGroup {
    /// "En 1 clic": common tools, forms, useful sites.
    Clic,
    /// Assistance numbers (IT help, badge desk…).
    Assistance,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetails {
    pub start: Timestamp,
    pub end: Timestamp,
    #[serde(default)]
    pub all_day: bool,
    #[serde(default)]
    pub place: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDetails {
    pub kind: JobKind,
    pub service: String,
    /// Civil-service category: `A`, `B` or `C`.
    pub category: char,
    #[serde(default)]
    pub filiere: String,
    pub deadline: Option<Timestamp>,
}

/// Kind-specific fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Details {
    Actu,
    Event(EventDetails),
    Annonce {
        category: AnnonceCategory,
        #[serde(default)]
        price: Option<String>,
        contact: String,
    },
    Job(JobDetails),
    Page {
        /// The stable URL name, unique among pages.
        slug: String,
        parent: Option<ItemId>,
        order: i32,
    },
    Link {
        url: String,
        icon: String,
        group: LinkGroup,
        #[serde(default)]
        phone: Option<String>,
    },
}

impl Details {
    pub fn kind(&self) -> Kind {
        match self {
            Details::Actu => Kind::Actu,
            Details::Event(_) => Kind::Event,
            Details::Annonce { .. } => Kind::Annonce,
            Details::Job(_) => Kind::Job,
            Details::Page { .. } => Kind::Page,
            Details::Link { .. } => Kind::Link,
        }
    }
}

/// One piece of content. New optional fields get `#[serde(default)]` so older
/// stores keep decoding without a migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub space: Space,
    pub title: String,
    /// A one-sentence summary for lists and the idle screen.
    #[serde(default)]
    pub summary: String,
    /// Markdown source; rendered and sanitised on output.
    pub body: String,
    pub author: Login,
    /// The name shown as author (the agent's name, or a union's).
    #[serde(default)]
    pub author_name: String,
    pub status: Status,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub publish_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    /// Bumped by every write; replication never lets an older version win.
    pub version: u64,
    #[serde(default)]
    pub media: Vec<Media>,
    /// May be shown on bornes' idle screen (never personal data).
    #[serde(default)]
    pub signage: bool,
    pub details: Details,
    /// A note de service: who must confirm they read it ("J'ai lu").
    #[serde(default)]
    pub acknowledgement: Option<super::participation::Audience>,
}

impl Item {
    pub fn kind(&self) -> Kind {
        self.details.kind()
    }

    /// When readers consider it published: its scheduled time, else its creation.
    pub fn published_time(&self) -> Timestamp {
        self.publish_at.unwrap_or(self.created)
    }

    /// Whether a reader sees it at `now`: published, due, not expired.
    pub fn is_visible_at(&self, now: Timestamp) -> bool {
        self.status == Status::Published
            && self.publish_at.is_none_or(|t| t <= now)
            && self.expires_at.is_none_or(|t| now < t)
    }

    /// The documents attached (PDF).
    pub fn documents(&self) -> impl Iterator<Item = &Media> {
        self.media.iter().filter(|m| !m.is_photo())
    }

    /// The photos that may be shown: consent given and not hidden on request.
    pub fn visible_photos(&self) -> impl Iterator<Item = &Media> {
        self.media
            .iter()
            .filter(|m| m.consent && !m.hidden && m.thumbnail.is_some())
    }

    /// The key lists sort on, newest first: the event start for events, the
    /// publication time otherwise.
    pub fn sort_time(&self) -> Timestamp {
        match &self.details {
            Details::Event(event) => event.start,
            _ => self.published_time(),
        }
    }

    /// The default expiry of a new annonce published at `at`.
    pub fn annonce_expiry(at: Timestamp) -> Timestamp {
        at.checked_add(ANNONCE_LIFETIME).unwrap_or(at)
    }

    /// Whether the data is internally consistent (space accepts kind, title set).
    pub fn check(&self) -> Result<(), ItemError> {
        if self.title.trim().is_empty() {
            return Err(ItemError::EmptyTitle);
        }
        if !self.space.accepts(self.kind()) {
            return Err(ItemError::WrongSpace);
        }
        if let Details::Event(event) = &self.details
            && event.end < event.start
        {
            return Err(ItemError::EndsBeforeStart);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    #[error("the title is empty")]
    EmptyTitle,
    #[error("this space does not hold this kind of item")]
    WrongSpace,
    #[error("the event ends before it starts")]
    EndsBeforeStart,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub fn actu(now: Timestamp) -> Item {
        Item {
            id: ItemId::new(now, 7),
            space: Space::Actus,
            title: "Le parc rouvre".into(),
            summary: String::new(),
            body: "Bonne nouvelle.".into(),
            author: Login::new("codir"),
            author_name: "Hélène Marchand".into(),
            status: Status::Published,
            created: now,
            updated: now,
            publish_at: None,
            expires_at: None,
            version: 1,
            media: vec![],
            signage: false,
            details: Details::Actu,
            acknowledgement: None,
        }
    }

    #[test]
    fn visibility_follows_status_schedule_and_expiry() {
        let now = t("2026-11-29T10:00:00Z");
        let mut item = actu(now);
        assert!(item.is_visible_at(now));
        item.status = Status::Pending;
        assert!(!item.is_visible_at(now));
        item.status = Status::Published;
        item.publish_at = Some(t("2026-11-30T00:00:00Z"));
        assert!(!item.is_visible_at(now));
        assert!(item.is_visible_at(t("2026-11-30T00:00:00Z")));
        item.publish_at = None;
        item.expires_at = Some(now);
        assert!(!item.is_visible_at(now), "expiry is exclusive");
    }

    #[test]
    fn annonces_expire_after_thirty_days() {
        let at = t("2026-11-01T12:00:00Z");
        assert_eq!(Item::annonce_expiry(at), t("2026-12-01T12:00:00Z"));
    }

    #[test]
    fn lifecycle_transitions() {
        let rejected = Status::Rejected {
            reason: "doublon".into(),
        };
        assert!(Status::Pending.can_become(&Status::Published));
        assert!(Status::Pending.can_become(&rejected));
        assert!(rejected.can_become(&Status::Pending));
        assert!(!rejected.can_become(&Status::Published));
        assert!(!Status::Deleted.can_become(&Status::Published));
        assert!(Status::Published.can_become(&Status::Deleted));
        assert!(!Status::Draft.can_become(&Status::Archived));
    }

    #[test]
    fn blob_hashes_parse_only_hex() {
        let hash = BlobHash(*blake3::hash(b"x").as_bytes());
        assert_eq!(BlobHash::from_hex(&hash.to_hex()), Some(hash));
        assert_eq!(BlobHash::from_hex("../../etc/passwd"), None);
        assert_eq!(BlobHash::from_hex(&"G".repeat(64)), None);
        assert_eq!(BlobHash::from_hex(&hash.to_hex().to_uppercase()), None);
    }

    #[test]
    fn ids_sort_by_time() {
        let a = ItemId::new(t("2026-01-01T00:00:00Z"), u128::MAX);
        let b = ItemId::new(t("2026-01-01T00:00:01Z"), 0);
        assert!(a < b);
        assert_eq!(a.to_string().parse::<ItemId>().unwrap(), a);
    }

    #[test]
    fn check_refuses_inconsistent_items() {
        let now = t("2026-11-29T10:00:00Z");
        let mut item = actu(now);
        item.space = Space::Agenda;
        assert_eq!(item.check(), Err(ItemError::WrongSpace));
        item.space = Space::Actus;
        item.title = "  ".into();
        assert_eq!(item.check(), Err(ItemError::EmptyTitle));
    }
}
