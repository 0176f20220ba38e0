//! The page frame: header, navigation, main, footer. Every page goes through
//! [`page`], so every page has the same landmarks, skip link and assets.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::icons::icon;
use crate::domain::{DeviceClass, Role, User};

/// Which part of the site a page belongs to (highlights the menu entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Home,
    Actus,
    Rh,
    Agenda,
    Annonces,
    Emploi,
    Pages,
    Liens,
    Syndicats,
    Annuaire,
    Search,
    Other,
}

/// What every page needs to know about the site, computed once at start.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub demo: bool,
    pub css_url: String,
    pub js_url: String,
    pub icon_url: String,
    /// Borne-only styles and script (idle screen, countdown, keyboard).
    pub kiosk_css_url: String,
    pub kiosk_js_url: String,
    pub tz: TimeZone,
    /// Union spaces: slug and name.
    pub unions: Vec<(String, String)>,
    /// The borne's name and place, shown on kiosk pages.
    pub kiosk_name: String,
    pub kiosk_place: String,
    /// The kiosk idle limit, for the page's countdown.
    pub kiosk_idle_seconds: u64,
}

/// The per-request frame context.
#[derive(Debug, Clone, Copy)]
pub struct Chrome<'a> {
    pub site: &'a Site,
    pub section: Section,
    pub now: Timestamp,
    /// The signed-in agent, if any.
    pub user: Option<&'a User>,
    /// The session's form token, echoed by every form.
    pub csrf: Option<&'a str>,
    pub device: DeviceClass,
    /// For webmasters: the number of proposals waiting.
    pub pending: Option<usize>,
    /// On an edge that cannot reach its hub: when it last did.
    pub offline: Option<Offline>,
    /// The page is answered in parts (`web::joined`): mark where the agent's
    /// own text starts and ends.
    pub parts: bool,
}

/// The edge serves its own copy because the hub does not answer.
#[derive(Clone, Copy, Debug)]
pub struct Offline {
    pub last_contact: Option<Timestamp>,
}

impl Chrome<'_> {
    pub fn tz(&self) -> &TimeZone {
        &self.site.tz
    }

    /// Around the agent's own text, in a page answered in parts: `own(true)`
    /// before it, `own(false)` after it; nothing in other pages.
    pub fn own(&self, starts: bool) -> PreEscaped<&'static str> {
        use crate::web::joined::{OWN, SAME};
        PreEscaped(match (self.parts, starts) {
            (false, _) => "",
            (true, true) => OWN,
            (true, false) => SAME,
        })
    }
}

const MENU: [(Section, &str, &str, &str); 9] = [
    (Section::Actus, "/actus", "Les Actus", "news"),
    (Section::Rh, "/rh", "Espace RH", "users"),
    (Section::Agenda, "/agenda", "L'Agenda", "calendar"),
    (Section::Annonces, "/annonces", "Petites annonces", "tag"),
    (
        Section::Emploi,
        "/emploi",
        "Emploi et formation",
        "briefcase",
    ),
    (Section::Pages, "/pages", "Infos pratiques", "book"),
    (Section::Liens, "/liens", "En 1 clic", "link"),
    (Section::Syndicats, "/syndicats", "Syndicats", "flag"),
    (Section::Annuaire, "/annuaire", "Annuaire", "phone"),
];

/// A whole HTML page around `main`.
pub fn page(chrome: &Chrome, title: &str, main: Markup) -> Markup {
    let site = chrome.site;
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light";
                title { (title) " — " (site.name) }
                link rel="icon" href=(site.icon_url) type="image/svg+xml";
                link rel="stylesheet" href=(site.css_url);
                script src=(site.js_url) defer {}
                @if chrome.device == DeviceClass::Kiosk {
                    link rel="stylesheet" href=(site.kiosk_css_url);
                    script src=(site.kiosk_js_url) defer {}
                }
            }
            body data-device=(chrome.device.key())
                data-idle=[(chrome.device == DeviceClass::Kiosk && chrome.user.is_some()).then_some(site.kiosk_idle_seconds)] {
                a.skip href="#contenu" { "Aller au contenu" }
                @if chrome.device == DeviceClass::Kiosk {
                    p.kiosk-place { (site.kiosk_name) @if !site.kiosk_place.is_empty() { " — " (site.kiosk_place) } }
                }
                header.site-header {
                    a.brand href="/" {
                        span.brand-mark aria-hidden="true" { (icon("home")) }
                        span.brand-text {
                            span.brand-name { (site.name) }
                            span.brand-sub { "Intranet des agents" }
                        }
                    }
                    div.header-actions {
                        (chrome.own(true))
                        @if let Some(user) = chrome.user {
                            a.header-user href="/compte" title="Mon compte" { (icon("user")) span { (user.given_name) " " (user.surname) } }
                            a.button href="/mon-espace" { (icon("heart")) span { "Mon espace" } }
                            a.button href="/mes-publications" { (icon("news")) span { "Mes publications" } }
                            @if let Some(pending) = chrome.pending {
                                a.button.queue-count href="/moderation" { (icon("flag")) span { "Modération" } span.badge aria-label=(format!("{pending} en attente")) { (pending) } }
                            }
                            @if user.has(&Role::Admin) {
                                a.button href="/admin" { (icon("tool")) span { "Administration" } }
                            }
                            form.logout method="post" action="/deconnexion" {
                                (csrf_field(chrome))
                                button.button.button-primary type="submit" { (icon("key")) span { "Se déconnecter" } }
                            }
                        } @else {
                            a.button.button-primary href="/connexion" { (icon("user")) span { "Se connecter" } }
                        }
                        (chrome.own(false))
                    }
                }
                @if chrome.user.is_some() && chrome.section != Section::Search {
                    form.header-search method="get" action="/recherche" role="search" {
                        label.visually-hidden for="recherche-rapide" { "Rechercher dans l'intranet" }
                        input #recherche-rapide type="search" name="q" placeholder="Rechercher : congés, cantine, un collègue…" autocomplete="off" spellcheck="false" maxlength="200";
                        button.button type="submit" { (icon("search")) span { "Rechercher" } }
                    }
                }
                @if chrome.user.is_some() {
                nav.site-nav aria-label="Menu principal" {
                    ul {
                        li { a href="/" aria-current=[(chrome.section == Section::Home).then_some("page")] { (icon("home")) span { "Accueil" } } }
                        @for (section, href, label, glyph) in MENU {
                            li { a href=(href) aria-current=[(chrome.section == section).then_some("page")] { (icon(glyph)) span { (label) } } }
                        }
                    }
                }
                }
                @if let Some(offline) = chrome.offline {
                    p.offline-notice role="status" {
                        "Liaison avec l'intranet principal interrompue : vous consultez la copie enregistrée sur cet appareil"
                        @if let Some(at) = offline.last_contact { " (mise à jour " (super::format::date_long(at, chrome.tz())) ")" }
                        ". Vos envois partiront dès son retour."
                    }
                }
                main #contenu tabindex="-1" { (main) }
                footer.site-footer {
                    p { (site.name) " — intranet réservé aux agents de la collectivité." }
                    p { a href="/charte" { "Charte de l'intranet" } " · " a href="/flux" { "Flux d'info" } " · " a href="/questionnaires" { "Questionnaires" } " · " a href="/echanges" { "Espaces d'échange" } " · " a href="/liens" { "Assistance" } " · " a href="/accessibilite" { "Accessibilité : partiellement conforme" } }
                    @if site.demo {
                        p.demo-note { "Démonstration : les personnes et les contenus sont fictifs." }
                    }
                }
            }
        }
    }
}

/// The hidden CSRF field every form of a signed-in page carries.
pub fn csrf_field(chrome: &Chrome) -> Markup {
    html! {
        @if let Some(token) = chrome.csrf {
            input type="hidden" name="csrf" value=(token);
        }
    }
}

/// "Précédent / Page n / Suivant" links for a paginated list at `base`
/// (which may already carry a query string).
pub fn pagination(base: &str, page: usize, has_more: bool) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    let link = |n: usize| {
        if n == 1 {
            base.to_owned()
        } else {
            format!("{base}{sep}page={n}")
        }
    };
    html! {
        @if page > 1 || has_more {
            nav.pagination aria-label="Pages" {
                @if page > 1 {
                    a.button rel="prev" href=(link(page - 1)) { "← Précédent" }
                }
                span.page-number aria-current="page" { "Page " (page) }
                @if has_more {
                    a.button rel="next" href=(link(page + 1)) { "Suivant →" }
                }
            }
        }
    }
}
