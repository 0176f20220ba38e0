//! Signing in and out, the charter, and "Mon compte" (with the personal
//! calendar link).

use maud::{Markup, html};

use super::format::{self, Markdown};
use super::layout::{Chrome, csrf_field, page};
use crate::domain::{DeviceClass, User};
use crate::store::{Acceptance, Charter};

/// The sign-in form, blank or after a refused attempt (the login is kept).
pub struct SignInPage<'a> {
    pub login: &'a str,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub back: &'a str,
    pub stay_checked: bool,
    /// How long "rester connecté" lasts.
    pub stay_days: u64,
    /// On a borne: offer "Se connecter avec mon téléphone".
    pub phone: bool,
    pub demo_password: Option<&'a str>,
}

pub fn sign_in(chrome: &Chrome, data: &SignInPage) -> Markup {
    let personal = chrome.device == DeviceClass::Personal;
    page(
        chrome,
        "Se connecter",
        html! {
            div.sign-in {
                h1 { "Se connecter" }
                p.intro { "Utilisez l'identifiant et le mot de passe de votre session Windows." }
                @if let Some(notice) = data.notice {
                    p.notice role="status" { (notice) }
                }
                @if let Some(error) = data.error {
                    p.form-error #erreur-connexion role="alert" { (error) }
                }
                form.form-card method="post" action="/connexion" autocomplete="off" {
                    input type="hidden" name="retour" value=(data.back);
                    label for="identifiant" { "Identifiant" }
                    input #identifiant name="identifiant" type="text" value=(data.login)
                        autocapitalize="none" autocorrect="off" spellcheck="false" required
                        aria-describedby=[data.error.map(|_| "erreur-connexion")];
                    label for="mot-de-passe" { "Mot de passe" }
                    input #mot-de-passe name="mot_de_passe" type="password" required;
                    @if personal {
                        label.checkbox {
                            input type="checkbox" name="rester_connecte" value="oui" checked[data.stay_checked];
                            span { "Rester connecté sur cet appareil (" (data.stay_days) " jours)" }
                        }
                        p.hint { "Seulement sur votre téléphone ou votre ordinateur personnel, jamais sur un poste partagé." }
                    }
                    button.button.button-primary type="submit" { "Se connecter" }
                }
                @if chrome.device != DeviceClass::Personal {
                    p.hint { "Pensez à vous déconnecter en partant : cet écran est partagé." }
                }
                @if data.phone {
                    p.phone-sign-in-link { a.button href="/connexion/telephone" { "Se connecter avec mon téléphone" } }
                }
                @if let Some(password) = data.demo_password {
                    aside.demo-accounts aria-labelledby="titre-demo" {
                        h2 #titre-demo { "Comptes de démonstration" }
                        p { "Mot de passe commun : " strong { code { (password) } } }
                        ul {
                            li { code { "agent" } " — Camille Lefèvre, jardinière (agent)" }
                            li { code { "referent" } " — Marc Dupont, référent communication (publication)" }
                            li { code { "codir" } " — Hélène Marchand, CODIR (publication)" }
                            li { code { "rh" } " — Nadia Benali, ressources humaines (gestion)" }
                            li { code { "webmestre" } " — Julien Roussel, communication (webmestre)" }
                            li { code { "dsi" } " — Thomas Garnier, informatique (administration)" }
                            li { code { "syndicat" } " — Anne-Marie N'Diaye, CGT (rédaction syndicale)" }
                        }
                    }
                }
            }
        },
    )
}

/// The charter, to reread at any time.
pub fn charter(
    chrome: &Chrome,
    charter: Option<&Charter>,
    accepted: Option<&Acceptance>,
) -> Markup {
    let tz = chrome.tz();
    page(
        chrome,
        "Charte de l'intranet",
        html! {
            article.item-page {
                h1 { "Charte de l'intranet" }
                @match charter {
                    Some(charter) => {
                        p.card-meta { "Version " (charter.version) " du " (format::date_long(charter.published_at, tz)) }
                        @if let Some(accepted) = accepted {
                            p.notice { "Vous avez accepté la version " (accepted.version) " le " (format::date_long(accepted.at, tz)) "." }
                        }
                        div.prose { (Markdown(&charter.text)) }
                    }
                    None => { p.empty { "La charte n'a pas encore été publiée." } }
                }
            }
        },
    )
}

/// The charter to accept before going further.
pub fn charter_accept(chrome: &Chrome, charter: &Charter, back: &str, renewed: bool) -> Markup {
    page(
        chrome,
        "Accepter la charte",
        html! {
            article.item-page {
                h1 { "Charte de l'intranet" }
                @if renewed {
                    p.notice role="status" { "La charte a changé depuis votre dernière visite. Merci de lire la nouvelle version et de l'accepter pour continuer." }
                } @else {
                    p.notice role="status" { "Bienvenue ! Avant votre première utilisation, merci de lire la charte de l'intranet et de l'accepter." }
                }
                div.prose { (Markdown(&charter.text)) }
                form.form-card method="post" action="/charte/accepter" {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(charter.version);
                    input type="hidden" name="retour" value=(back);
                    button.button.button-primary type="submit" { "J'ai lu la charte et je l'accepte" }
                }
            }
        },
    )
}

/// A just-made personal feed link, shown once.
pub struct FeedLinks {
    pub agenda: String,
    pub actus: String,
}

/// What "Mon compte" shows.
pub struct AccountPage<'a> {
    pub user: &'a User,
    /// When the current calendar link was made, if there is one.
    pub link_since: Option<jiff::Timestamp>,
    /// The link itself, right after it was made (never shown again).
    pub new_links: Option<&'a FeedLinks>,
    pub message: Option<&'a str>,
}

pub fn my_account(chrome: &Chrome, data: &AccountPage) -> Markup {
    let user = data.user;
    let kiosk = chrome.device == DeviceClass::Kiosk;
    page(
        chrome,
        "Mon compte",
        html! {
            h1 { "Mon compte" }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            dl.facts {
                dt { "Nom" } dd { (user.display_name()) }
                dt { "Identifiant" } dd { (user.login) }
                @if !user.service.is_empty() { dt { "Service" } dd { (user.service) } }
            }
            p { a href="/annuaire/moi" { "Voir ma fiche dans l'annuaire" } " · " a href="/mes-publications" { "Mes publications" } }
            p.hint { "Votre mot de passe est celui de votre session Windows : il se change sur votre poste ou auprès du service informatique, pas ici." }
            section.form-card aria-labelledby="agenda-perso" {
                h2 #agenda-perso { "L'agenda de l'intranet dans mon téléphone" }
                p { "Abonnez l'application Agenda de votre téléphone ou votre messagerie à l'agenda de l'intranet : les événements s'y ajoutent et se mettent à jour tout seuls. Le même lien personnel donne aussi les actus pour un lecteur de flux." }
                @if let Some(links) = data.new_links {
                    p.notice role="status" { "Votre lien personnel est prêt. Copiez-le maintenant : pour votre sécurité, il ne sera plus affiché. Si vous le perdez, régénérez-le." }
                    h3 { "Agenda (à ajouter comme « calendrier par URL »)" }
                    p.feed-link #lien-agenda { (links.agenda) }
                    h3 { "Les Actus (pour un lecteur de flux)" }
                    p.feed-link #lien-actus { (links.actus) }
                    p.hint { "Ce lien est secret : il ouvre l'agenda sans mot de passe. Ne le partagez pas. Il ne montre que ce que vous pouvez lire sur l'intranet, jamais une proposition en attente." }
                } @else if let Some(since) = data.link_since {
                    p { "Vous avez un lien personnel, créé le " (format::date_long(since, chrome.tz())) ". Il n'est plus affiché, pour votre sécurité : régénérez-le si vous l'avez perdu." }
                } @else {
                    p { "Vous n'avez pas encore de lien personnel." }
                }
                @if kiosk {
                    p.hint { "Créez ce lien depuis votre téléphone ou votre ordinateur : il ne doit pas s'afficher sur l'écran d'une borne." }
                } @else {
                    form method="post" action="/compte/agenda" {
                        (csrf_field(chrome))
                        button.button.button-primary type="submit" {
                            @if data.link_since.is_some() { "Régénérer le lien" } @else { "Créer mon lien d'agenda" }
                        }
                    }
                    @if data.link_since.is_some() {
                        p.hint { "Régénérer ou supprimer le lien arrête aussitôt l'ancien dans toutes les applications." }
                        form method="post" action="/compte/agenda/supprimer" {
                            (csrf_field(chrome))
                            button.button type="submit" { "Supprimer le lien" }
                        }
                    }
                }
            }
        },
    )
}
