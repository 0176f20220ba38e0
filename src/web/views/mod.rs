//! Views: pure functions from already-loaded data to `maud::Markup`. No store,
//! no request, no async. Every string an agent reads lives here, in French.

pub mod account;
pub mod acknowledgements;
pub mod admin;
pub mod comments;
pub mod discussions;
pub mod edges;
pub mod editor;
pub mod format;
pub mod handoff;
pub mod icons;
pub mod items;
pub mod jobs;
pub mod kiosk;
pub mod layout;
pub mod moderation;
pub mod my_space;
pub mod pages;
pub mod people;
pub mod search;
pub mod surveys;
pub mod unions;

pub use layout::{Chrome, Section, Site};
