//! A small set of line icons drawn for kiosque. The drawings are one SVG
//! sprite (`assets/static/icons.svg`, a `<symbol>` per name), fetched once and
//! cached for a year; a page refers to them with `<use>`, so each icon costs
//! about a hundred bytes of HTML instead of its whole drawing. Icons are
//! decorative: the text beside them carries the meaning. Their stroke comes
//! from the `.icon` rule of the style sheets.

use std::sync::OnceLock;

use maud::{PreEscaped, html};

/// Every icon the sprite draws.
const NAMES: [&str; 23] = [
    "home",
    "news",
    "users",
    "calendar",
    "tag",
    "briefcase",
    "book",
    "link",
    "flag",
    "user",
    "mail",
    "phone",
    "help",
    "globe",
    "file",
    "euro",
    "key",
    "tool",
    "heart",
    "pin",
    "clock",
    "search",
    "point",
];

/// An icon, hidden from screen readers (an unknown name draws a dot). Each
/// icon's markup is made once: pages draw a dozen per request.
pub fn icon(name: &str) -> PreEscaped<&'static str> {
    static DRAWN: OnceLock<Vec<String>> = OnceLock::new();
    let drawn = DRAWN.get_or_init(|| {
        let sprite = crate::web::assets::asset_url("icons.svg");
        NAMES
            .iter()
            .map(|name| {
                html! {
                    svg.icon width="24" height="24" aria-hidden="true" focusable="false" {
                        use href=(format!("{sprite}#{name}")) {}
                    }
                }
                .into_string()
            })
            .collect()
    });
    let index = NAMES
        .iter()
        .position(|known| *known == name)
        .unwrap_or(NAMES.len() - 1);
    PreEscaped(&drawn[index])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_icon_is_in_the_sprite_and_refers_to_it() {
        let sprite = include_str!("../../../assets/static/icons.svg");
        for name in NAMES {
            assert!(
                sprite.contains(&format!("<symbol id=\"{name}\" viewBox=\"0 0 24 24\">")),
                "{name} is drawn in icons.svg"
            );
        }
        let html = icon("search").0;
        assert!(html.contains("<use href=\"/static/icons.svg?v="), "{html}");
        assert!(html.ends_with("#search\"></use></svg>"), "{html}");
        assert!(icon("nothing-of-that-name").0.contains("#point"));
    }
}
