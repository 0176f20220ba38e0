//! "Mon espace": the agent's own page (favourites, "En 1 clic" links with the
//! starred ones first, notices, publications and their statuses), and the
//! star button shown on items and pages.

use maud::{Markup, html};

use super::icons::icon;
use super::items::item_url;
use super::layout::{Chrome, csrf_field, page};
use super::moderation::{notice_text, status_label};
use crate::domain::{Details, Item, Status};
use crate::store::Notice;

/// The star button: puts `item` in (or takes it out of) the favourites.
pub fn star_form(chrome: &Chrome, item: &Item, starred: bool, back: &str) -> Markup {
    html! {
        form.inline-form.star-form method="post" action=(format!("/favori/{}", item.id)) {
            (csrf_field(chrome))
            input type="hidden" name="etat" value=(if starred { "non" } else { "oui" });
            input type="hidden" name="retour" value=(back);
            button.button.star-button type="submit" aria-pressed=(if starred { "true" } else { "false" }) {
                @if starred { span aria-hidden="true" { "★ " } "Retirer de mes favoris" }
                @else { span aria-hidden="true" { "☆ " } "Ajouter à mes favoris" }
                span.visually-hidden { " : " (item.title) }
            }
        }
    }
}

pub struct MySpacePage<'a> {
    /// Starred items and pages (not links), visible ones only.
    pub favourites: &'a [Item],
    /// "En 1 clic" links, starred first: (link, starred).
    pub links: &'a [(Item, bool)],
    pub notices: &'a [Notice],
    pub publications: &'a [Item],
    /// The "espaces d'échange" the agent follows (None on an edge).
    pub discussions: Option<&'a [crate::domain::participation::Discussion]>,
    /// Union mailing lists the agent subscribed to: (slug, name); None on an edge.
    pub subscriptions: Option<&'a [(String, String)]>,
    pub message: Option<&'a str>,
}

pub fn my_space(chrome: &Chrome, data: &MySpacePage) -> Markup {
    page(
        chrome,
        "Mon espace",
        html! {
            h1 { "Mon espace" }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            section.block aria-labelledby="titre-favoris" {
                h2 #titre-favoris { "Mes favoris" }
                @if data.favourites.is_empty() {
                    p.empty { "Aucun favori pour l'instant : touchez « Ajouter à mes favoris » sous une actu, une offre ou une page pour la retrouver ici." }
                }
                ul.favourites {
                    @for item in data.favourites {
                        li { a href=(item_url(item)) { (item.title) } " " (star_form(chrome, item, true, "/mon-espace")) }
                    }
                }
            }
            section.block aria-labelledby="titre-clic-perso" {
                h2 #titre-clic-perso { "En 1 clic" }
                p.hint { "Vos liens favoris sont en tête de liste." }
                ul.my-links {
                    @for (link, starred) in data.links {
                        @if let Details::Link { url, icon: glyph, .. } = &link.details {
                            li {
                                a.link-tile href=(url) { (icon(glyph)) span { (link.title) } @if *starred { span.badge { "Favori" } } }
                                (star_form(chrome, link, *starred, "/mon-espace"))
                            }
                        }
                    }
                }
            }
            @if let Some(discussions) = data.discussions {
                section.block aria-labelledby="titre-mes-echanges" {
                    h2 #titre-mes-echanges { "Mes espaces d'échange" }
                    @if discussions.is_empty() { p.empty { "Vous ne suivez encore aucun espace d'échange." } }
                    ul.my-discussions {
                        @for d in discussions { li { a href=(format!("/echanges/{}", ulid::Ulid(d.id))) { (d.name) } } }
                    }
                    a.more href="/echanges" { "Tous les espaces d'échange →" }
                }
            }
            @if let Some(subscriptions) = data.subscriptions {
                section.block aria-labelledby="titre-abonnements" {
                    h2 #titre-abonnements { "Mes abonnements" }
                    @if subscriptions.is_empty() { p.empty { "Vous n'êtes abonné à aucune liste de diffusion syndicale." } }
                    ul.my-subscriptions {
                        @for (slug, name) in subscriptions { li { a href=(format!("/syndicats/{slug}")) { "Liste de diffusion : " (name) } } }
                    }
                }
            }
            section.block aria-labelledby="titre-avis" {
                h2 #titre-avis { "Mes avis" }
                @if data.notices.is_empty() { p.empty { "Aucun avis." } }
                ul { @for notice in data.notices { li { (notice_text(notice)) } } }
            }
            section.block aria-labelledby="titre-mes-pub" {
                h2 #titre-mes-pub { "Mes publications" }
                @if data.publications.is_empty() { p.empty { "Vous n'avez encore rien publié ni proposé." } }
                ul.my-publications {
                    @for item in data.publications {
                        li {
                            @if item.status == Status::Published { a href=(item_url(item)) { (item.title) } } @else { (item.title) }
                            " — " span.badge { (status_label(&item.status)) }
                        }
                    }
                }
                a.more href="/mes-publications" { "Gérer mes publications →" }
            }
        },
    )
}
