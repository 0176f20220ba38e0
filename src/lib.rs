//! kiosque: the whole intranet of a French municipality in one binary.
//! See `docs/ARCHITECTURE.md` for the bird's-eye view.

pub mod config;
pub mod domain;
pub mod store;
pub mod clock;
pub mod content;
pub mod media;
pub mod web;
pub mod demo;
pub mod app;
pub mod cli;
