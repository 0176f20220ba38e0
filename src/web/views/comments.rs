//! Comments under actus and events: the list, the form, the author's
//! switch, and the page that keeps a refused or edited comment's text.

use maud::{Markup, html};

use super::format;
use super::layout::{Chrome, csrf_field, page};
use crate::domain::participation::{COMMENT_MAX, Comment};
use crate::domain::{DeviceClass, Item};

/// What an item's page shows about its comments.
#[derive(Debug, Clone, Default)]
pub struct CommentsBox {
    pub open: bool,
    pub list: Vec<Comment>,
    pub can_comment: bool,
    /// The author or a webmaster may open or close them.
    pub can_toggle: bool,
    /// Webmasters may remove any comment.
    pub can_remove: bool,
    /// Ids of the viewer's comments still editable.
    pub editable: Vec<u128>,
    /// Ids of comments the viewer may report (others', not removed).
    pub reportable: Vec<u128>,
    /// On an edge: the viewer's comments still on their way to the hub.
    pub waiting: Vec<String>,
}

fn comment_url(item: &Item, comment: u128, action: &str) -> String {
    format!("/commentaires/{}/{}/{action}", item.id, ulid::Ulid(comment))
}

pub fn comments_section(item: &Item, chrome: &Chrome, data: &CommentsBox) -> Markup {
    let tz = chrome.tz();
    let kiosk = chrome.device == DeviceClass::Kiosk;
    html! {
        @if data.open || data.can_toggle || !data.list.is_empty() {
            section.comments #commentaires aria-labelledby="titre-commentaires" {
                h2 #titre-commentaires { "Commentaires (" (data.list.iter().filter(|c| !c.removed).count()) ")" }
                @if data.can_toggle {
                    form.inline-form method="post" action=(format!("/commentaires/{}/ouverture", item.id)) {
                        (csrf_field(chrome))
                        input type="hidden" name="etat" value=(if data.open { "non" } else { "oui" });
                        button.button type="submit" { @if data.open { "Fermer les commentaires" } @else { "Ouvrir les commentaires" } }
                    }
                }
                @if data.list.is_empty() && data.open { p.empty { "Aucun commentaire pour l'instant." } }
                ol.comment-list {
                    @for comment in &data.list {
                        li.comment #(format!("commentaire-{}", ulid::Ulid(comment.id))) {
                            p.card-meta {
                                strong { (comment.author_name) } " · " (format::date_long(comment.at, tz)) " à " (format::time(comment.at, tz))
                                @if comment.edited.is_some() { " · modifié" }
                            }
                            @if comment.removed {
                                p.removed { em { "Commentaire retiré par les webmestres." } }
                            } @else {
                                p.comment-body { (comment.body) }
                                div.comment-actions {
                                    @if data.editable.contains(&comment.id) {
                                        a.button href=(comment_url(item, comment.id, "modifier")) { "Modifier" }
                                    }
                                    @if data.can_remove {
                                        form.inline-form method="post" action=(comment_url(item, comment.id, "retirer")) {
                                            (csrf_field(chrome))
                                            button.button type="submit" { "Retirer" span.visually-hidden { " le commentaire de " (comment.author_name) } }
                                        }
                                    }
                                    @if data.reportable.contains(&comment.id) {
                                        details.report-form {
                                            summary { "Signaler" span.visually-hidden { " le commentaire de " (comment.author_name) } }
                                            form method="post" action=(comment_url(item, comment.id, "signaler")) {
                                                (csrf_field(chrome))
                                                label for=(format!("motif-{}", ulid::Ulid(comment.id))) { "Qu'est-ce qui ne va pas ?" }
                                                textarea id=(format!("motif-{}", ulid::Ulid(comment.id))) name="motif" rows="2" required {}
                                                button.button type="submit" { "Envoyer aux webmestres" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (waiting_list(&data.waiting, "Commentaire"))
                @if data.can_comment {
                    form.form-card.comment-form method="post" action=(format!("/commentaires/{}", item.id)) autocomplete=[kiosk.then_some("off")] {
                        (csrf_field(chrome))
                        label for="commentaire" { "Votre commentaire" }
                        p.hint #aide-commentaire { "Restez courtois : la charte de l'intranet s'applique. Vous pourrez modifier votre commentaire pendant 15 minutes." }
                        textarea #commentaire name="texte" rows="3" maxlength=(COMMENT_MAX) aria-describedby="aide-commentaire" required {}
                        button.button.button-primary type="submit" { "Publier le commentaire" }
                    }
                } @else if !data.open && !data.can_toggle {
                    p.empty { "Les commentaires sont fermés." }
                }
            }
        }
    }
}

/// Texts the agent wrote on an edge that the hub has not confirmed yet.
pub fn waiting_list(texts: &[String], what: &str) -> Markup {
    html! {
        @if !texts.is_empty() {
            ul.comment-list.waiting aria-label=(format!("{what}s en cours d'envoi")) {
                @for text in texts {
                    li.comment {
                        p.card-meta { strong { "Vous" } " · " (what) " en cours d'envoi à l'intranet : il s'affichera ici dès qu'il sera enregistré." }
                        p.comment-body { (text) }
                    }
                }
            }
        }
    }
}

/// The page of one comment's text: a new comment refused (text kept) or an
/// edit of one's own.
pub struct CommentPage<'a> {
    /// Where the text belongs (an item, a space): its title and address.
    pub back_title: &'a str,
    pub back_href: String,
    pub heading: &'a str,
    pub action: String,
    pub text: &'a str,
    pub error: Option<&'a str>,
}

pub fn comment_page(chrome: &Chrome, data: &CommentPage) -> Markup {
    let kiosk = chrome.device == DeviceClass::Kiosk;
    page(
        chrome,
        data.heading,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Accueil" } " › " a href=(data.back_href) { (data.back_title) } }
            h1 { (data.heading) }
            @if let Some(error) = data.error { p.form-error role="alert" #erreur-commentaire { (error) " Votre texte est conservé ci-dessous." } }
            form.form-card method="post" action=(data.action) autocomplete=[kiosk.then_some("off")] {
                (csrf_field(chrome))
                label for="commentaire" { "Votre commentaire" }
                textarea #commentaire name="texte" rows="5" aria-describedby=[data.error.map(|_| "erreur-commentaire")] { (data.text) }
                div.form-actions {
                    button.button.button-primary type="submit" { "Enregistrer" }
                    " " a.button href=(data.back_href) { "Annuler" }
                }
            }
        },
    )
}
