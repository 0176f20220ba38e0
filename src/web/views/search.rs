//! The search page (/recherche): the form with its filters, and the results
//! grouped by space with highlighted excerpts. The results part is also served
//! alone for search-as-you-type.

use maud::{Markup, html};

use super::format;
use super::icons::icon;
use super::items::{item_url, space_label};
use super::layout::{Chrome, page};
use super::people::person_url;
use crate::domain::{Space, Status};
use crate::search::{ANNUAIRE, Excerpt, Group, Hit, Results};

/// What the search page shows.
pub struct SearchPage<'a> {
    pub query: &'a str,
    /// The space filter (a space key or `annuaire`), empty for all.
    pub space: &'a str,
    /// The date filters as typed (AAAA-MM-JJ), empty when unset.
    pub from: &'a str,
    pub to: &'a str,
    /// None before anything was asked.
    pub results: Option<&'a Results>,
    /// Search-as-you-type is offered (personal devices).
    pub live: bool,
}

fn group_label(space: &str, chrome: &Chrome) -> String {
    if space == ANNUAIRE {
        return "Annuaire".into();
    }
    Space::from_key(space)
        .map(|s| space_label(&s, chrome))
        .unwrap_or_else(|| space.to_owned())
}

/// The spaces one may filter on: the town's, the unions', the annuaire.
fn space_options(chrome: &Chrome) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Space::FIXED
        .iter()
        .map(|s| (s.key(), space_label(s, chrome)))
        .collect();
    for (slug, name) in &chrome.site.unions {
        out.push((format!("syndicats/{slug}"), name.clone()));
    }
    out.push((ANNUAIRE.into(), "Annuaire".into()));
    out
}

/// An excerpt with its matches in `mark`: every piece goes through maud's
/// escaping, whatever the text holds.
pub fn excerpt(excerpt: &Excerpt) -> Markup {
    let text = &excerpt.text;
    let mut pieces: Vec<(&str, bool)> = Vec::new();
    let mut at = 0;
    for range in &excerpt.marks {
        let (Some(before), Some(marked)) = (text.get(at..range.start), text.get(range.clone()))
        else {
            continue;
        };
        pieces.push((before, false));
        pieces.push((marked, true));
        at = range.end;
    }
    pieces.push((text.get(at..).unwrap_or(""), false));
    html! {
        p.excerpt {
            @for (piece, marked) in pieces {
                @if marked { mark { (piece) } } @else { (piece) }
            }
        }
    }
}

fn more_href(data: &SearchPage, space: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("q", data.query);
    query.append_pair("espace", space);
    if !data.from.is_empty() {
        query.append_pair("du", data.from);
    }
    if !data.to.is_empty() {
        query.append_pair("au", data.to);
    }
    format!("/recherche?{}", query.finish())
}

fn hit(chrome: &Chrome, hit: &Hit) -> Markup {
    match hit {
        Hit::Item { item, excerpt: e } => html! {
            li.hit {
                a.hit-title href=(item_url(item)) { (item.title) }
                p.hit-meta {
                    (format::date_long(item.sort_time(), chrome.tz()))
                    @if item.status == Status::Pending {
                        " · " span.badge.badge-pending { "En attente de validation" }
                    }
                }
                (excerpt(e))
            }
        },
        Hit::Person { user, excerpt: e } => html! {
            li.hit.hit-person {
                a.hit-title href=(person_url(user)) { (icon("user")) " " (user.display_name()) }
                (excerpt(e))
            }
        },
    }
}

fn group(chrome: &Chrome, data: &SearchPage, group: &Group) -> Markup {
    let label = group_label(&group.space, chrome);
    html! {
        section.result-group aria-labelledby=(format!("groupe-{}", group.space.replace('/', "-"))) {
            h2 id=(format!("groupe-{}", group.space.replace('/', "-"))) {
                (label) " " span.count { "(" (group.total) ")" }
            }
            ol.hits {
                @for h in &group.hits { (hit(chrome, h)) }
            }
            @if group.total > group.hits.len() && data.space.is_empty() {
                p { a href=(more_href(data, &group.space)) { "Voir les " (group.total) " résultats dans « " (label) " »" } }
            }
        }
    }
}

/// The results region (also served alone to search-as-you-type).
pub fn results(chrome: &Chrome, data: &SearchPage) -> Markup {
    html! {
        div #resultats {
            @if let Some(results) = data.results {
                @if !results.complete {
                    p.notice { "L'index de recherche est en cours de construction : certains résultats peuvent encore manquer." }
                }
                p.result-count role="status" {
                    @match results.total {
                        0 => { "Aucun résultat pour « " (data.query) " ». Vérifiez l'orthographe ou essayez un autre mot." }
                        1 => { "1 résultat pour « " (data.query) " »." }
                        n => { (n) @if results.capped { " résultats ou plus" } @else { " résultats" } " pour « " (data.query) " »." }
                    }
                }
                @for g in &results.groups { (group(chrome, data, g)) }
            }
        }
    }
}

pub fn search(chrome: &Chrome, data: &SearchPage) -> Markup {
    let spaces = space_options(chrome);
    let title = if data.query.is_empty() {
        "Rechercher".to_owned()
    } else {
        format!("Recherche : {}", data.query)
    };
    page(
        chrome,
        &title,
        html! {
            h1 { "Rechercher dans l'intranet" }
            form.search-form.search-page method="get" action="/recherche" role="search" data-live=[data.live.then_some("1")] {
                label for="q" { "Mots recherchés" }
                div.search-row {
                    input #q type="search" name="q" value=(data.query) autocomplete="off" spellcheck="false" maxlength="200" aria-describedby="aide-recherche";
                    button.button.button-primary type="submit" { (icon("search")) span { "Rechercher" } }
                }
                p #aide-recherche .hint { "Accents et majuscules sont facultatifs. Mettez une expression entre guillemets pour la trouver telle quelle, par exemple \"congé maternité\"." }
                details.search-filters open[!data.space.is_empty() || !data.from.is_empty() || !data.to.is_empty()] {
                    summary { "Filtrer par espace ou par date" }
                    label for="espace" { "Espace" }
                    select #espace name="espace" {
                        option value="" selected[data.space.is_empty()] { "Tous les espaces" }
                        @for (key, label) in &spaces {
                            option value=(key) selected[key == data.space] { (label) }
                        }
                    }
                    label for="du" { "Publié ou prévu à partir du" }
                    input #du type="date" name="du" value=(data.from);
                    label for="au" { "jusqu'au" }
                    input #au type="date" name="au" value=(data.to);
                }
            }
            (results(chrome, data))
        },
    )
}
