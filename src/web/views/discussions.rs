//! "Espaces d'échange": the list of spaces (follow / stop following, and the
//! webmasters' form to create one) and a space's messages.

use maud::{Markup, html};

use super::format;
use super::layout::{Chrome, csrf_field, page};
use crate::domain::DeviceClass;
use crate::domain::participation::{COMMENT_MAX, Comment, Discussion};

fn space_url(d: &Discussion) -> String {
    format!("/echanges/{}", ulid::Ulid(d.id))
}

fn follow_form(chrome: &Chrome, d: &Discussion, following: bool, back: &str) -> Markup {
    html! {
        form.inline-form method="post" action=(format!("{}/suivre", space_url(d))) {
            (csrf_field(chrome))
            input type="hidden" name="etat" value=(if following { "non" } else { "oui" });
            input type="hidden" name="retour" value=(back);
            button.button type="submit" aria-pressed=(if following { "true" } else { "false" }) {
                @if following { "Ne plus suivre" } @else { "Suivre" }
                span.visually-hidden { " l'espace « " (d.name) " »" }
            }
        }
    }
}

pub struct ListPage<'a> {
    pub spaces: &'a [(Discussion, bool)],
    pub can_create: bool,
    /// The creation form's values and error, kept when refused.
    pub name: &'a str,
    pub description: &'a str,
    pub error: Option<&'a str>,
}

pub fn list(chrome: &Chrome, data: &ListPage) -> Markup {
    page(
        chrome,
        "Espaces d'échange",
        html! {
            h1 { "Espaces d'échange" }
            p.intro { "Des espaces pour échanger entre collègues d'un même métier. Suivez ceux qui vous concernent : ils s'affichent dans « Mon espace »." }
            @if data.spaces.is_empty() { p.empty { "Aucun espace d'échange pour le moment." } }
            ul.discussion-list {
                @for (d, following) in data.spaces {
                    li {
                        a href=(space_url(d)) { (d.name) }
                        @if *following { " " span.badge { "Suivi" } }
                        @if !d.description.is_empty() { " — " (d.description) }
                        " " (follow_form(chrome, d, *following, "/echanges"))
                    }
                }
            }
            @if data.can_create {
                section aria-labelledby="titre-nouvel-espace" {
                    h2 #titre-nouvel-espace { "Créer un espace d'échange" }
                    @if let Some(error) = data.error { p.form-error role="alert" #erreur-nom { (error) } }
                    form.form-card method="post" action="/echanges" {
                        (csrf_field(chrome))
                        div.field {
                            label for="nom" { "Nom (par exemple : Régisseurs, Correspondants intranet)" }
                            input #nom name="nom" type="text" value=(data.name) aria-describedby=[data.error.map(|_| "erreur-nom")];
                        }
                        div.field {
                            label for="description" { "Présentation (facultative)" }
                            input #description name="description" type="text" value=(data.description);
                        }
                        button.button.button-primary type="submit" { "Créer l'espace" }
                    }
                }
            }
        },
    )
}

pub struct SpacePage<'a> {
    pub space: &'a Discussion,
    pub posts: &'a [Comment],
    pub following: bool,
    pub can_remove: bool,
    pub editable: &'a [u128],
    pub login: &'a crate::domain::Login,
    pub message: Option<&'a str>,
    /// On an edge: the viewer's messages still on their way to the hub.
    pub waiting: &'a [String],
}

pub fn space(chrome: &Chrome, data: &SpacePage) -> Markup {
    let d = data.space;
    let tz = chrome.tz();
    let kiosk = chrome.device == DeviceClass::Kiosk;
    let post_url =
        |p: &Comment, action: &str| format!("{}/{}/{action}", space_url(d), ulid::Ulid(p.id));
    page(
        chrome,
        &d.name,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Accueil" } " › " a href="/echanges" { "Espaces d'échange" } }
            h1 { (d.name) }
            @if !d.description.is_empty() { p.intro { (d.description) } }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            (follow_form(chrome, d, data.following, &space_url(d)))
            section.comments aria-labelledby="titre-messages" {
                h2 #titre-messages { "Messages (" (data.posts.iter().filter(|p| !p.removed).count()) ")" }
                @if data.posts.is_empty() { p.empty { "Aucun message pour l'instant : lancez la discussion !" } }
                ol.comment-list {
                    @for post in data.posts {
                        li.comment #(format!("message-{}", ulid::Ulid(post.id))) {
                            p.card-meta {
                                strong { (post.author_name) } " · " (format::date_long(post.at, tz)) " à " (format::time(post.at, tz))
                                @if post.edited.is_some() { " · modifié" }
                            }
                            @if post.removed {
                                p.removed { em { "Message retiré par les webmestres." } }
                            } @else {
                                p.comment-body { (post.body) }
                                div.comment-actions {
                                    @if data.editable.contains(&post.id) { a.button href=(post_url(post, "modifier")) { "Modifier" } }
                                    @if data.can_remove {
                                        form.inline-form method="post" action=(post_url(post, "retirer")) {
                                            (csrf_field(chrome))
                                            button.button type="submit" { "Retirer" span.visually-hidden { " le message de " (post.author_name) } }
                                        }
                                    }
                                    @if &post.author != data.login {
                                        details.report-form {
                                            summary { "Signaler" span.visually-hidden { " le message de " (post.author_name) } }
                                            form method="post" action=(post_url(post, "signaler")) {
                                                (csrf_field(chrome))
                                                label for=(format!("motif-{}", ulid::Ulid(post.id))) { "Qu'est-ce qui ne va pas ?" }
                                                textarea id=(format!("motif-{}", ulid::Ulid(post.id))) name="motif" rows="2" required {}
                                                button.button type="submit" { "Envoyer aux webmestres" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (super::comments::waiting_list(data.waiting, "Message"))
                form.form-card.comment-form method="post" action=(space_url(d)) autocomplete=[kiosk.then_some("off")] {
                    (csrf_field(chrome))
                    label for="commentaire" { "Votre message" }
                    p.hint #aide-message { "La charte de l'intranet s'applique. Vous pourrez modifier votre message pendant 15 minutes." }
                    textarea #commentaire name="texte" rows="3" maxlength=(COMMENT_MAX) aria-describedby="aide-message" required {}
                    button.button.button-primary type="submit" { "Publier le message" }
                }
            }
        },
    )
}
