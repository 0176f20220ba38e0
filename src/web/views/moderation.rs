//! The moderation queue, "Mes publications" with notices, and the flux d'info.

use maud::{Markup, html};

use super::format;
use super::items::{item_card, item_url, media_url, space_label};
use super::layout::{Chrome, csrf_field, page};
use crate::domain::{Item, Status};
use crate::store::{Delivery, Notice, NoticeKind, OutboxEntry, Report, ReportKind};

pub fn status_label(status: &Status) -> &'static str {
    match status {
        Status::Draft => "Brouillon",
        Status::Pending => "En attente de validation",
        Status::Published => "Publié",
        Status::Rejected { .. } => "Refusé",
        Status::Archived => "Archivé",
        Status::Deleted => "Supprimé",
    }
}

pub fn queue(
    chrome: &Chrome,
    pending: &[Item],
    reports: &[(Report, Option<Item>)],
    message: Option<&str>,
) -> Markup {
    let tz = chrome.tz();
    page(
        chrome,
        "Modération",
        html! {
            h1 { "Modération" }
            @if let Some(message) = message { p.notice role="status" { (message) } }
            section aria-labelledby="titre-propositions" {
                h2 #titre-propositions { "Propositions à valider (" (pending.len()) ")" }
                @if pending.is_empty() { p.empty { "Aucune proposition en attente." } }
                @for item in pending {
                    article.card.moderation-card {
                        div.card-body {
                            p.card-meta { (space_label(&item.space, chrome)) " · proposé par " (item.author_name) " le " (format::date_long(item.updated, tz)) }
                            h3.card-title { a href=(item_url(item)) { (item.title) } }
                            @if !item.summary.is_empty() { p.card-summary { (item.summary) } }
                            form.inline-form method="post" action=(format!("/moderation/{}", item.id)) {
                                (csrf_field(chrome))
                                button.button.button-primary type="submit" name="decision" value="valider" { "Valider" }
                            }
                            form.inline-form method="post" action=(format!("/moderation/{}", item.id)) {
                                (csrf_field(chrome))
                                label for=(format!("motif-{}", item.id)) { "Motif du refus (montré à l'auteur)" }
                                input id=(format!("motif-{}", item.id)) name="motif" type="text" required;
                                button.button type="submit" name="decision" value="refuser" { "Refuser" }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="titre-signalements" {
                h2 #titre-signalements { "Signalements et demandes de retrait de photo (" (reports.len()) ")" }
                @if reports.is_empty() { p.empty { "Aucun signalement en cours." } }
                ul.reports {
                    @for (report, item) in reports {
                        li.report {
                            p.card-meta { "Le " (format::date_long(report.at, tz)) }
                            @if let Some(item) = item {
                                p { a href=(item_url(item)) { (item.title) } }
                            }
                            @match &report.kind {
                                ReportKind::Content { reason } => {
                                    p { "Motif : " (reason) }
                                    form.inline-form method="post" action=(format!("/moderation/signalement/{}", ulid::Ulid(report.id))) {
                                        (csrf_field(chrome))
                                        button.button type="submit" { "Classer le signalement" }
                                    }
                                    @if item.is_some() {
                                        form.inline-form method="post" action=(format!("/moderation/signalement/{}", ulid::Ulid(report.id))) {
                                            (csrf_field(chrome))
                                            button.button type="submit" name="decision" value="supprimer" { "Supprimer le contenu" }
                                        }
                                    }
                                }
                                ReportKind::Comment { comment, excerpt, reason } => {
                                    p { "Commentaire signalé : « " (excerpt) " »" }
                                    p { "Motif : " (reason) }
                                    @if let Some(item) = item {
                                        p { a href=(format!("{}#commentaire-{}", item_url(item), ulid::Ulid(*comment))) { "Voir le commentaire (vous pouvez le retirer sous l'article)" } }
                                    }
                                    form.inline-form method="post" action=(format!("/moderation/signalement/{}", ulid::Ulid(report.id))) {
                                        (csrf_field(chrome))
                                        button.button type="submit" { "Classer le signalement" }
                                    }
                                }
                                ReportKind::Photo { media } => {
                                    p { "Une personne indique figurer sur cette photo sans avoir donné son accord. La photo est masquée en attendant votre décision." }
                                    @if let Some(item) = item {
                                        @if let Some(m) = item.media.iter().find(|m| m.hash == *media) {
                                            img src=(media_url(m, true)) alt=(m.alt) width="240";
                                        }
                                        form.inline-form method="post" action=(format!("/moderation/photo/{}", item.id)) {
                                            (csrf_field(chrome))
                                            input type="hidden" name="photo" value=(media.to_hex());
                                            button.button.button-primary type="submit" name="decision" value="retirer" { "Retirer la photo" }
                                            button.button type="submit" name="decision" value="retablir" { "Rétablir la photo" }
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

pub fn notice_text(notice: &Notice) -> String {
    match &notice.kind {
        NoticeKind::Validated => format!("« {} » a été validé et publié.", notice.title),
        NoticeKind::Rejected { reason } => {
            format!("« {} » n'a pas été retenu : {reason}", notice.title)
        }
        NoticeKind::PhotoRemoved => format!(
            "Une photo de « {} » a été retirée par les webmestres.",
            notice.title
        ),
        NoticeKind::Removed => format!("« {} » a été retiré de l'intranet.", notice.title),
        NoticeKind::MatchingJob => format!(
            "Nouvelle offre pour votre profil : « {} » (rubrique Emploi et formation).",
            notice.title
        ),
        NoticeKind::ReadReminder => format!(
            "Rappel : merci de lire « {} » et de confirmer votre lecture avec le bouton « J'ai lu ».",
            notice.title
        ),
    }
}

/// What "Mes publications" shows.
pub struct MinePage<'a> {
    pub items: &'a [Item],
    /// `editable[i]` says whether `items[i]` may still be edited.
    pub editable: &'a [bool],
    pub notices: &'a [Notice],
    pub message: Option<&'a str>,
    /// On an edge: what this box still has to send, and what the hub answered.
    pub sent: Option<SentFromEdge<'a>>,
}

pub struct SentFromEdge<'a> {
    pub queued: &'a [OutboxEntry],
    pub answered: &'a [Delivery],
    /// Whether the hub answers right now.
    pub online: bool,
}

/// The writes made on this edge and what became of them.
fn sent_from_edge(sent: &SentFromEdge, chrome: &Chrome) -> Markup {
    let tz = chrome.tz();
    html! {
        @if !sent.queued.is_empty() || !sent.answered.is_empty() {
            section aria-labelledby="titre-envois" {
                h2 #titre-envois { "Envoyés depuis cet appareil" }
                ul.sent {
                    @for entry in sent.queued {
                        li {
                            strong { (entry.label) } " — "
                            @if sent.online {
                                span.status-pending { "envoi en cours" }
                            } @else {
                                span.status-pending { "en attente de connexion" }
                                " (il partira tout seul dès que la liaison avec l'intranet sera rétablie)"
                            }
                            br; span.hint { (format::date_long(entry.created, tz)) }
                        }
                    }
                    @for delivery in sent.answered {
                        li {
                            strong { (delivery.label) } " — "
                            @match &delivery.refused {
                                None if delivery.pending => span.status-sent { "envoyé, en attente de validation par les webmestres" },
                                None => span.status-sent { "envoyé" },
                                Some(reason) => span.status-refused { "refusé : " (reason) },
                            }
                            br; span.hint { (format::date_long(delivery.created, tz)) }
                        }
                    }
                }
            }
        }
    }
}

pub fn mine(chrome: &Chrome, page_data: &MinePage) -> Markup {
    let MinePage {
        items,
        editable,
        notices,
        message,
        sent,
    } = page_data;
    let (items, editable, notices, message) = (*items, *editable, *notices, *message);
    let tz = chrome.tz();
    page(
        chrome,
        "Mes publications",
        html! {
            h1 { "Mes publications" }
            @if let Some(message) = message { p.notice role="status" { (message) } }
            p { a.button.button-primary href="/publier" { "Publier ou proposer" } }
            @if let Some(sent) = sent { (sent_from_edge(sent, chrome)) }
            @if !notices.is_empty() {
                section aria-labelledby="titre-avis" {
                    h2 #titre-avis { "Avis" }
                    ul.notices { @for notice in notices { li { (format::date_long(notice.at, tz)) " — " (notice_text(notice)) } } }
                }
            }
            section aria-labelledby="titre-mes" {
                h2 #titre-mes { "Ce que j'ai publié ou proposé" }
                @if items.is_empty() { p.empty { "Vous n'avez encore rien publié." } }
                table.my-items {
                    thead { tr { th { "Titre" } th { "Espace" } th { "État" } th { "Mis à jour" } th { span.visually-hidden { "Actions" } } } }
                    tbody {
                        @for (item, can_edit) in items.iter().zip(editable.iter().chain(std::iter::repeat(&false))) {
                            tr {
                                td { a href=(item_url(item)) { (item.title) } }
                                td { (space_label(&item.space, chrome)) }
                                td.status {
                                    (status_label(&item.status))
                                    @if let Status::Rejected { reason } = &item.status { br; span.reason { "Motif : " (reason) } }
                                    @if let Some(expires) = item.expires_at {
                                        @if item.status == Status::Published { br; span.hint { "En ligne jusqu'au " (format::civil_date(expires.to_zoned_datetime(tz.clone()).date())) } }
                                    }
                                }
                                td { (format::date_long(item.updated, tz)) }
                                td { @if *can_edit { a href=(format!("/modifier/{}", item.id)) { "Modifier" } } }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn flux(chrome: &Chrome, items: &[Item]) -> Markup {
    page(
        chrome,
        "Flux d'info",
        html! {
            h1 { "Flux d'info" }
            p.intro { "Les dernières publications et mises à jour, tous espaces confondus." }
            @if items.is_empty() { p.empty { "Rien de neuf pour le moment." } }
            div.cards { @for item in items { (item_card(item, chrome)) } }
        },
    )
}

/// The status banner an author or a webmaster sees on an item not (yet) public.
pub fn status_banner(item: &Item) -> Markup {
    html! {
        @if item.status != Status::Published {
            p.notice.status-banner role="status" {
                (status_label(&item.status))
                @if let Status::Rejected { reason } = &item.status { " — motif : " (reason) }
            }
        }
    }
}
