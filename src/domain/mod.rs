//! The intranet's vocabulary and rules, pure: items, spaces, kinds, the status
//! lifecycle, users and roles. Nothing here does IO, reads a clock or names a
//! framework type: time is always a parameter, so every rule can be tested with
//! any instant.

pub mod community;
pub mod item;
pub mod mailing;
pub mod participation;
pub mod policy;
pub mod session;
pub mod space;
pub mod text;
pub mod user;

pub use item::{
    AnnonceCategory, BlobHash, Details, EventDetails, Item, ItemId, JobDetails, JobKind, Kind,
    LinkGroup, Media, Status,
};
pub use participation::{Audience, Survey, SurveyId};
pub use session::{DeviceClass, Expiry, Handoff, HandoffKind, Session, SessionLimits};
pub use space::{Space, UnionSlug};
pub use user::{Login, Role, User};
