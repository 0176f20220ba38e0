//! "Bornes et boîtiers": the hub's list of edges and enrollment invites, or
//! an edge's own link to its hub.

use jiff::Timestamp;
use maud::{Markup, html};

use super::format;
use super::layout::{Chrome, csrf_field, page};
use crate::store::{EdgeKind, EdgeRecord, Invite};

/// The hub's page.
pub struct HubEdgesPage<'a> {
    pub edges: &'a [EdgeRecord],
    pub invites: &'a [Invite],
    /// The hub's last change-log seq (to show each edge's lag).
    pub head: u64,
    /// A code just made, shown once.
    pub new_code: Option<(&'a str, &'a Invite)>,
    pub message: Option<&'a str>,
    /// The federation URL edges enroll with (from the listener), if on.
    pub federation_on: bool,
}

/// An edge's page about its hub.
pub struct EdgeLinkPage<'a> {
    pub name: &'a str,
    pub place: &'a str,
    pub id: &'a str,
    pub hub: &'a str,
    pub online: bool,
    pub revoked: bool,
    pub last_contact: Option<Timestamp>,
    pub cursor: u64,
    pub head: u64,
    pub outbox: u64,
}

fn kind_label(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Borne => "Borne",
        EdgeKind::ServiceBox => "Boîtier de service",
    }
}

fn when(at: Option<Timestamp>, chrome: &Chrome) -> String {
    match at {
        Some(at) => format!(
            "{} à {}",
            format::date_long(at, chrome.tz()),
            format::time(at, chrome.tz())
        ),
        None => "jamais".into(),
    }
}

pub fn hub_edges(chrome: &Chrome, data: &HubEdgesPage) -> Markup {
    page(
        chrome,
        "Bornes et boîtiers",
        html! {
            h1 { "Bornes et boîtiers" }
            p { a href="/admin" { "← Administration" } }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            @if !data.federation_on {
                p.notice { "La fédération n'est pas activée sur ce serveur : indiquez " code { "listen" } " dans la section " code { "[federation]" } " de la configuration (voir le guide d'administration)." }
            }
            @if let Some((code, invite)) = data.new_code {
                section.block.new-code aria-labelledby="titre-code" {
                    h2 #titre-code { "Code d'enrôlement pour « " (invite.name) " »" }
                    p.enroll-code { code { (code) } }
                    p { "Ce code ne sera plus affiché. Il sert une seule fois, jusqu'au " (when(Some(invite.expires), chrome)) ". Sur l'appareil, lancez :" }
                    pre { "kiosque enroll <adresse de fédération du serveur> " (code) }
                }
            }
            section.block aria-labelledby="titre-appareils" {
                h2 #titre-appareils { "Appareils enrôlés" }
                @if data.edges.is_empty() { p.empty { "Aucun appareil enrôlé." } }
                @else {
                    table.edges {
                        thead { tr { th { "Nom" } th { "Lieu" } th { "Type" } th { "Dernier contact" } th { "Retard" } th { "Version" } th { span.visually-hidden { "Actions" } } } }
                        tbody {
                            @for edge in data.edges {
                                tr {
                                    td { (edge.name) br; span.hint { (edge.id) } }
                                    td { (edge.place) }
                                    td { (kind_label(edge.kind)) }
                                    td { (when(edge.last_contact, chrome)) }
                                    td { @if edge.revoked.is_some() { "—" } @else { (data.head.saturating_sub(edge.cursor)) " changement(s)" } }
                                    td { (edge.version) }
                                    td {
                                        @if let Some(at) = edge.revoked {
                                            "Révoqué le " (format::date_long(at, chrome.tz()))
                                        } @else {
                                            form method="post" action=(format!("/admin/bornes/{}/revoquer", edge.id)) {
                                                (csrf_field(chrome))
                                                button.button type="submit" { "Révoquer " span.visually-hidden { (edge.name) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.block aria-labelledby="titre-invitation" {
                h2 #titre-invitation { "Enrôler un nouvel appareil" }
                form.form-card method="post" action="/admin/bornes/invitation" {
                    (csrf_field(chrome))
                    label for="edge-nom" { "Nom" }
                    input #edge-nom name="nom" type="text" required maxlength="80" autocomplete="off";
                    label for="edge-lieu" { "Lieu (salle, bâtiment)" }
                    input #edge-lieu name="lieu" type="text" maxlength="120" autocomplete="off";
                    fieldset {
                        legend { "Type d'appareil" }
                        label { input type="radio" name="type" value="borne" checked; " Borne tactile" }
                        label { input type="radio" name="type" value="boitier"; " Boîtier de service" }
                    }
                    button.button.button-primary type="submit" { "Créer un code d'enrôlement" }
                }
            }
            @if !data.invites.is_empty() {
                section.block aria-labelledby="titre-invitations" {
                    h2 #titre-invitations { "Codes créés" }
                    ul.compact {
                        @for invite in data.invites {
                            li {
                                (invite.name) " — créé le " (format::date_long(invite.created, chrome.tz())) " — "
                                @match &invite.used {
                                    Some((at, edge)) => { "utilisé le " (format::date_long(*at, chrome.tz())) " (" (edge) ")" }
                                    None if chrome.now > invite.expires => "expiré",
                                    None => { "valable jusqu'au " (format::date_long(invite.expires, chrome.tz())) },
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn edge_link(chrome: &Chrome, data: &EdgeLinkPage) -> Markup {
    page(
        chrome,
        "Liaison avec l'intranet principal",
        html! {
            h1 { "Liaison avec l'intranet principal" }
            p { a href="/admin" { "← Administration" } }
            dl.facts {
                dt { "Cet appareil" } dd { (data.name) @if !data.place.is_empty() { " — " (data.place) } br; span.hint { (data.id) } }
                dt { "Serveur principal" } dd { code { (data.hub) } }
                dt { "État" } dd {
                    @if data.revoked { strong { "Révoqué par le serveur principal : enrôlez cet appareil à nouveau." } }
                    @else if data.online { "Connecté" } @else { strong { "Injoignable" } " — la copie locale reste consultable." }
                }
                dt { "Dernier contact" } dd { (when(data.last_contact, chrome)) }
                dt { "Copie locale" } dd {
                    @if data.head > data.cursor {
                        "Mise à jour en cours : " (data.cursor) " / " (data.head) " ("
                        (data.cursor * 100 / data.head.max(1)) " %)"
                    } @else { "À jour (" (data.cursor) ")" }
                }
                dt { "Envois en attente" } dd { (data.outbox) }
            }
        },
    )
}
