//! kiosque: the whole intranet of a French municipality in one binary.
//! See `docs/ARCHITECTURE.md` for the bird's-eye view.

pub mod domain;
pub mod store;
