//! The unions' pages: a union's space with the agent's own subscription, the
//! subscriber list and the messages page (that union's editors only), and the
//! one-click unsubscribe confirmation (no sign-in needed).

use jiff::Timestamp;
use maud::{Markup, html};

use super::format;
use super::items::item_card;
use super::layout::{Chrome, csrf_field, page, pagination};
use crate::content::Listing;
use crate::domain::mailing::{DeliveryCounts, UnionMessage};

/// The union as its pages show it.
#[derive(Debug, Clone)]
pub struct UnionHeader<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub has_logo: bool,
}

/// The agent's own subscription, as far as this box knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscription {
    Subscribed,
    NotSubscribed,
    /// On an edge: the request went to the main intranet, whose state this
    /// box does not know.
    RequestSent {
        subscribe: bool,
    },
    /// On an edge, before any request: both buttons.
    Unknown,
}

#[derive(Debug)]
pub struct UnionPage<'a> {
    pub union: UnionHeader<'a>,
    pub listing: &'a Listing,
    pub base: &'a str,
    pub subscription: Subscription,
    /// The visitor edits this union: links to the list and the messages.
    pub editor: bool,
}

fn breadcrumb(union: Option<&UnionHeader>) -> Markup {
    html! {
        nav.breadcrumb aria-label="Fil d'Ariane" {
            a href="/" { "Accueil" } " › " a href="/syndicats" { "Syndicats" }
            @if let Some(union) = union {
                " › " a href=(format!("/syndicats/{}", union.slug)) { (union.name) }
            }
        }
    }
}

fn heading(union: &UnionHeader) -> Markup {
    html! {
        div.union-heading {
            @if union.has_logo {
                img.union-logo src=(format!("/syndicats/{}/logo", union.slug)) alt=(format!("Logo de {}", union.name)) width="96";
            }
            h1 { (union.name) }
        }
    }
}

/// The subscribe / unsubscribe box: one tap, state shown to this agent only.
fn subscription_box(chrome: &Chrome, union: &UnionHeader, state: Subscription) -> Markup {
    let action = format!("/syndicats/{}/abonnement", union.slug);
    let button = |subscribe: bool| {
        html! {
            form.inline-form method="post" action=(action) {
                (csrf_field(chrome))
                input type="hidden" name="abonner" value=(if subscribe { "oui" } else { "non" });
                @if subscribe {
                    button.button.button-primary type="submit" { "M'abonner à la liste de diffusion" }
                } @else {
                    button.button type="submit" { "Me désabonner" }
                }
            }
        }
    };
    html! {
        section.block #abonnement aria-labelledby="titre-abonnement" {
            h2 #titre-abonnement { "Liste de diffusion" }
            p {
                "Abonnez-vous pour recevoir par courriel les messages de " (union.name)
                ". Vous pouvez vous désabonner à tout moment, ici ou par le lien présent dans chaque message. "
                "Ni l'administration ni les autres syndicats ne peuvent voir qui est abonné."
            }
            @match state {
                Subscription::Subscribed => {
                    p.subscription-state role="status" { strong { "Vous êtes abonné(e)." } }
                    (button(false))
                }
                Subscription::NotSubscribed => {
                    p.subscription-state role="status" { "Vous n'êtes pas abonné(e)." }
                    (button(true))
                }
                Subscription::RequestSent { subscribe } => {
                    p.subscription-state role="status" {
                        strong { "Demande envoyée." }
                        @if subscribe { " Votre abonnement sera enregistré par l'intranet principal." }
                        @else { " Votre désabonnement sera enregistré par l'intranet principal." }
                    }
                }
                Subscription::Unknown => {
                    p { "Sur cet appareil, votre choix est transmis à l'intranet principal." }
                    (button(true)) " " (button(false))
                }
            }
        }
    }
}

pub fn union_space(chrome: &Chrome, data: &UnionPage) -> Markup {
    let union = &data.union;
    page(
        chrome,
        union.name,
        html! {
            (breadcrumb(None))
            (heading(union))
            @if !union.description.is_empty() { p.intro { (union.description) } }
            p.notice { "Cet espace est publié sous la responsabilité de l'organisation syndicale." }
            @if chrome.user.is_some() {
                (subscription_box(chrome, union, data.subscription))
            }
            @if data.editor {
                p.editor-links {
                    a.button href=(format!("/publier?espace=syndicats/{}", union.slug)) { "Publier dans cet espace" }
                    " "
                    a.button href=(format!("/syndicats/{}/messages", union.slug)) { "Écrire aux abonnés" }
                    " "
                    a.button href=(format!("/syndicats/{}/abonnes", union.slug)) { "Liste des abonnés" }
                }
            }
            @if data.listing.items.is_empty() { p.empty { "Aucune publication pour le moment." } }
            div.cards { @for item in &data.listing.items { (item_card(item, chrome)) } }
            (pagination(data.base, data.listing.page, data.listing.has_more))
        },
    )
}

/// A subscriber as the union's editors see them.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub name: String,
    pub service: String,
    pub since: Timestamp,
}

pub fn subscribers(chrome: &Chrome, union: &UnionHeader, list: &[Subscriber]) -> Markup {
    let tz = chrome.tz();
    page(
        chrome,
        &format!("Abonnés — {}", union.name),
        html! {
            (breadcrumb(Some(union)))
            h1 { "Abonnés de la liste de " (union.name) }
            p.notice {
                "Cette liste est confidentielle : seuls les responsables de " (union.name)
                " la voient. Ne la communiquez pas."
            }
            @if list.is_empty() {
                p.empty { "Personne n'est abonné pour le moment." }
            } @else {
                table.subscribers {
                    thead { tr { th scope="col" { "Nom" } th scope="col" { "Service" } th scope="col" { "Abonné(e) depuis le" } } }
                    tbody {
                        @for s in list {
                            tr { td { (s.name) } td { (s.service) } td { (format::date_long(s.since, tz)) } }
                        }
                    }
                }
            }
            p { a.button href=(format!("/syndicats/{}/messages", union.slug)) { "Écrire aux abonnés" } }
        },
    )
}

/// What the editor typed (kept when the form is refused).
#[derive(Debug, Clone, Default)]
pub struct MessageForm {
    pub subject: String,
    pub body: String,
}

#[derive(Debug)]
pub struct MessagesPage<'a> {
    pub union: UnionHeader<'a>,
    pub messages: &'a [(UnionMessage, DeliveryCounts)],
    pub form: MessageForm,
    pub error: Option<&'static str>,
    /// A message was just queued.
    pub queued: bool,
    /// False when no SMTP server is configured: messages wait.
    pub sending_configured: bool,
}

fn delivery_state(counts: &DeliveryCounts) -> String {
    let mut parts = Vec::new();
    if counts.queued > 0 {
        parts.push(format!("{} en attente d'envoi", counts.queued));
    }
    parts.push(match counts.sent {
        0 => "aucun envoyé".to_owned(),
        1 => "1 envoyé".to_owned(),
        n => format!("{n} envoyés"),
    });
    if counts.cancelled > 0 {
        parts.push(match counts.cancelled {
            1 => "1 non envoyé (désabonné entre-temps)".to_owned(),
            n => format!("{n} non envoyés (désabonnés entre-temps)"),
        });
    }
    if counts.failed > 0 {
        parts.push(match counts.failed {
            1 => "1 en échec".to_owned(),
            n => format!("{n} en échec"),
        });
    }
    parts.join(" · ")
}

pub fn messages(chrome: &Chrome, data: &MessagesPage) -> Markup {
    let union = &data.union;
    let tz = chrome.tz();
    page(
        chrome,
        &format!("Messages — {}", union.name),
        html! {
            (breadcrumb(Some(union)))
            h1 { "Écrire aux abonnés de " (union.name) }
            @if data.queued {
                p.notice role="status" { "Votre message est enregistré : il part vers chaque abonné, un courriel par personne." }
            }
            @if !data.sending_configured {
                p.notice { "L'envoi des courriels n'est pas encore configuré sur cet intranet : vos messages attendent et partiront dès qu'il le sera." }
            }
            p {
                "Chaque abonné reçoit son propre courriel (aucun ne voit les autres), dont l'objet commence par « [Syndical — "
                (union.name) "] » et qui se termine par un rappel de son droit de refuser ces messages, avec un lien de désabonnement en un clic."
            }
            @if let Some(error) = data.error {
                p.form-error role="alert" { (error) }
            }
            form.editor-form method="post" action=(format!("/syndicats/{}/messages", union.slug)) autocomplete="off" {
                (csrf_field(chrome))
                label for="objet" { "Objet" }
                input #objet name="objet" type="text" required maxlength="200" value=(data.form.subject);
                label for="message" { "Message" }
                textarea #message name="message" rows="12" required maxlength="20000" { (data.form.body) }
                button.button.button-primary type="submit" { "Envoyer aux abonnés" }
            }
            h2 { "Messages envoyés" }
            @if data.messages.is_empty() {
                p.empty { "Aucun message pour le moment." }
            } @else {
                ul.message-list {
                    @for (message, counts) in data.messages {
                        li.message-state data-message=(ulid::Ulid(message.id).to_string()) {
                            strong { (message.subject) }
                            " — le " (format::date_long(message.created, tz)) " à " (format::time(message.created, tz))
                            br;
                            span.delivery { (delivery_state(counts)) }
                        }
                    }
                }
            }
        },
    )
}

/// The one-click unsubscribe page (GET shows it, POST does it).
pub fn unsubscribe(chrome: &Chrome, union_name: &str, token: &str, done: bool) -> Markup {
    page(
        chrome,
        "Désabonnement",
        html! {
            h1 { "Liste de diffusion de " (union_name) }
            @if done {
                p role="status" { strong { "C'est fait : vous êtes désabonné(e)." } " Vous ne recevrez plus les messages de " (union_name) "." }
                p { "Vous pourrez vous réabonner à tout moment depuis la page du syndicat sur l'intranet." }
            } @else {
                p { "Vous ne voulez plus recevoir les messages de " (union_name) " ? Confirmez d'un clic, sans vous connecter." }
                form method="post" action=(format!("/desabonnement/{token}")) {
                    button.button.button-primary type="submit" { "Me désabonner" }
                }
            }
        },
    )
}
