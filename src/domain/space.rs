//! Spaces: where an item lives. A space is named by a stable slug used in URLs,
//! store keys and the federation wire format; its French label lives in the views.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::item::Kind;

/// A union's slug (`cgt`, `cfdt`…), from the configuration.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UnionSlug(String);

impl UnionSlug {
    /// A slug is 1–32 lowercase ASCII letters, digits or hyphens, so it is safe in
    /// a URL path and a store key without escaping.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-');
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnionSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The spaces of DESIGN §3.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Space {
    Actus,
    Rh,
    Agenda,
    Annonces,
    Emploi,
    Pages,
    Liens,
    Syndicat(UnionSlug),
}

impl Space {
    /// The spaces every site has, in menu order (union spaces come from config).
    pub const FIXED: [Space; 7] = [
        Space::Actus,
        Space::Rh,
        Space::Agenda,
        Space::Annonces,
        Space::Emploi,
        Space::Pages,
        Space::Liens,
    ];

    /// The stable key: `actus`, `rh`, … or `syndicats/<slug>`.
    pub fn key(&self) -> String {
        match self {
            Space::Syndicat(slug) => format!("syndicats/{slug}"),
            other => other.fixed_slug().to_owned(),
        }
    }

    fn fixed_slug(&self) -> &'static str {
        match self {
            Space::Actus => "actus",
            Space::Rh => "rh",
            Space::Agenda => "agenda",
            Space::Annonces => "annonces",
            Space::Emploi => "emploi",
            Space::Pages => "pages",
            Space::Liens => "liens",
            Space::Syndicat(_) => "syndicats",
        }
    }

    /// Parses a key written by [`Space::key`].
    pub fn from_key(key: &str) -> Option<Space> {
        if let Some(slug) = key.strip_prefix("syndicats/") {
            return UnionSlug::parse(slug).map(Space::Syndicat);
        }
        Space::FIXED.into_iter().find(|s| s.fixed_slug() == key)
    }

    /// Which kinds of item this space holds.
    pub fn accepts(&self, kind: Kind) -> bool {
        match self {
            Space::Actus | Space::Rh => kind == Kind::Actu,
            Space::Agenda => kind == Kind::Event,
            Space::Annonces => kind == Kind::Annonce,
            Space::Emploi => kind == Kind::Job,
            Space::Pages => kind == Kind::Page,
            Space::Liens => kind == Kind::Link,
            Space::Syndicat(_) => matches!(kind, Kind::Actu | Kind::Event | Kind::Page),
        }
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let mut all: Vec<Space> = Space::FIXED.to_vec();
        all.push(Space::Syndicat(UnionSlug::parse("cgt").unwrap()));
        for space in all {
            assert_eq!(Space::from_key(&space.key()), Some(space));
        }
    }

    #[test]
    fn union_slugs_are_url_safe() {
        assert!(UnionSlug::parse("cfdt-interco").is_some());
        for bad in ["", "CGT", "a/b", "-x", "é", "a b", &"x".repeat(33)] {
            assert!(UnionSlug::parse(bad).is_none(), "{bad:?} accepted");
        }
        assert_eq!(Space::from_key("syndicats/../x"), None);
        assert_eq!(Space::from_key("inconnu"), None);
    }

    #[test]
    fn spaces_accept_their_kinds() {
        assert!(Space::Agenda.accepts(Kind::Event));
        assert!(!Space::Agenda.accepts(Kind::Annonce));
        assert!(Space::Rh.accepts(Kind::Actu));
    }
}
