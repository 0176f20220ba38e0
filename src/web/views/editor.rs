//! The publishing forms: one editor for every kind of item, a Markdown preview
//! that works without JavaScript, and the "what can I publish" chooser.

use maud::{Markup, html};

use super::format::Markdown;
use super::items::{annonce_label, job_label, media_url};
use super::layout::{Chrome, csrf_field, page};
use crate::domain::{AnnonceCategory, DeviceClass, JobKind, Kind, Media};
use crate::web::forms::{FieldErrors, FormInput, LINK_ICONS};

/// What the editor shows.
pub struct EditorPage<'a> {
    pub heading: String,
    pub action: String,
    pub kind: Kind,
    pub input: &'a FormInput,
    pub errors: &'a FieldErrors,
    /// Show the rendered text above the form (the "Aperçu" button).
    pub preview: bool,
    pub media: &'a [Media],
    /// The item will go to the webmasters' queue.
    pub proposal: bool,
    pub can_signage: bool,
    /// Possible parents of a page: id and title.
    pub pages: &'a [(String, String)],
    pub general_error: Option<&'a str>,
}

fn error_for<'a>(errors: &'a FieldErrors, field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
}

/// A labelled text input with its error, keeping the typed value.
fn text_field(
    data: &EditorPage,
    name: &'static str,
    label: &str,
    kind: &str,
    hint: Option<&str>,
    required: bool,
) -> Markup {
    let error = error_for(data.errors, name);
    let error_id = format!("erreur-{name}");
    html! {
        div.field.field-error[error.is_some()] {
            label for=(name) { (label) @if required { " " abbr title="obligatoire" { "*" } } }
            @if let Some(hint) = hint { p.hint #(format!("aide-{name}")) { (hint) } }
            @if let Some(error) = error { p.form-error #(error_id) { (error) } }
            input #(name) name=(name) type=(kind) value=(data.input.get(name)) required[required]
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
        }
    }
}

fn select_field(
    data: &EditorPage,
    name: &'static str,
    label: &str,
    options: &[(String, String)],
) -> Markup {
    let error = error_for(data.errors, name);
    html! {
        div.field.field-error[error.is_some()] {
            label for=(name) { (label) }
            @if let Some(error) = error { p.form-error { (error) } }
            select #(name) name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[data.input.get(name) == value] { (text) }
                }
            }
        }
    }
}

fn checkbox(data: &EditorPage, name: &'static str, label: &str) -> Markup {
    let error = error_for(data.errors, name);
    html! {
        @if let Some(error) = error { p.form-error { (error) } }
        label.checkbox {
            input type="checkbox" name=(name) value="oui" checked[data.input.checked(name)];
            span { (label) }
        }
    }
}

pub fn editor(chrome: &Chrome, data: &EditorPage) -> Markup {
    let kiosk = chrome.device == DeviceClass::Kiosk;
    page(
        chrome,
        &data.heading,
        html! {
            h1 { (data.heading) }
            @if data.proposal {
                p.notice { "Votre proposition sera relue par les webmestres du service Communication avant sa mise en ligne. Vous serez prévenu de leur décision." }
            }
            @if let Some(error) = data.general_error { p.form-error role="alert" { (error) } }
            @if !data.errors.is_empty() {
                div.form-error role="alert" {
                    p { "Le formulaire n'a pas été enregistré. Corrigez ce qui est signalé ; tout ce que vous avez saisi est conservé." }
                    ul { @for (field, message) in data.errors { li { a href=(format!("#{field}")) { (message) } } } }
                }
            }
            @if data.preview {
                section.preview aria-labelledby="titre-apercu" {
                    h2 #titre-apercu { "Aperçu" }
                    article.item-page {
                        h1 { (data.input.get("titre")) }
                        div.prose { (Markdown(data.input.get("texte"))) }
                    }
                }
            }
            form.form-card.editor method="post" action=(data.action) enctype="multipart/form-data" autocomplete=[kiosk.then_some("off")] {
                (csrf_field(chrome))
                @for key in ["photo_gardee", "document_garde"] {
                    @if !data.input.get(key).is_empty() { input type="hidden" name=(key) value=(data.input.get(key)); }
                }
                (text_field(data, "titre", "Titre", "text", None, true))
                @if !matches!(data.kind, Kind::Link | Kind::Page) {
                    (text_field(data, "resume", "Résumé en une phrase", "text", Some("Affiché dans les listes et sur les écrans des salles de pause."), false))
                }
                @match data.kind {
                    Kind::Event => {
                        (text_field(data, "debut", "Début", "datetime-local", None, true))
                        (text_field(data, "fin", "Fin", "datetime-local", None, true))
                        (checkbox(data, "journee", "Toute la journée"))
                        (text_field(data, "lieu", "Lieu", "text", None, false))
                    }
                    Kind::Annonce => {
                        (select_field(data, "categorie", "Catégorie", &AnnonceCategory::ALL.iter().map(|c| (c.key().to_owned(), annonce_label(*c).to_owned())).collect::<Vec<_>>()))
                        (text_field(data, "prix", "Prix (pour une vente)", "text", None, false))
                        (text_field(data, "contact", "Comment vous joindre", "text", Some("Téléphone, poste ou courriel : ces coordonnées ne s'affichent que dans votre annonce."), true))
                    }
                    Kind::Job => {
                        (select_field(data, "type_offre", "Type", &JobKind::ALL.iter().map(|k| (k.key().to_owned(), job_label(*k).to_owned())).collect::<Vec<_>>()))
                        (text_field(data, "service", "Service", "text", None, false))
                        (select_field(data, "categorie_fp", "Catégorie", &[("A".into(), "A".into()), ("B".into(), "B".into()), ("C".into(), "C".into())]))
                        (text_field(data, "filiere", "Filière", "text", None, false))
                        (text_field(data, "date_limite", "Date limite de candidature", "date", None, false))
                    }
                    Kind::Page => {
                        (text_field(data, "adresse", "Adresse de la page", "text", Some("Par exemple conges-annuels ; laissez vide pour la déduire du titre."), false))
                        (select_field(data, "parent", "Rubrique", &std::iter::once((String::new(), "(aucune : page principale)".to_owned())).chain(data.pages.iter().cloned()).collect::<Vec<_>>()))
                        (text_field(data, "ordre", "Ordre dans la rubrique", "number", None, false))
                    }
                    Kind::Link => {
                        (text_field(data, "url", "Adresse", "url", Some("https://… ou /pages/… pour une page de l'intranet."), true))
                        (select_field(data, "groupe", "Rubrique", &[("clic".into(), "En 1 clic".into()), ("assistance".into(), "Assistance".into())]))
                        (select_field(data, "icone", "Icône", &LINK_ICONS.iter().map(|i| (i.to_string(), i.to_string())).collect::<Vec<_>>()))
                        (text_field(data, "telephone", "Téléphone (assistance)", "text", None, false))
                    }
                    Kind::Actu => {}
                }
                @if data.kind != Kind::Link {
                    div.field.field-error[error_for(data.errors, "texte").is_some()] {
                        label for="texte" { "Texte" }
                        p.hint { "Mise en forme simple : **gras**, *italique*, ## intertitre, - liste, [lien](https://…)." }
                        @if let Some(error) = error_for(data.errors, "texte") { p.form-error { (error) } }
                        textarea #texte name="texte" rows="12" { (data.input.get("texte")) }
                    }
                    fieldset.media-fields {
                        legend { "Photo et document" }
                        @for media in data.media {
                            @if media.is_photo() {
                                figure.media-kept {
                                    img src=(media_url(media, true)) alt=(media.alt) width="240";
                                    @if media.hidden { figcaption { "Masquée : une personne a demandé son retrait." } }
                                    label.checkbox { input type="checkbox" name=(format!("retirer_{}", media.hash.to_hex())) value="oui"; span { "Retirer cette photo" } }
                                }
                            } @else {
                                p.media-kept {
                                    a href=(media_url(media, false)) { (media.name) }
                                    label.checkbox { input type="checkbox" name=(format!("retirer_{}", media.hash.to_hex())) value="oui"; span { "Retirer ce document" } }
                                }
                            }
                        }
                        div.field.field-error[error_for(data.errors, "photo").is_some()] {
                            label for="photo" { "Ajouter une photo (JPEG, PNG, WebP)" }
                            @if let Some(error) = error_for(data.errors, "photo") { p.form-error { (error) } }
                            input #photo name="photo" type="file" accept="image/jpeg,image/png,image/webp,image/gif";
                        }
                        (text_field(data, "photo_alt", "Description de la photo (pour les personnes malvoyantes)", "text", None, false))
                        (checkbox(data, "consentement", "Les personnes reconnaissables sur la photo ont donné leur accord pour sa publication sur l'intranet."))
                        div.field.field-error[error_for(data.errors, "document").is_some()] {
                            label for="document" { "Joindre un document (PDF)" }
                            @if let Some(error) = error_for(data.errors, "document") { p.form-error { (error) } }
                            input #document name="document" type="file" accept="application/pdf";
                        }
                    }
                }
                details.more-options {
                    summary { "Dates de publication" }
                    (text_field(data, "publication", "Publier à partir du", "datetime-local", Some("Laissez vide pour publier dès maintenant."), false))
                    (text_field(data, "expiration", "Retirer le", "datetime-local", None, false))
                }
                @if data.can_signage {
                    (checkbox(data, "affichage", "Afficher aussi sur les écrans des bornes (aucune donnée personnelle)"))
                }
                div.form-actions {
                    button.button name="action" value="apercu" type="submit" { "Aperçu" }
                    button.button.button-primary name="action" value="enregistrer" type="submit" {
                        @if data.proposal { "Proposer" } @else if data.action.starts_with("/modifier/") { "Enregistrer" } @else { "Publier" }
                    }
                }
            }
        },
    )
}

/// One thing the agent may publish: label, URL, and whether it is a proposal.
pub struct Choice {
    pub label: String,
    pub href: String,
    pub proposal: bool,
}

pub fn chooser(chrome: &Chrome, choices: &[Choice]) -> Markup {
    page(
        chrome,
        "Publier",
        html! {
            h1 { "Publier ou proposer" }
            @if choices.is_empty() {
                p.empty { "Vous ne pouvez rien publier pour le moment." }
            }
            ul.link-grid {
                @for choice in choices {
                    li { a.link-tile href=(choice.href) {
                        span { (choice.label) }
                        @if choice.proposal { span.hint { "relu par les webmestres" } }
                    } }
                }
            }
        },
    )
}
