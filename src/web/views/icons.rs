//! A small set of line icons drawn for kiosque, inline SVG (no requests, CSP-safe).
//! Icons are decorative: the text beside them carries the meaning.

use maud::{Markup, PreEscaped, html};

fn path(name: &str) -> &'static str {
    match name {
        "home" => {
            r#"<path d="M3 11 12 4l9 7"/><path d="M5 10v10h14V10"/><path d="M10 20v-6h4v6"/>"#
        }
        "news" => {
            r#"<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M7 8h10M7 12h10M7 16h6"/>"#
        }
        "users" => {
            r#"<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c.5-4 3-6 6.5-6s6 2 6.5 6"/><circle cx="17" cy="9" r="2.5"/><path d="M16 14c3 0 5 2 5.5 5"/>"#
        }
        "calendar" => {
            r#"<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/>"#
        }
        "tag" => r#"<path d="M3 12V4h8l10 10-8 8z"/><circle cx="7.5" cy="8.5" r="1.5"/>"#,
        "briefcase" => {
            r#"<rect x="3" y="7" width="18" height="13" rx="2"/><path d="M9 7V4h6v3M3 13h18"/>"#
        }
        "book" => {
            r#"<path d="M4 4h6a3 3 0 0 1 3 3v13a2 2 0 0 0-2-2H4z"/><path d="M20 4h-5a2 2 0 0 0-2 2v14a2 2 0 0 1 2-2h5z"/>"#
        }
        "link" => {
            r#"<path d="M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1"/><path d="M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1"/>"#
        }
        "flag" => r#"<path d="M5 21V4"/><path d="M5 4h12l-2 4 2 4H5"/>"#,
        "user" => r#"<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4.5 4-7 8-7s7 2.5 8 7"/>"#,
        "mail" => r#"<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>"#,
        "phone" => {
            r#"<path d="M5 3h4l2 5-3 2a11 11 0 0 0 6 6l2-3 5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z"/>"#
        }
        "help" => {
            r#"<circle cx="12" cy="12" r="9"/><path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.8.4-1 1-1 1.7v.5"/><path d="M12 17h.01"/>"#
        }
        "globe" => {
            r#"<circle cx="12" cy="12" r="9"/><path d="M3 12h18"/><path d="M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"/>"#
        }
        "file" => r#"<path d="M6 3h8l5 5v13H6z"/><path d="M14 3v5h5M9 13h7M9 17h7"/>"#,
        "euro" => r#"<path d="M17 6a7 7 0 1 0 0 12"/><path d="M4 10h9M4 14h9"/>"#,
        "key" => r#"<circle cx="8" cy="15" r="4"/><path d="m11 12 9-9M17 6l3 3M15 8l2 2"/>"#,
        "tool" => r#"<path d="M14 6a4 4 0 0 0 5 5l-9 9a2 2 0 0 1-3-3l9-9a4 4 0 0 0-2-2z"/>"#,
        "heart" => {
            r#"<path d="M12 20s-8-5-8-11a4.5 4.5 0 0 1 8-2.5A4.5 4.5 0 0 1 20 9c0 6-8 11-8 11z"/>"#
        }
        "pin" => {
            r#"<path d="M12 21s-7-6.5-7-12a7 7 0 0 1 14 0c0 5.5-7 12-7 12z"/><circle cx="12" cy="9" r="2.5"/>"#
        }
        "clock" => r#"<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>"#,
        "search" => r#"<circle cx="11" cy="11" r="6.5"/><path d="m16 16 5 5"/>"#,
        _ => r#"<circle cx="12" cy="12" r="3"/>"#,
    }
}

/// An inline icon, hidden from screen readers.
pub fn icon(name: &str) -> Markup {
    html! {
        svg.icon viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" {
            (PreEscaped(path(name)))
        }
    }
}
