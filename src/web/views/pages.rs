//! Whole pages of the read side: home, lists, agenda, page tree, links, unions,
//! sign-in and errors. Each is a pure function of data already loaded.

use jiff::civil::Date;
use maud::{Markup, html};

use super::format::{self, Markdown};
use super::icons::icon;
use super::items::{annonce_label, item_card, item_url, job_label, space_label};
use super::layout::{Chrome, page, pagination};
use crate::content::{Home, Listing, PageNode};
use crate::domain::{AnnonceCategory, Details, Item, JobKind};

/// The home page around its shared part (see [`home_main`]): the agent's own
/// block (notes to confirm, questionnaires waiting) comes first.
pub fn home(chrome: &Chrome, personal: Markup, main: &str) -> Markup {
    let today = format::date_long(chrome.now, chrome.tz());
    page(
        chrome,
        "Accueil",
        html! {
            h1.visually-hidden { "Accueil de l'intranet" }
            p.today { "Nous sommes " (today) "." }
            (chrome.own(true))
            (personal)
            (chrome.own(false))
            (maud::PreEscaped(main))
        },
    )
}

/// The part of the home page that is the same for every agent at a given
/// minute, so that it can be rendered once and reused.
pub fn home_main(chrome: &Chrome, data: &Home) -> Markup {
    html! {
            div.home-grid {
                section.block.block-une aria-labelledby="titre-une" {
                    h2 #titre-une { "À la une" }
                    div.cards { @for item in &data.une { (item_card(item, chrome)) } }
                    a.more href="/actus" { "Toutes les actus →" }
                }
                section.block.block-agenda aria-labelledby="titre-agenda" {
                    h2 #titre-agenda { "Prochainement" }
                    @if data.agenda.is_empty() { p.empty { "Aucun événement prévu pour le moment." } }
                    ul.compact { @for event in &data.agenda { li { (event_line(event, chrome)) } } }
                    a.more href="/agenda" { "Tout l'agenda →" }
                }
                section.block.block-clic aria-labelledby="titre-clic" {
                    h2 #titre-clic { "En 1 clic" }
                    (link_grid(&data.clic))
                }
                section.block.block-rh aria-labelledby="titre-rh" {
                    h2 #titre-rh { "Espace RH" }
                    ul.compact { @for item in &data.rh { li { a href=(item_url(item)) { (item.title) } } } }
                    a.more href="/rh" { "Toutes les infos RH →" }
                }
                section.block.block-annonces aria-labelledby="titre-annonces" {
                    h2 #titre-annonces { "Petites annonces" }
                    ul.compact {
                        @for item in &data.annonces {
                            li {
                                @if let Details::Annonce { category, .. } = &item.details {
                                    span.badge { (annonce_label(*category)) } " "
                                }
                                a href=(item_url(item)) { (item.title) }
                            }
                        }
                    }
                    a.more href="/annonces" { "Toutes les annonces →" }
                }
                section.block.block-assistance aria-labelledby="titre-assistance" {
                    h2 #titre-assistance { "Assistance" }
                    (assistance_list(&data.assistance))
                }
            }
    }
}

fn event_line(event: &Item, chrome: &Chrome) -> Markup {
    let Details::Event(details) = &event.details else {
        return html! {};
    };
    let tz = chrome.tz();
    let z = details.start.to_zoned_datetime(tz.clone());
    html! {
        span.date-chip aria-hidden="true" {
            span.date-day { (z.day()) }
            span.date-month { (format::month_short(z.month())) }
        }
        span.event-line {
            a href=(item_url(event)) { (event.title) }
            span.event-when {
                (format::day_name(&z)) " " (format::day_number(z.day())) " " (format::month_name(z.month()))
                @if !details.all_day { ", " (format::time(details.start, tz)) }
                @if !details.place.is_empty() { " · " (details.place) }
            }
        }
    }
}

fn link_grid(links: &[Item]) -> Markup {
    html! {
        ul.link-grid {
            @for link in links {
                @if let Details::Link { url, icon: glyph, .. } = &link.details {
                    li {
                        a.link-tile href=(url) {
                            (icon(glyph))
                            span { (link.title) }
                        }
                    }
                }
            }
        }
    }
}

fn assistance_list(entries: &[Item]) -> Markup {
    html! {
        ul.assistance {
            @for entry in entries {
                @if let Details::Link { url, phone, icon: glyph, .. } = &entry.details {
                    li {
                        (icon(glyph))
                        span.assistance-text {
                            a href=(url) { (entry.title) }
                            @if let Some(phone) = phone { " " strong.phone { (phone) } }
                            @if !entry.summary.is_empty() { span.assistance-desc { (entry.summary) } }
                        }
                    }
                }
            }
        }
    }
}

/// A filter chip row: `(label, href, current)`.
fn chips(label: &str, entries: &[(String, String, bool)]) -> Markup {
    html! {
        nav.chips aria-label=(label) {
            @for (text, href, current) in entries {
                a.chip href=(href) aria-current=[current.then_some("true")] { (text) }
            }
        }
    }
}

/// What a list page shows above its cards.
pub struct ListPage<'a> {
    pub title: &'a str,
    pub intro: &'a str,
    pub listing: &'a Listing,
    /// The list's own URL, with its filter (for pagination links).
    pub base: String,
    pub filters: Markup,
}

pub fn list(chrome: &Chrome, data: &ListPage) -> Markup {
    page(
        chrome,
        data.title,
        html! {
            h1 { (data.title) }
            @if !data.intro.is_empty() { p.intro { (data.intro) } }
            (data.filters)
            @if data.listing.items.is_empty() {
                p.empty { "Rien à afficher ici pour le moment." }
            }
            div.cards { @for item in &data.listing.items { (item_card(item, chrome)) } }
            (pagination(&data.base, data.listing.page, data.listing.has_more))
        },
    )
}

pub fn annonce_filters(current: Option<AnnonceCategory>) -> Markup {
    let mut entries = vec![(
        "Toutes".to_owned(),
        "/annonces".to_owned(),
        current.is_none(),
    )];
    for category in AnnonceCategory::ALL {
        entries.push((
            annonce_label(category).to_owned(),
            format!("/annonces?categorie={}", category.key()),
            current == Some(category),
        ));
    }
    chips("Catégories d'annonces", &entries)
}

pub fn job_filters(current: Option<JobKind>) -> Markup {
    let mut entries = vec![("Tout".to_owned(), "/emploi".to_owned(), current.is_none())];
    for kind in JobKind::ALL {
        entries.push((
            job_label(kind).to_owned(),
            format!("/emploi?type={}", kind.key()),
            current == Some(kind),
        ));
    }
    chips("Types d'offres", &entries)
}

pub fn item(chrome: &Chrome, item: &Item, can: &super::items::ItemActions) -> Markup {
    page(
        chrome,
        &item.title,
        super::items::item_page(item, chrome, can),
    )
}

/// The agenda over consecutive days.
pub struct AgendaPage<'a> {
    pub title: String,
    pub days: Vec<(Date, Vec<&'a Item>)>,
    pub prev: String,
    pub next: String,
    pub prev_label: &'a str,
    pub next_label: &'a str,
    /// Links to switch between week and day views.
    pub week_href: String,
    pub today_href: String,
}

pub fn agenda(chrome: &Chrome, data: &AgendaPage) -> Markup {
    let tz = chrome.tz();
    page(
        chrome,
        &data.title,
        html! {
            h1 { (data.title) }
            nav.agenda-nav aria-label="Naviguer dans l'agenda" {
                a.button rel="prev" href=(data.prev) { "← " (data.prev_label) }
                a.button href=(data.today_href) { "Aujourd'hui" }
                a.button href=(data.week_href) { "Semaine" }
                a.button rel="next" href=(data.next) { (data.next_label) " →" }
            }
            @for (day, events) in &data.days {
                section.agenda-day {
                    h2 {
                        a href=(format!("/agenda/jour/{day}")) {
                            (format::DAY_NAMES[day.weekday().to_monday_zero_offset() as usize]) " " (format::civil_date(*day))
                        }
                    }
                    @if events.is_empty() {
                        p.empty { "Rien de prévu." }
                    } @else {
                        ul.agenda-events {
                            @for event in events {
                                @if let Details::Event(details) = &event.details {
                                    li.agenda-event {
                                        span.agenda-time {
                                            @if details.all_day { "Journée" } @else { (format::time(details.start, tz)) }
                                        }
                                        span.agenda-what {
                                            a href=(item_url(event)) { (event.title) }
                                            @if !details.place.is_empty() { span.agenda-place { (icon("pin")) " " (details.place) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn page_tree(chrome: &Chrome, tree: &[PageNode]) -> Markup {
    fn branch(nodes: &[PageNode]) -> Markup {
        html! {
            ul.tree {
                @for node in nodes {
                    li {
                        a href=(item_url(&node.item)) { (node.item.title) }
                        @if !node.children.is_empty() { (branch(&node.children)) }
                    }
                }
            }
        }
    }
    page(
        chrome,
        "Infos pratiques",
        html! {
            h1 { "Infos pratiques" }
            p.intro { "Procédures internes, organisation des services, élus, représentants du personnel et accueil des nouveaux arrivants." }
            (branch(tree))
        },
    )
}

pub fn content_page(
    chrome: &Chrome,
    ancestors: &[Item],
    node: &PageNode,
    can: &super::items::ItemActions,
) -> Markup {
    let item = &node.item;
    page(
        chrome,
        &item.title,
        html! {
            article.item-page {
                nav.breadcrumb aria-label="Fil d'Ariane" {
                    a href="/" { "Accueil" } " › " a href="/pages" { "Infos pratiques" }
                    @for ancestor in ancestors { " › " a href=(item_url(ancestor)) { (ancestor.title) } }
                }
                h1 { (item.title) }
                (super::items::attachments(item))
                div.prose { (Markdown(&item.body)) }
                @if !node.children.is_empty() {
                    section.subpages aria-labelledby="titre-sous-pages" {
                        h2 #titre-sous-pages { "Dans cette rubrique" }
                        ul.tree { @for child in &node.children { li { a href=(item_url(&child.item)) { (child.item.title) } } } }
                    }
                }
                p.byline { "Mis à jour le " (format::date_long(item.updated, chrome.tz())) }
                (super::acknowledgements::ack_box(item, chrome, &can.acknowledgement))
                @if let Some(starred) = can.starred { (super::my_space::star_form(chrome, item, starred, &item_url(item))) }
                (super::items::actions(item, chrome, can))
            }
        },
    )
}

pub fn links(chrome: &Chrome, clic: &[Item], assistance: &[Item], editable: bool) -> Markup {
    page(
        chrome,
        "En 1 clic",
        html! {
            h1 { "En 1 clic" }
            p.intro { "Les outils, formulaires et sites utiles, et les numéros d'assistance." }
            (link_grid(clic))
            h2 { "Assistance" }
            (assistance_list(assistance))
            @if editable {
                details.manage-links {
                    summary { "Gérer les liens" }
                    p { a.button href="/publier?espace=liens" { "Ajouter un lien" } }
                    ul.compact {
                        @for link in clic.iter().chain(assistance) {
                            li { (link.title) " — " a href=(format!("/modifier/{}", link.id)) { "Modifier" } }
                        }
                    }
                }
            }
        },
    )
}

pub fn unions(chrome: &Chrome) -> Markup {
    page(
        chrome,
        "Syndicats",
        html! {
            h1 { "Espaces syndicaux" }
            p.intro { "Chaque organisation syndicale dispose de son espace, sous sa propre responsabilité éditoriale." }
            ul.union-list {
                @for (slug, name) in &chrome.site.unions {
                    li { a.button href=(format!("/syndicats/{slug}")) { (icon("flag")) span { (name) } } }
                }
            }
        },
    )
}

/// What went wrong, in words an agent understands.
pub fn error(chrome: &Chrome, status: u16, message: &str) -> Markup {
    let title = match status {
        404 => "Page introuvable",
        400 | 422 => "Demande incorrecte",
        403 => "Accès refusé",
        413 => "Fichier trop volumineux",
        503 => "Service momentanément indisponible",
        _ => "Une erreur est survenue",
    };
    page(
        chrome,
        title,
        html! {
            div.error-page {
                h1 { (title) }
                p { (message) }
                p { a.button.button-primary href="/" { "Revenir à l'accueil" } }
            }
        },
    )
}

/// The space's label, for titles built in handlers.
pub fn space_title(chrome: &Chrome, space: &crate::domain::Space) -> String {
    space_label(space, chrome)
}

/// The accessibility statement RGAA 4.1 asks for (déclaration d'accessibilité).
pub fn accessibility(chrome: &Chrome) -> Markup {
    let site = &chrome.site.name;
    page(
        chrome,
        "Déclaration d'accessibilité",
        html! {
            article.item-page {
                h1 { "Déclaration d'accessibilité" }
                div.prose {
                    p { (site) " s'engage à rendre son intranet accessible, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005." }
                    p { "Cette déclaration d'accessibilité s'applique à l'intranet des agents (kiosque), sur ordinateur, sur téléphone et sur les bornes tactiles." }
                    h2 { "État de conformité" }
                    p { "L'intranet est " strong { "partiellement conforme" } " avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1 : aucun audit complet n'a encore été réalisé." }
                    h2 { "Résultats des tests" }
                    p { "Chaque version est vérifiée automatiquement dans un vrai navigateur avec l'outil axe-core (règles WCAG 2.1 niveaux A et AA) sur la page de connexion, l'accueil, les listes, les articles, l'agenda, les pages pratiques et l'annuaire, à la taille d'un téléphone, d'une borne et d'un écran de bureau : aucune erreur n'y est relevée. Ces tests ne remplacent pas un audit." }
                    h2 { "Ce qui est fait pour vous" }
                    ul {
                        li { "Les pages se lisent sans JavaScript ; le texte s'agrandit jusqu'à 200 % sans perte de contenu." }
                        li { "Un lien « Aller au contenu » en début de page, des titres et des repères de navigation." }
                        li { "Des cibles tactiles d'au moins 48 pixels, un texte d'au moins 18 pixels, des contrastes renforcés." }
                        li { "Sur les bornes, la déconnexion automatique prévient 15 secondes avant et se prolonge d'une touche (« Je suis toujours là »)." }
                        li { "Chaque photo publiée porte une description pour les personnes malvoyantes." }
                    }
                    h2 { "Retour d'information et contact" }
                    p { "Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez l'assistance informatique (voir « En 1 clic ») pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme." }
                    h2 { "Voies de recours" }
                    p { "Si vous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un service et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez saisir le Défenseur des droits (par courrier gratuit, sans affranchissement : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07)." }
                }
            }
        },
    )
}
