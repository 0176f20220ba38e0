//! The annuaire (directory of agents), agents' cards and the org chart.

use maud::{Markup, html};

use super::icons::icon;
use super::layout::{Chrome, page};
use crate::domain::User;

/// What the annuaire page shows.
pub struct AnnuairePage<'a> {
    pub query: &'a str,
    pub service: &'a str,
    pub services: Vec<(&'a str, usize)>,
    pub results: Vec<&'a User>,
    pub total: usize,
    pub searched: bool,
}

fn initials(user: &User) -> String {
    user.given_name
        .chars()
        .take(1)
        .chain(user.surname.chars().take(1))
        .collect()
}

fn avatar(user: &User) -> Markup {
    html! {
        @if let Some(photo) = user.photo {
            img.avatar src=(format!("/media/{}", photo.to_hex())) alt="" width="96" height="96";
        } @else {
            span.avatar.avatar-initials aria-hidden="true" { (initials(user)) }
        }
    }
}

pub fn person_url(user: &User) -> String {
    let login: String = form_urlencoded::byte_serialize(user.login.as_str().as_bytes()).collect();
    format!("/annuaire/{login}")
}

pub fn annuaire(chrome: &Chrome, data: &AnnuairePage) -> Markup {
    page(
        chrome,
        "Annuaire",
        html! {
            h1 { "Annuaire des agents" }
            form.search-form method="get" action="/annuaire" role="search" {
                label for="q" { "Nom, service ou fonction" }
                div.search-row {
                    input #q type="search" name="q" value=(data.query) autocomplete="off" spellcheck="false";
                    button.button.button-primary type="submit" { "Rechercher" }
                }
                label for="service" { "Service" }
                select #service name="service" {
                    option value="" selected[data.service.is_empty()] { "Tous les services" }
                    @for (service, count) in &data.services {
                        option value=(service) selected[*service == data.service] { (service) " (" (count) ")" }
                    }
                }
            }
            p { a href="/organigramme" { (icon("users")) " Voir l'organigramme" } }
            @if data.searched {
                p.result-count role="status" {
                    @match data.total {
                        0 => { "Aucun agent ne correspond à votre recherche." }
                        1 => { "1 agent trouvé." }
                        n => { (n) " agents trouvés" @if n > data.results.len() { " (les " (data.results.len()) " premiers affichés)" } "." }
                    }
                }
                ul.people {
                    @for user in &data.results {
                        li.person {
                            (avatar(user))
                            span.person-text {
                                a.person-name href=(person_url(user)) { (user.display_name()) }
                                span.person-function { (user.function) }
                                span.person-service { (user.service) }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn person(
    chrome: &Chrome,
    user: &User,
    manager: Option<&User>,
    reports: &[User],
    show_phones: bool,
) -> Markup {
    page(
        chrome,
        &user.display_name(),
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Accueil" } " › " a href="/annuaire" { "Annuaire" } }
            article.person-card {
                (avatar(user))
                div {
                    h1 { (user.display_name()) }
                    p.person-function { (user.function) }
                    dl.facts {
                        @if !user.service.is_empty() { dt { "Service" } dd { a href=(format!("/annuaire?service={}", form_urlencoded::byte_serialize(user.service.as_bytes()).collect::<String>())) { (user.service) } } }
                        @if !user.direction.is_empty() { dt { "Direction" } dd { (user.direction) } }
                        @if show_phones && !user.phone.is_empty() { dt { "Téléphone" } dd { a href=(format!("tel:{}", user.phone.replace(' ', ""))) { (user.phone) } } }
                        @if !user.mail.is_empty() { dt { "Courriel" } dd { a href=(format!("mailto:{}", user.mail)) { (user.mail) } } }
                        @if let Some(manager) = manager { dt { "Responsable" } dd { a href=(person_url(manager)) { (manager.display_name()) } } }
                    }
                }
            }
            @if !reports.is_empty() {
                section aria-labelledby="titre-equipe" {
                    h2 #titre-equipe { "Équipe (" (reports.len()) ")" }
                    ul.people.compact-people {
                        @for report in reports {
                            li.person { (avatar(report)) span.person-text { a.person-name href=(person_url(report)) { (report.display_name()) } span.person-function { (report.function) } } }
                        }
                    }
                }
            }
        },
    )
}

/// One box of the org chart: an agent and the people reporting to them.
pub struct OrgNode<'a> {
    pub user: &'a User,
    pub reports: Vec<OrgNode<'a>>,
    /// Reports not drawn (the tree stops at managers).
    pub team_size: usize,
}

pub fn org_chart(chrome: &Chrome, roots: &[OrgNode]) -> Markup {
    fn node(n: &OrgNode) -> Markup {
        html! {
            li {
                span.org-box {
                    a href=(person_url(n.user)) { (n.user.display_name()) }
                    span.person-function { (n.user.function) }
                    @if n.team_size > 0 && n.reports.is_empty() { span.org-team { (n.team_size) " agents" } }
                }
                @if !n.reports.is_empty() { ul { @for r in &n.reports { (node(r)) } } }
            }
        }
    }
    page(
        chrome,
        "Organigramme",
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Accueil" } " › " a href="/annuaire" { "Annuaire" } }
            h1 { "Organigramme des services" }
            @if roots.is_empty() { p.empty { "L'organigramme n'est pas disponible : l'annuaire n'indique pas les responsables." } }
            ul.org-chart { @for root in roots { (node(root)) } }
        },
    )
}
