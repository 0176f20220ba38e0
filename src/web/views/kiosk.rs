//! The borne's idle screen: items flagged for display, cycling, and an
//! invitation to touch the screen. Nothing personal is ever shown here.

use maud::{DOCTYPE, Markup, html};

use super::format;
use super::items::{event_when, media_url, space_label};
use super::layout::Chrome;
use crate::domain::Item;

pub fn idle_screen(chrome: &Chrome, items: &[Item]) -> Markup {
    let site = chrome.site;
    let today = format::date_long(chrome.now, chrome.tz());
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (site.name) " — Intranet" }
                link rel="icon" href=(site.icon_url) type="image/svg+xml";
                link rel="stylesheet" href=(site.css_url);
                link rel="stylesheet" href=(site.kiosk_css_url);
                script src=(site.kiosk_js_url) defer {}
            }
            body.idle data-device="kiosk" {
                a.idle-screen href="/connexion" {
                    header.idle-header {
                        span.brand-name { (site.name) }
                        span.idle-date { (today) }
                    }
                    main #contenu {
                        h1.visually-hidden { "Écran d'accueil de la borne" }
                        ol.slides aria-live="polite" {
                            @for (i, item) in items.iter().enumerate() {
                                li.slide.current[i == 0] {
                                    @if let Some(photo) = item.visible_photos().next() {
                                        img.slide-photo src=(media_url(photo, false)) alt="";
                                    }
                                    span.slide-space { (space_label(&item.space, chrome)) }
                                    span.slide-title { (item.title) }
                                    @if let Some(when) = event_when(item, chrome) { span.slide-when { (when) } }
                                    @if !item.summary.is_empty() { span.slide-summary { (item.summary) } }
                                }
                            }
                        }
                    }
                    p.touch-to-start { "Touchez l'écran pour commencer" }
                    p.kiosk-place { (site.kiosk_name) @if !site.kiosk_place.is_empty() { " — " (site.kiosk_place) } }
                }
            }
        }
    }
}
