//! Community parts of participation (issue 11): job profiles, comments under
//! actus and events, and "espaces d'échange". Pure types and rules; the
//! `participation` module re-exports them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::text::fold;
use super::user::Login;

/// The filières of the fonction publique territoriale, for job profiles.
pub const FILIERES: [&str; 10] = [
    "Administrative",
    "Technique",
    "Culturelle",
    "Sportive",
    "Sociale",
    "Médico-sociale",
    "Médico-technique",
    "Animation",
    "Police municipale",
    "Sapeurs-pompiers",
];

/// What job offers an agent wants to hear about. An empty criterion means
/// "any"; an empty profile matches nothing (the agent has not set one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProfile {
    #[serde(default)]
    pub categories: Vec<char>,
    #[serde(default)]
    pub filieres: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
}

impl JobProfile {
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.filieres.is_empty() && self.services.is_empty()
    }

    pub fn matches(&self, job: &super::item::JobDetails) -> bool {
        let among = |wanted: &[String], value: &str| {
            wanted.is_empty() || wanted.iter().any(|w| fold(w.trim()) == fold(value.trim()))
        };
        !self.is_empty()
            && (self.categories.is_empty()
                || self.categories.contains(&job.category.to_ascii_uppercase()))
            && among(&self.filieres, &job.filiere)
            && among(&self.services, &job.service)
    }
}

/// How long an author may still edit their comment.
pub const COMMENT_EDIT_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// The longest comment, in characters.
pub const COMMENT_MAX: usize = 2000;

/// A comment under an actu or an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Time-ordered (ULID as u128).
    pub id: u128,
    pub item: super::item::ItemId,
    pub author: Login,
    pub author_name: String,
    /// Plain text (never rendered as Markdown or HTML).
    pub body: String,
    pub at: Timestamp,
    #[serde(default)]
    pub edited: Option<Timestamp>,
    /// Removed by a webmaster: the text is no longer shown.
    #[serde(default)]
    pub removed: bool,
}

impl Comment {
    /// Whether its author may still change it at `now`.
    pub fn within_edit_window(&self, now: Timestamp) -> bool {
        !self.removed && now < self.at + COMMENT_EDIT_WINDOW
    }
}

/// A comment's text, trimmed, or why it is refused.
pub fn comment_text(raw: &str) -> Result<String, &'static str> {
    let text = raw.trim();
    if text.is_empty() {
        Err("Écrivez votre commentaire avant de l'envoyer.")
    } else if text.chars().count() > COMMENT_MAX {
        Err("Votre commentaire est trop long (2 000 caractères au plus).")
    } else {
        Ok(text.to_owned())
    }
}

/// Where a [`Comment`] is written: under an item (its comments) or in an
/// espace d'échange (its messages). Both follow the same rules (plain text,
/// edited by their author for 15 minutes, reported, removed by webmasters);
/// only where they are kept and how the audit log names them differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thread {
    Comments,
    Space,
}

impl Thread {
    /// The audit log's action when a webmaster removes one.
    pub fn removal(self) -> &'static str {
        match self {
            Thread::Comments => "retrait d'un commentaire",
            Thread::Space => "retrait d'un message d'un espace d'échange",
        }
    }

    /// What one is called in the audit log.
    pub fn noun(self) -> &'static str {
        match self {
            Thread::Comments => "commentaire",
            Thread::Space => "message",
        }
    }
}

/// An "espace d'échange": a discussion space (per métier: régisseurs,
/// correspondants intranet…) that agents follow. Its messages are
/// [`Comment`]s whose `item` is the space's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discussion {
    /// Time-ordered (ULID as u128).
    pub id: u128,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub created_by: Login,
    pub created: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_profiles_match_on_every_criterion_given() {
        use crate::domain::{JobDetails, JobKind};
        let job = JobDetails {
            kind: JobKind::Offre,
            service: "Espaces verts".into(),
            category: 'C',
            filiere: "Technique".into(),
            deadline: None,
        };
        assert!(!JobProfile::default().matches(&job), "no profile, no match");
        let mut profile = JobProfile {
            categories: vec!['C'],
            ..Default::default()
        };
        assert!(profile.matches(&job));
        profile.filieres = vec!["technique".into()];
        assert!(profile.matches(&job), "folded");
        profile.services = vec!["Communication".into()];
        assert!(!profile.matches(&job));
        profile.services.push("Espaces verts".into());
        assert!(profile.matches(&job));
        profile.categories = vec!['A', 'B'];
        assert!(!profile.matches(&job));
    }

    #[test]
    fn comments_are_plain_bounded_text_editable_for_15_minutes() {
        assert!(comment_text("  ").is_err());
        assert_eq!(comment_text(" Merci ! ").unwrap(), "Merci !");
        assert!(comment_text(&"x".repeat(COMMENT_MAX + 1)).is_err());
        let at: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let comment = Comment {
            id: 1,
            item: crate::domain::ItemId::new(at, 1),
            author: Login::new("agent"),
            author_name: "Camille Lefèvre".into(),
            body: "Merci !".into(),
            at,
            edited: None,
            removed: false,
        };
        assert!(
            comment
                .within_edit_window(at + COMMENT_EDIT_WINDOW - jiff::SignedDuration::from_secs(1))
        );
        assert!(!comment.within_edit_window(at + COMMENT_EDIT_WINDOW));
    }
}
