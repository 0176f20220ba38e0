//! Reading the publishing forms: multipart bodies into typed drafts, with one
//! French message per field that is wrong. Uploads are checked, re-encoded and
//! stored before the rest is judged, so a refused form keeps them (the page
//! carries their hashes back).

use axum::extract::Multipart;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use std::collections::HashMap;

use crate::content::Draft;
use crate::domain::{
    AnnonceCategory, Details, EventDetails, Item, JobDetails, JobKind, Kind, LinkGroup, Media,
    Space,
};

pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 300;
pub const BODY_MAX: usize = 50_000;
/// Icons a link may use (see views/icons.rs).
pub const LINK_ICONS: [&str; 12] = [
    "mail", "calendar", "users", "book", "euro", "phone", "help", "key", "globe", "file", "tool",
    "heart",
];

/// The fields and files of a submitted form.
#[derive(Debug, Default, Clone)]
pub struct FormInput {
    pub fields: HashMap<String, String>,
    pub files: HashMap<String, (String, Vec<u8>)>,
}

impl FormInput {
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// Reads a multipart body. A body cut off or malformed is an error.
    pub async fn read(mut multipart: Multipart) -> Result<FormInput, &'static str> {
        let mut input = FormInput::default();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| "Le formulaire n'a pas pu être lu : le fichier est peut-être trop volumineux (photo : 15 Mo, document : 10 Mo au plus).")?
        {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(|_| {
                        "Le fichier envoyé n'a pas pu être lu : il est peut-être trop volumineux (photo : 15 Mo, document : 10 Mo au plus)."
                    })?;
                    if !bytes.is_empty() {
                        input.files.insert(name, (file_name, bytes.to_vec()));
                    }
                }
                None => {
                    let text = field.text().await.map_err(|_| "Le formulaire contient un texte illisible.")?;
                    input.fields.insert(name, text.replace("\r\n", "\n"));
                }
            }
        }
        Ok(input)
    }

    /// The same input, as a form given as pairs (tests, previews).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> FormInput {
        FormInput {
            fields: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            files: HashMap::new(),
        }
    }
}

/// Field name → what is wrong with it.
pub type FieldErrors = Vec<(&'static str, String)>;

fn parse_local(raw: &str, tz: &TimeZone) -> Option<Timestamp> {
    let civil: DateTime = raw.trim().parse().ok()?;
    civil
        .to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

fn parse_day(raw: &str, tz: &TimeZone) -> Option<Timestamp> {
    let date: Date = raw.trim().parse().ok()?;
    date.to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

fn optional_time(
    input: &FormInput,
    name: &'static str,
    tz: &TimeZone,
    errors: &mut FieldErrors,
) -> Option<Timestamp> {
    let raw = input.get(name).trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = parse_local(raw, tz).or_else(|| parse_day(raw, tz));
    if parsed.is_none() {
        errors.push((name, "Cette date n'est pas valable.".into()));
    }
    parsed
}

/// A URL-safe page slug from a title: "Demander un congé" → "demander-un-conge".
pub fn slugify(title: &str) -> String {
    let folded = crate::domain::text::fold(title);
    let mut slug = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(60).collect()
}

/// Reads the text fields of a form for `kind` in `space`.
pub fn parse_draft(
    space: Space,
    kind: Kind,
    input: &FormInput,
    tz: &TimeZone,
    media: Vec<Media>,
    errors: &mut FieldErrors,
) -> Option<Draft> {
    let title = input.get("titre").trim().to_owned();
    if title.is_empty() {
        errors.push(("titre", "Donnez un titre.".into()));
    } else if title.chars().count() > TITLE_MAX {
        errors.push((
            "titre",
            format!("Le titre est trop long ({TITLE_MAX} caractères au plus)."),
        ));
    }
    let summary = input.get("resume").trim().to_owned();
    if summary.chars().count() > SUMMARY_MAX {
        errors.push((
            "resume",
            format!("Le résumé est trop long ({SUMMARY_MAX} caractères au plus)."),
        ));
    }
    let body = input.get("texte").to_owned();
    if body.len() > BODY_MAX {
        errors.push(("texte", "Le texte est trop long.".into()));
    }
    let publish_at = optional_time(input, "publication", tz, errors);
    let expires_at = optional_time(input, "expiration", tz, errors);
    if let (Some(p), Some(e)) = (publish_at, expires_at)
        && e <= p
    {
        errors.push((
            "expiration",
            "La fin de publication doit venir après son début.".into(),
        ));
    }
    let details = match kind {
        Kind::Actu => Details::Actu,
        Kind::Event => {
            let all_day = input.checked("journee");
            let start = if all_day {
                parse_day(input.get("debut").get(..10).unwrap_or(""), tz)
            } else {
                parse_local(input.get("debut"), tz)
            };
            let end = if all_day {
                let raw = input.get("fin");
                let last = if raw.trim().is_empty() {
                    input.get("debut")
                } else {
                    raw
                };
                parse_day(last.get(..10).unwrap_or(""), tz).map(|t| {
                    t + jiff::SignedDuration::from_hours(24) - jiff::SignedDuration::from_mins(1)
                })
            } else {
                parse_local(input.get("fin"), tz)
            };
            match (start, end) {
                (None, _) => {
                    errors.push(("debut", "Indiquez la date et l'heure de début.".into()));
                    None?
                }
                (Some(_), None) => {
                    errors.push(("fin", "Indiquez la date et l'heure de fin.".into()));
                    None?
                }
                (Some(start), Some(end)) if end < start => {
                    errors.push(("fin", "La fin doit venir après le début.".into()));
                    None?
                }
                (Some(start), Some(end)) => Details::Event(EventDetails {
                    start,
                    end,
                    all_day,
                    place: input.get("lieu").trim().to_owned(),
                }),
            }
        }
        Kind::Annonce => {
            let Some(category) = AnnonceCategory::from_key(input.get("categorie")) else {
                errors.push(("categorie", "Choisissez une catégorie.".into()));
                return None;
            };
            let contact = input.get("contact").trim().to_owned();
            if contact.is_empty() {
                errors.push((
                    "contact",
                    "Indiquez comment vous joindre (téléphone, poste ou courriel).".into(),
                ));
            }
            let price = input.get("prix").trim();
            Details::Annonce {
                category,
                price: (!price.is_empty()).then(|| price.to_owned()),
                contact,
            }
        }
        Kind::Job => {
            let Some(job_kind) = JobKind::from_key(input.get("type_offre")) else {
                errors.push((
                    "type_offre",
                    "Choisissez le type : offre, formation ou concours.".into(),
                ));
                return None;
            };
            let category = match input.get("categorie_fp") {
                "A" => 'A',
                "B" => 'B',
                "C" => 'C',
                _ => {
                    errors.push(("categorie_fp", "Choisissez la catégorie A, B ou C.".into()));
                    'C'
                }
            };
            let deadline = optional_time(input, "date_limite", tz, errors);
            Details::Job(JobDetails {
                kind: job_kind,
                service: input.get("service").trim().to_owned(),
                category,
                filiere: input.get("filiere").trim().to_owned(),
                deadline,
            })
        }
        Kind::Page => {
            let raw = input.get("adresse").trim();
            let slug = if raw.is_empty() {
                slugify(&title)
            } else {
                slugify(raw)
            };
            if slug.is_empty() {
                errors.push((
                    "adresse",
                    "Indiquez l'adresse de la page (lettres, chiffres et tirets).".into(),
                ));
            }
            let order = input.get("ordre").trim().parse().unwrap_or(0);
            Details::Page {
                slug,
                parent: input.get("parent").parse().ok(),
                order,
            }
        }
        Kind::Link => {
            let url = input.get("url").trim().to_owned();
            let safe = url.starts_with("https://")
                || url.starts_with("http://")
                || (url.starts_with('/') && !url.starts_with("//"));
            if !safe {
                errors.push((
                    "url",
                    "L'adresse doit commencer par https:// (ou / pour une page de l'intranet)."
                        .into(),
                ));
            }
            let icon = input.get("icone");
            let icon = if LINK_ICONS.contains(&icon) {
                icon.to_owned()
            } else {
                "globe".to_owned()
            };
            let group = if input.get("groupe") == "assistance" {
                LinkGroup::Assistance
            } else {
                LinkGroup::Clic
            };
            let phone = input.get("telephone").trim();
            Details::Link {
                url,
                icon,
                group,
                phone: (!phone.is_empty()).then(|| phone.to_owned()),
            }
        }
    };
    if !errors.is_empty() {
        return None;
    }
    Some(Draft {
        space,
        title,
        summary,
        body,
        details,
        publish_at,
        expires_at,
        media,
        signage: input.checked("affichage"),
    })
}

fn local(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The form values of an existing item, for its edit form.
pub fn input_of(item: &Item, tz: &TimeZone) -> FormInput {
    let mut pairs: Vec<(String, String)> = vec![
        ("titre".into(), item.title.clone()),
        ("resume".into(), item.summary.clone()),
        ("texte".into(), item.body.clone()),
    ];
    if let Some(at) = item.publish_at {
        pairs.push(("publication".into(), local(at, tz)));
    }
    if let Some(at) = item.expires_at {
        pairs.push(("expiration".into(), local(at, tz)));
    }
    if item.signage {
        pairs.push(("affichage".into(), "oui".into()));
    }
    if let Some(photo) = item.media.iter().find(|m| m.is_photo()) {
        pairs.push(("photo_alt".into(), photo.alt.clone()));
    }
    match &item.details {
        Details::Actu => {}
        Details::Event(e) => {
            pairs.push(("debut".into(), local(e.start, tz)));
            pairs.push(("fin".into(), local(e.end, tz)));
            pairs.push(("lieu".into(), e.place.clone()));
            if e.all_day {
                pairs.push(("journee".into(), "oui".into()));
            }
        }
        Details::Annonce {
            category,
            price,
            contact,
        } => {
            pairs.push(("categorie".into(), category.key().into()));
            pairs.push(("prix".into(), price.clone().unwrap_or_default()));
            pairs.push(("contact".into(), contact.clone()));
        }
        Details::Job(job) => {
            pairs.push(("type_offre".into(), job.kind.key().into()));
            pairs.push(("service".into(), job.service.clone()));
            pairs.push(("categorie_fp".into(), job.category.to_string()));
            pairs.push(("filiere".into(), job.filiere.clone()));
            if let Some(deadline) = job.deadline {
                pairs.push((
                    "date_limite".into(),
                    deadline.to_zoned_datetime(tz.clone()).date().to_string(),
                ));
            }
        }
        Details::Page {
            slug,
            parent,
            order,
        } => {
            pairs.push(("adresse".into(), slug.clone()));
            pairs.push((
                "parent".into(),
                parent.map(|p| p.to_string()).unwrap_or_default(),
            ));
            pairs.push(("ordre".into(), order.to_string()));
        }
        Details::Link {
            url,
            icon,
            group,
            phone,
        } => {
            pairs.push(("url".into(), url.clone()));
            pairs.push(("icone".into(), icon.clone()));
            pairs.push((
                "groupe".into(),
                if *group == crate::domain::LinkGroup::Assistance {
                    "assistance"
                } else {
                    "clic"
                }
                .into(),
            ));
            pairs.push(("telephone".into(), phone.clone().unwrap_or_default()));
        }
    }
    FormInput {
        fields: pairs.into_iter().collect(),
        files: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    #[test]
    fn slugs_are_ascii_and_short() {
        assert_eq!(
            slugify("Demander un congé (formulaire)"),
            "demander-un-conge-formulaire"
        );
        assert_eq!(slugify("../../etc"), "etc");
    }

    #[test]
    fn an_event_needs_a_start_before_its_end() {
        let input = FormInput::from_pairs(&[
            ("titre", "Conseil"),
            ("debut", "2026-12-02T18:00"),
            ("fin", "2026-12-02T17:00"),
        ]);
        let mut errors = Vec::new();
        assert!(
            parse_draft(
                Space::Agenda,
                Kind::Event,
                &input,
                &tz(),
                vec![],
                &mut errors
            )
            .is_none()
        );
        assert_eq!(errors[0].0, "fin");
        let input = FormInput::from_pairs(&[
            ("titre", "Conseil"),
            ("debut", "2026-12-02T18:00"),
            ("fin", "2026-12-02T20:00"),
        ]);
        let mut errors = Vec::new();
        let draft = parse_draft(
            Space::Agenda,
            Kind::Event,
            &input,
            &tz(),
            vec![],
            &mut errors,
        )
        .unwrap();
        let Details::Event(event) = draft.details else {
            panic!()
        };
        assert_eq!(
            event.start.to_string(),
            "2026-12-02T17:00:00Z",
            "Paris is UTC+1 in winter"
        );
    }

    #[test]
    fn links_refuse_script_urls() {
        for url in [
            "javascript:alert(1)",
            "//evil.example",
            "data:text/html,x",
            "vbscript:x",
        ] {
            let input = FormInput::from_pairs(&[("titre", "Lien"), ("url", url)]);
            let mut errors = Vec::new();
            assert!(
                parse_draft(Space::Liens, Kind::Link, &input, &tz(), vec![], &mut errors).is_none(),
                "{url}"
            );
        }
    }

    #[test]
    fn an_empty_form_says_what_is_missing() {
        let input = FormInput::from_pairs(&[("categorie", "don")]);
        let mut errors = Vec::new();
        assert!(
            parse_draft(
                Space::Annonces,
                Kind::Annonce,
                &input,
                &tz(),
                vec![],
                &mut errors
            )
            .is_none()
        );
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["titre", "contact"]);
    }
}
