//! Administration pages (IT service).

use maud::{Markup, html};

use super::format;
use super::layout::{Chrome, csrf_field, page};
use crate::domain::DeviceClass;
use crate::store::{AuditEntry, Charter};

pub struct AdminPage<'a> {
    pub message: Option<&'a str>,
    pub sessions: [(DeviceClass, usize); 3],
    pub people: u64,
    pub audit: &'a [AuditEntry],
}

fn device_label(device: DeviceClass) -> &'static str {
    match device {
        DeviceClass::Kiosk => "Bornes",
        DeviceClass::Shared => "Postes partagés",
        DeviceClass::Personal => "Appareils personnels",
    }
}

pub fn dashboard(chrome: &Chrome, data: &AdminPage) -> Markup {
    let tz = chrome.tz();
    page(
        chrome,
        "Administration",
        html! {
            h1 { "Administration" }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            section.block aria-labelledby="titre-sessions" {
                h2 #titre-sessions { "Sessions ouvertes" }
                ul.compact { @for (device, count) in data.sessions { li { (device_label(device)) " : " strong { (count) } } } }
                form.form-card method="post" action="/admin/sessions" {
                    (csrf_field(chrome))
                    label for="login-fin" { "Terminer toutes les sessions d'un agent (identifiant)" }
                    input #login-fin name="identifiant" type="text" required autocomplete="off" spellcheck="false";
                    button.button.button-primary type="submit" { "Terminer ses sessions" }
                }
            }
            section.block aria-labelledby="titre-annuaire" {
                h2 #titre-annuaire { "Annuaire" }
                p { (data.people) " agents dans l'annuaire." }
                form method="post" action="/admin/annuaire" {
                    (csrf_field(chrome))
                    button.button type="submit" { "Actualiser l'annuaire maintenant" }
                }
            }
            section.block aria-labelledby="titre-bornes" {
                h2 #titre-bornes { "Bornes et boîtiers" }
                p { a.button href="/admin/bornes" { "Voir les appareils et en enrôler un" } }
            }
            section.block aria-labelledby="titre-charte" {
                h2 #titre-charte { "Charte" }
                p { a.button href="/admin/charte" { "Modifier la charte" } }
            }
            section.block aria-labelledby="titre-journal" {
                h2 #titre-journal { "Journal des actions" }
                @if data.audit.is_empty() { p.empty { "Aucune action enregistrée." } }
                table.audit {
                    thead { tr { th { "Quand" } th { "Qui" } th { "Action" } th { "Sur" } } }
                    tbody {
                        @for entry in data.audit {
                            tr {
                                td { (format::date_long(entry.at, tz)) ", " (format::time(entry.at, tz)) }
                                td { (entry.actor) }
                                td { (entry.action) }
                                td { (entry.target) @if !entry.after.is_empty() { " → " (entry.after) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn charter_form(
    chrome: &Chrome,
    current: Option<&Charter>,
    error: Option<&str>,
    text: &str,
) -> Markup {
    page(
        chrome,
        "Modifier la charte",
        html! {
            h1 { "Modifier la charte" }
            @if let Some(current) = current {
                p { "Version en vigueur : " (current.version) ". Publier une nouvelle version demandera à chaque agent de l'accepter avant de continuer sa navigation." }
            }
            @if let Some(error) = error { p.form-error role="alert" { (error) } }
            form.form-card method="post" action="/admin/charte" {
                (csrf_field(chrome))
                label for="texte" { "Texte de la charte (Markdown)" }
                textarea #texte name="texte" rows="20" required { (text) }
                button.button.button-primary type="submit" { "Publier la nouvelle version" }
            }
        },
    )
}
