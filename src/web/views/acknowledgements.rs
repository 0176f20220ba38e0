//! Read acknowledgements ("J'ai lu"): the box on an item's page, the home
//! page's block of notes still to read, and the follow-up page of the author.

use jiff::Timestamp;
use maud::{Markup, html};

use super::format;
use super::items::item_url;
use super::layout::{Chrome, csrf_field, page};
use crate::content::AcknowledgementReport;
use crate::domain::Item;

/// What an item's page shows about read acknowledgement.
#[derive(Debug, Default, Clone)]
pub struct AckBox {
    /// The viewer is asked to confirm reading.
    pub asked: bool,
    /// When they did.
    pub done: Option<Timestamp>,
    /// The viewer may ask for acknowledgement and follow it (author, managers).
    pub can_manage: bool,
}

/// The "J'ai lu" form for `item`; `back` is where to go afterwards.
pub fn confirm_form(chrome: &Chrome, item: &Item, back: &str) -> Markup {
    html! {
        form.inline-form method="post" action=(format!("/lu/{}", item.id)) {
            (csrf_field(chrome))
            input type="hidden" name="retour" value=(back);
            button.button.button-primary.ack-button type="submit" {
                "J'ai lu"
                span.visually-hidden { " « " (item.title) " »" }
            }
        }
    }
}

/// The box under an item: confirm reading, or when it was confirmed; the
/// author's link to the follow-up.
pub fn ack_box(item: &Item, chrome: &Chrome, data: &AckBox) -> Markup {
    html! {
        @if data.asked {
            section.ack-box aria-labelledby="titre-lecture" {
                h2 #titre-lecture { "Confirmation de lecture" }
                @if let Some(at) = data.done {
                    p role="status" { "✓ Vous avez confirmé votre lecture le " (format::date_long(at, chrome.tz())) "." }
                } @else {
                    p { "Cette note vous est adressée : merci de la lire, puis de confirmer votre lecture." }
                    (confirm_form(chrome, item, &item_url(item)))
                }
            }
        }
        @if data.can_manage {
            p.ack-manage {
                a.button href=(format!("/suivi-lecture/{}", item.id)) {
                    @if item.acknowledgement.is_some() { "Suivre les confirmations de lecture" } @else { "Demander une confirmation de lecture" }
                }
            }
        }
    }
}

/// The home page's personal part: notes the agent still has to confirm,
/// then questionnaires waiting for an answer.
pub fn personal_block(chrome: &Chrome, items: &[Item], surveys: usize, just_read: bool) -> Markup {
    html! {
        @if just_read { p.notice role="status" { "Merci : votre lecture est confirmée." } }
        (pending_block(chrome, items))
        @if surveys > 0 {
            p.notice.survey-waiting {
                a href="/questionnaires" {
                    @if surveys == 1 { "Un questionnaire attend votre réponse" } @else { (surveys) " questionnaires attendent votre réponse" }
                }
                "."
            }
        }
    }
}

/// The notes the agent still has to confirm.
pub fn pending_block(chrome: &Chrome, items: &[Item]) -> Markup {
    html! {
        @if !items.is_empty() {
            section.block.block-ack aria-labelledby="titre-a-lire" {
                h2 #titre-a-lire { "À lire et à confirmer (" (items.len()) ")" }
                ul.ack-list {
                    @for item in items {
                        li {
                            a href=(item_url(item)) { (item.title) }
                            " "
                            (confirm_form(chrome, item, "/"))
                        }
                    }
                }
            }
        }
    }
}

/// The follow-up page of a note: the audience form, who read, who has not.
pub struct AckFollowPage<'a> {
    pub item: &'a Item,
    pub report: Option<&'a AcknowledgementReport>,
    /// Every service and direction of the directory, for the audience form.
    pub units: &'a [String],
    /// What the form shows: everyone, or these units.
    pub everyone: bool,
    pub chosen: &'a [String],
    pub error: Option<&'a str>,
    pub message: Option<String>,
}

pub fn follow_page(chrome: &Chrome, data: &AckFollowPage) -> Markup {
    let item = data.item;
    let tz = chrome.tz();
    page(
        chrome,
        "Confirmations de lecture",
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" {
                a href="/" { "Accueil" } " › " a href=(item_url(item)) { (item.title) }
            }
            h1 { "Confirmations de lecture" }
            p { "Note : " a href=(item_url(item)) { (item.title) } }
            @if let Some(message) = &data.message { p.notice role="status" { (message) } }
            @if let Some(report) = data.report {
                section aria-labelledby="titre-bilan" {
                    h2 #titre-bilan { "Où en est-on ?" }
                    p.ack-summary {
                        strong { (report.read.len()) } " agent(s) ont confirmé leur lecture, "
                        strong { (report.unread.len()) } " ne l'ont pas encore fait."
                    }
                    @if !report.unread.is_empty() {
                        form method="post" action=(format!("/suivi-lecture/{}/relance", item.id)) {
                            (csrf_field(chrome))
                            button.button.button-primary type="submit" { "Envoyer un rappel aux " (report.unread.len()) " agent(s) qui n'ont pas lu" }
                        }
                    }
                    h3 #titre-pas-lu { "Pas encore lu" }
                    @if report.unread.is_empty() { p.empty { "Tout le monde a confirmé sa lecture." } }
                    @else {
                        table.ack-table aria-labelledby="titre-pas-lu" {
                            thead { tr { th scope="col" { "Agent" } th scope="col" { "Service" } } }
                            tbody { @for (name, service) in &report.unread { tr { td { (name) } td { (service) } } } }
                        }
                    }
                    h3 #titre-lu { "Lu" }
                    @if report.read.is_empty() { p.empty { "Personne n'a encore confirmé sa lecture." } }
                    @else {
                        table.ack-table aria-labelledby="titre-lu" {
                            thead { tr { th scope="col" { "Agent" } th scope="col" { "Service" } th scope="col" { "Confirmé le" } } }
                            tbody {
                                @for (name, service, at) in &report.read {
                                    tr { td { (name) } td { (service) } td { (format::date_long(*at, tz)) " à " (format::time(*at, tz)) } }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="titre-public" {
                h2 #titre-public { @if item.acknowledgement.is_some() { "Modifier la demande" } @else { "Demander une confirmation de lecture" } }
                @if let Some(error) = data.error { p.form-error role="alert" #erreur-public { (error) } }
                form.form-card method="post" action=(format!("/suivi-lecture/{}", item.id)) {
                    (csrf_field(chrome))
                    fieldset {
                        legend { "Qui doit confirmer sa lecture ?" }
                        label.checkbox {
                            input type="radio" name="public" value="tous" checked[data.everyone];
                            span { "Tous les agents" }
                        }
                        label.checkbox {
                            input type="radio" name="public" value="unites" checked[!data.everyone];
                            span { "Seulement les services ou directions cochés ci-dessous" }
                        }
                    }
                    (units_fieldset(data.units, data.chosen, data.error.is_some()))
                    div.form-actions {
                        button.button.button-primary type="submit" name="action" value="demander" { "Enregistrer la demande" }
                        @if item.acknowledgement.is_some() {
                            " "
                            button.button type="submit" name="action" value="retirer" { "Ne plus demander de confirmation" }
                        }
                    }
                }
            }
        },
    )
}

/// Checkboxes of services and directions (audiences of notes and surveys).
pub fn units_fieldset(units: &[String], chosen: &[String], invalid: bool) -> Markup {
    html! {
        fieldset.units aria-describedby=[invalid.then_some("erreur-public")] {
            legend { "Services et directions" }
            @if units.is_empty() { p.empty { "L'annuaire ne donne encore aucun service." } }
            div.unit-grid {
                @for (i, unit) in units.iter().enumerate() {
                    label.checkbox for=(format!("unite-{i}")) {
                        input #(format!("unite-{i}")) type="checkbox" name="unites" value=(unit) checked[chosen.contains(unit)];
                        span { (unit) }
                    }
                }
            }
        }
    }
}
