//! The QR hand-offs between a borne and a phone (DESIGN §5).

use maud::{Markup, html};

use super::format::QrSvg;
use super::layout::{Chrome, csrf_field, page};

/// On the borne: the QR to scan to continue on the phone.
pub fn continue_qr(chrome: &Chrome, url: &str, back: &str, with_session: bool) -> Markup {
    page(
        chrome,
        "Continuer sur mon téléphone",
        html! {
            div.handoff {
                h1 { "Continuer sur mon téléphone" }
                (QrSvg(url))
                p { "Scannez ce code avec l'appareil photo de votre téléphone. Il est valable 2 minutes, une seule fois." }
                p.qr-link { "Ou tapez cette adresse : " span.url { (url) } }
                @if with_session {
                    p.notice { "Votre session passera sur votre téléphone et se fermera sur cette borne." }
                }
                p { a.button href=(back) { "Revenir à la page" } }
            }
        },
    )
}

/// The box on kiosk item pages.
pub fn continue_box(chrome: &Chrome, path: &str, url: Option<&str>) -> Markup {
    html! {
        section.continue-box aria-labelledby="titre-continuer" {
            h2 #titre-continuer { "Continuer sur mon téléphone" }
            @if let Some(url) = url {
                (QrSvg(url))
                p.hint { "Scannez ce code pour lire cette page sur votre téléphone (valable 2 minutes, une seule fois)." }
                p.qr-link { span.url { (url) } }
            }
            form.inline-form method="post" action="/continuer" {
                (csrf_field(chrome))
                input type="hidden" name="chemin" value=(path);
                @if url.is_none() { button.button type="submit" { "Afficher le code QR" } }
                button.button type="submit" name="session" value="oui" { "Emporter aussi ma session" }
            }
        }
    }
}

/// On the phone: "Continuer en tant que … ?"
pub fn continue_confirm(chrome: &Chrome, name: &str, token: &str) -> Markup {
    page(
        chrome,
        "Continuer sur ce téléphone",
        html! {
            div.handoff {
                h1 { "Continuer en tant que " (name) " ?" }
                p { "La session ouverte sur la borne se fermera et continuera sur ce téléphone." }
                form method="post" action=(format!("/continuer/{token}")) {
                    button.button.button-primary type="submit" { "Continuer en tant que " (name) }
                }
                p { a href="/connexion" { "Ce n'est pas moi" } }
            }
        },
    )
}

pub fn expired(chrome: &Chrome) -> Markup {
    page(
        chrome,
        "Lien expiré",
        html! {
            div.error-page {
                h1 { "Ce code a expiré" }
                p { "Un code QR de la borne n'est valable que 2 minutes, une seule fois. Affichez-en un nouveau sur la borne." }
                p { a.button.button-primary href="/" { "Aller à l'accueil" } }
            }
        },
    )
}

/// On the phone: "Se connecter sur la borne … ?"
pub fn approve_borne(chrome: &Chrome, borne: &str, token: &str, done: bool) -> Markup {
    page(
        chrome,
        "Se connecter sur la borne",
        html! {
            div.handoff {
                @if done {
                    h1 { "C'est fait" }
                    p { "La borne " (borne) " s'ouvre à votre nom. Pensez à vous déconnecter en partant." }
                } @else {
                    h1 { "Se connecter sur la borne " (borne) " ?" }
                    p { "Votre session s'ouvrira sur la borne, sans taper votre mot de passe sur un écran partagé." }
                    form method="post" action=(format!("/borne/{token}")) {
                        (csrf_field(chrome))
                        button.button.button-primary type="submit" { "Se connecter sur la borne" }
                    }
                }
            }
        },
    )
}

/// On the borne: the QR to sign in with a phone; nothing is typed on it. The
/// borne's script asks `state` twice a second whether a phone approved, then
/// goes to `poll`; without script the page goes to `poll` every second.
pub fn phone_sign_in(chrome: &Chrome, url: &str, poll: &str, state: &str) -> Markup {
    page(
        chrome,
        "Se connecter avec mon téléphone",
        html! {
            div.handoff.phone-sign-in data-etat=(state) data-suite=(poll) {
                noscript { meta http-equiv="refresh" content=(format!("1;url={poll}")); }
                h1 { "Se connecter avec mon téléphone" }
                (QrSvg(url))
                p { "Scannez ce code avec votre téléphone, où vous êtes déjà connecté à l'intranet, puis acceptez. Il est valable 2 minutes." }
                p.qr-link { span.url { (url) } }
                p { a.button href="/connexion" { "Taper mon identifiant et mon mot de passe" } }
            }
        },
    )
}
