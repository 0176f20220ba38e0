//! kiosque: the whole intranet of a French municipality in one binary.
//! See `docs/ARCHITECTURE.md` for the bird's-eye view.

pub mod accounts;
pub mod app;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod demo;
pub mod directory;
pub mod domain;
pub mod federation;
pub mod feeds;
pub mod mailing;
pub mod media;
pub mod ops;
pub mod search;
pub mod session;
pub mod store;
pub mod web;
