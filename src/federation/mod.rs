//! Federation between the hub (main server) and edges (service boxes and
//! bornes), DESIGN §6 and docs/federation.md. The only definition of the wire
//! format is [`wire`]; the hub side is [`hub`], the edge side [`edge`], the
//! federation's own certificates [`pki`].
//!
//! Invariants: edges replicate only what agents may read; every peer call
//! but enrollment is made with an enrolled edge's client certificate; an edge
//! acts for an agent only with the hub's grant for that agent on that edge;
//! each write made on an edge is applied once on the hub however often the
//! link or either process fails.

pub mod edge;
pub mod hub;
pub mod pki;
pub mod wire;

use std::sync::Arc;

pub use edge::{EdgeIdentity, EdgeLink, Relay};
pub use hub::Hub;

/// This process's place in the federation.
#[derive(Clone, Debug, Default)]
pub struct Federation {
    /// Set on the hub when its federation listener is on.
    pub hub: Option<Arc<Hub>>,
    /// Set on an edge.
    pub edge: Option<Arc<EdgeLink>>,
}

impl Federation {
    pub fn is_edge(&self) -> bool {
        self.edge.is_some()
    }
}
