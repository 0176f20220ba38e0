//! Items as cards in lists and as full pages, with the French labels of spaces,
//! kinds and categories.

use maud::{Markup, html};

use super::format::{self, Markdown, When};
use super::icons::icon;
use super::layout::Chrome;
use crate::domain::{AnnonceCategory, Details, Item, JobKind, Media, Space};

/// The URL of an item's page.
pub fn item_url(item: &Item) -> String {
    match &item.details {
        Details::Page { slug, .. } => format!("/pages/{slug}"),
        Details::Link { url, .. } => url.clone(),
        _ => format!("/{}/{}", item.space.key(), item.id),
    }
}

pub fn media_url(media: &Media, thumbnail: bool) -> String {
    match (thumbnail, media.thumbnail) {
        (true, Some(thumb)) => format!("/media/{}", thumb.to_hex()),
        _ => format!("/media/{}", media.hash.to_hex()),
    }
}

/// The French name of a space.
pub fn space_label(space: &Space, chrome: &Chrome) -> String {
    match space {
        Space::Actus => "Les Actus".into(),
        Space::Rh => "Espace RH".into(),
        Space::Agenda => "L'Agenda".into(),
        Space::Annonces => "Petites annonces".into(),
        Space::Emploi => "Emploi et formation".into(),
        Space::Pages => "Infos pratiques".into(),
        Space::Liens => "En 1 clic".into(),
        Space::Syndicat(slug) => chrome
            .site
            .unions
            .iter()
            .find(|(s, _)| s == slug.as_str())
            .map(|(_, name)| name.clone())
            .unwrap_or_else(|| "Syndicat".into()),
    }
}

pub fn annonce_label(category: AnnonceCategory) -> &'static str {
    match category {
        AnnonceCategory::Vente => "Vente",
        AnnonceCategory::Pret => "Prêt",
        AnnonceCategory::Don => "Don",
        AnnonceCategory::Echange => "Échange de services",
        AnnonceCategory::Covoiturage => "Covoiturage",
        AnnonceCategory::Evenement => "Sortie, événement",
    }
}

pub fn job_label(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Offre => "Offre d'emploi",
        JobKind::Formation => "Formation",
        JobKind::Concours => "Concours",
    }
}

/// The date line of an event: "mardi 2 décembre 2026, 9 h – 11 h".
pub fn event_when(item: &Item, chrome: &Chrome) -> Option<String> {
    let Details::Event(event) = &item.details else {
        return None;
    };
    let tz = chrome.tz();
    let day = format::date_long(event.start, tz);
    if event.all_day {
        return Some(format!("{day}, toute la journée"));
    }
    let same_day = event.start.to_zoned_datetime(tz.clone()).date()
        == event.end.to_zoned_datetime(tz.clone()).date();
    Some(if same_day {
        format!(
            "{day}, {} – {}",
            format::time(event.start, tz),
            format::time(event.end, tz)
        )
    } else {
        format!(
            "du {day}, {} au {}, {}",
            format::time(event.start, tz),
            format::date_long(event.end, tz),
            format::time(event.end, tz)
        )
    })
}

/// The small line above a card's title: category, date…
fn card_meta(item: &Item, chrome: &Chrome) -> Markup {
    let published = format::relative_day(item.published_time(), chrome.now, chrome.tz());
    html! {
        p.card-meta {
            @match &item.details {
                Details::Event(_) => {
                    (icon("calendar")) " " (event_when(item, chrome).unwrap_or_default())
                }
                Details::Annonce { category, price, .. } => {
                    span.badge { (annonce_label(*category)) }
                    @if let Some(price) = price { " " span.price { (price) } }
                    " · " (When { ts: item.published_time(), text: &published })
                }
                Details::Job(job) => {
                    span.badge { (job_label(job.kind)) }
                    " Catégorie " (job.category)
                    @if let Some(deadline) = job.deadline {
                        " · jusqu'au " (format::civil_date(deadline.to_zoned_datetime(chrome.tz().clone()).date()))
                    }
                }
                _ => { (When { ts: item.published_time(), text: &published }) }
            }
        }
    }
}

/// An item in a list: title link, meta line, summary, thumbnail.
pub fn item_card(item: &Item, chrome: &Chrome) -> Markup {
    let photo = item.visible_photos().next();
    html! {
        article.card.has-photo[photo.is_some()] {
            @if let Some(photo) = photo {
                img.card-photo src=(media_url(photo, true)) alt="" loading="lazy" width="480" height="320";
            }
            div.card-body {
                (card_meta(item, chrome))
                h3.card-title { a href=(item_url(item)) { (item.title) } }
                @if !item.summary.is_empty() {
                    p.card-summary { (item.summary) }
                }
                @if let Details::Event(event) = &item.details {
                    @if !event.place.is_empty() {
                        p.card-place { (icon("pin")) " " (event.place) }
                    }
                }
            }
        }
    }
}

/// What the viewer may do on an item's page (from the rights policy).
#[derive(Debug, Default, Clone)]
pub struct ItemActions {
    /// On a borne: the one-time link of this page for a phone (shown as a QR).
    pub continue_url: Option<String>,
    pub edit: bool,
    pub delete: bool,
    pub renew: bool,
    pub report: bool,
    pub photo_request: bool,
    /// The outcome of the last action, in French.
    pub message: Option<&'static str>,
    /// Read acknowledgement ("J'ai lu"), when it concerns the viewer.
    pub acknowledgement: super::acknowledgements::AckBox,
    /// Whether the viewer starred it ("Mon espace"); None: no star offered.
    pub starred: Option<bool>,
    /// Comments (actus and events).
    pub comments: Option<super::comments::CommentsBox>,
}

pub fn actions(item: &Item, chrome: &Chrome, can: &ItemActions) -> Markup {
    html! {
        @if can.edit || can.delete || can.renew {
            div.item-actions {
                @if can.edit { a.button href=(format!("/modifier/{}", item.id)) { "Modifier" } }
                @if can.renew {
                    form.inline-form method="post" action=(format!("/renouveler/{}", item.id)) {
                        (super::layout::csrf_field(chrome))
                        button.button type="submit" { "Renouveler pour 30 jours" }
                    }
                }
                @if can.delete {
                    form.inline-form method="post" action=(format!("/supprimer/{}", item.id)) {
                        (super::layout::csrf_field(chrome))
                        button.button type="submit" { @if item.author == chrome.user.map(|u| u.login.clone()).unwrap_or_else(|| crate::domain::Login::new("")) { "Retirer" } @else { "Supprimer" } }
                    }
                }
            }
        }
        @if can.report {
            details.report-form {
                summary { "Signaler ce contenu" }
                form method="post" action=(format!("/signaler/{}", item.id)) {
                    (super::layout::csrf_field(chrome))
                    label for="motif" { "Qu'est-ce qui ne va pas ?" }
                    textarea #motif name="motif" rows="3" required {}
                    button.button type="submit" { "Envoyer aux webmestres" }
                }
            }
        }
    }
}

/// An item's visible photos and its documents.
pub fn attachments(item: &Item) -> Markup {
    html! {
        @for photo in item.visible_photos() {
            figure.photo { img src=(media_url(photo, false)) alt=(photo.alt) width=(photo.width) height=(photo.height); }
        }
        @if item.documents().next().is_some() {
            ul.documents {
                @for doc in item.documents() {
                    li { a href=(media_url(doc, false)) download=(doc.name) { (super::icons::icon("file")) " " (doc.name) } }
                }
            }
        }
    }
}

/// The main part of an item's own page.
pub fn item_page(item: &Item, chrome: &Chrome, can: &ItemActions) -> Markup {
    let tz = chrome.tz();
    let space_href = format!("/{}", item.space.key());
    html! {
        article.item-page {
            nav.breadcrumb aria-label="Fil d'Ariane" {
                a href="/" { "Accueil" } " › " a href=(space_href) { (space_label(&item.space, chrome)) }
            }
            @if let Some(message) = can.message { p.notice role="status" { (message) } }
            (super::moderation::status_banner(item))
            h1 { (item.title) }
            // For events the "Quand" row below says it all.
            @if !matches!(item.details, Details::Event(_)) { (card_meta(item, chrome)) }
            @match &item.details {
                Details::Event(event) => {
                    dl.facts {
                        dt { "Quand" } dd { (event_when(item, chrome).unwrap_or_default()) }
                        @if !event.place.is_empty() { dt { "Où" } dd { (event.place) } }
                    }
                    @if item.status == crate::domain::Status::Published && chrome.device != crate::domain::DeviceClass::Kiosk {
                        p { a.button.add-to-calendar href=(format!("/ics/{}", item.id)) download { (icon("calendar")) " Ajouter à mon agenda" } }
                    }
                }
                Details::Annonce { category, price, contact } => {
                    dl.facts {
                        dt { "Catégorie" } dd { (annonce_label(*category)) }
                        @if let Some(price) = price { dt { "Prix" } dd { (price) } }
                        dt { "Contact" } dd { (contact) }
                        @if let Some(expires) = item.expires_at {
                            dt { "En ligne jusqu'au" } dd { (format::date_long(expires, tz)) }
                        }
                    }
                }
                Details::Job(job) => {
                    dl.facts {
                        dt { "Type" } dd { (job_label(job.kind)) }
                        dt { "Service" } dd { (job.service) }
                        dt { "Catégorie" } dd { (job.category) }
                        @if !job.filiere.is_empty() { dt { "Filière" } dd { (job.filiere) } }
                        @if let Some(deadline) = job.deadline {
                            dt { "Date limite" } dd { (format::date_long(deadline, tz)) }
                        }
                    }
                }
                _ => {}
            }
            @for photo in item.visible_photos() {
                figure.photo {
                    img src=(media_url(photo, false)) alt=(photo.alt) width=(photo.width) height=(photo.height);
                    @if can.photo_request {
                        figcaption {
                            form.inline-form method="post" action=(format!("/photo-retrait/{}", item.id)) {
                                (super::layout::csrf_field(chrome))
                                input type="hidden" name="photo" value=(photo.hash.to_hex());
                                button.link-button type="submit" { "Je suis sur cette photo et je n'ai pas donné mon accord" }
                            }
                        }
                    }
                }
            }
            div.prose { (Markdown(&item.body)) }
            @if item.documents().next().is_some() {
                ul.documents {
                    @for doc in item.documents() {
                        li { a href=(media_url(doc, false)) download=(doc.name) { (super::icons::icon("file")) " " (doc.name) } }
                    }
                }
            }
            p.byline {
                "Publié par " (item.author_name)
                " le " (format::date_long(item.published_time(), tz))
                @if item.updated > item.published_time() + jiff::SignedDuration::from_mins(5) {
                    " · mis à jour le " (format::date_long(item.updated, tz))
                }
            }
            (super::acknowledgements::ack_box(item, chrome, &can.acknowledgement))
            @if let Some(starred) = can.starred { (super::my_space::star_form(chrome, item, starred, &item_url(item))) }
            (actions(item, chrome, can))
            @if let Some(comments) = &can.comments { (super::comments::comments_section(item, chrome, comments)) }
            @if chrome.device == crate::domain::DeviceClass::Kiosk && item.status == crate::domain::Status::Published {
                (super::handoff::continue_box(chrome, &item_url(item), can.continue_url.as_deref()))
            }
        }
    }
}
