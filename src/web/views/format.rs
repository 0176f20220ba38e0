//! French dates and small value types that render themselves.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime as Zoned};
use maud::{Markup, PreEscaped, Render, html};

pub const DAY_NAMES: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn zoned(ts: Timestamp, tz: &TimeZone) -> Zoned {
    ts.to_zoned_datetime(tz.clone())
}

pub fn day_name(z: &Zoned) -> &'static str {
    DAY_NAMES[z.weekday().to_monday_zero_offset() as usize]
}

const MONTHS_SHORT: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// "janv.", "févr.", … (the usual French abbreviations).
pub fn month_short(month: i8) -> &'static str {
    MONTHS_SHORT[(month.clamp(1, 12) - 1) as usize]
}

/// "1er" for the first of the month, else the number.
pub fn day_number(day: i8) -> String {
    if day == 1 {
        "1er".to_owned()
    } else {
        day.to_string()
    }
}

pub fn month_name(month: i8) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

/// "samedi 29 novembre 2026"
pub fn date_long(ts: Timestamp, tz: &TimeZone) -> String {
    let z = zoned(ts, tz);
    format!("{} {}", day_name(&z), civil_date(z.date()))
}

/// "29 novembre 2026" (the first of the month is "1er").
pub fn civil_date(d: jiff::civil::Date) -> String {
    let day = if d.day() == 1 {
        "1er".to_owned()
    } else {
        d.day().to_string()
    };
    format!("{day} {} {}", month_name(d.month()), d.year())
}

/// "14 h 30", or "14 h" on the hour.
pub fn time(ts: Timestamp, tz: &TimeZone) -> String {
    let z = zoned(ts, tz);
    if z.minute() == 0 {
        format!("{} h", z.hour())
    } else {
        format!("{} h {:02}", z.hour(), z.minute())
    }
}

/// "aujourd'hui", "hier", "il y a 3 jours", else the date.
pub fn relative_day(ts: Timestamp, now: Timestamp, tz: &TimeZone) -> String {
    let days = (zoned(now, tz).date() - zoned(ts, tz).date()).get_days();
    match days {
        0 => "aujourd'hui".into(),
        1 => "hier".into(),
        2..=6 => format!("il y a {days} jours"),
        _ => civil_date(zoned(ts, tz).date()),
    }
}

/// A `<time>` element with a machine-readable datetime and French text.
pub struct When<'a> {
    pub ts: Timestamp,
    pub text: &'a str,
}

impl Render for When<'_> {
    fn render(&self) -> Markup {
        html! { time datetime=(self.ts.to_string()) { (self.text) } }
    }
}

/// A QR code of a URL, as inline SVG (no request, CSP-safe).
pub struct QrSvg<'a>(pub &'a str);

impl Render for QrSvg<'_> {
    fn render(&self) -> Markup {
        match qrcode::QrCode::new(self.0.as_bytes()) {
            Ok(code) => {
                let svg = code
                    .render::<qrcode::render::svg::Color>()
                    .min_dimensions(280, 280)
                    .quiet_zone(true)
                    .build();
                // Drop the XML prolog: the SVG is inlined in HTML.
                let start = svg.find("<svg").unwrap_or(0);
                html! { div.qr role="img" aria-label="Code QR" { (PreEscaped(&svg[start..])) } }
            }
            Err(_) => html! { p { (self.0) } },
        }
    }
}

/// Markdown source, rendered to sanitised HTML on output.
pub struct Markdown<'a>(pub &'a str);

impl Render for Markdown<'_> {
    fn render(&self) -> Markup {
        let mut options = pulldown_cmark::Options::empty();
        options.insert(pulldown_cmark::Options::ENABLE_TABLES);
        options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
        let parser = pulldown_cmark::Parser::new_ext(self.0, options);
        let mut raw = String::with_capacity(self.0.len() * 2);
        pulldown_cmark::html::push_html(&mut raw, parser);
        PreEscaped(ammonia::clean(&raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_french_in_paris_time() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let ts: Timestamp = "2026-11-28T23:30:00Z".parse().unwrap();
        assert_eq!(date_long(ts, &tz), "dimanche 29 novembre 2026");
        assert_eq!(time(ts, &tz), "0 h 30");
        let first: Timestamp = "2026-08-01T10:05:00Z".parse().unwrap();
        assert_eq!(date_long(first, &tz), "samedi 1er août 2026");
        assert_eq!(time(first, &tz), "12 h 05");
    }

    #[test]
    fn relative_days() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let now: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let ago = |h: i64| now - jiff::SignedDuration::from_hours(h);
        assert_eq!(relative_day(ago(1), now, &tz), "aujourd'hui");
        assert_eq!(relative_day(ago(24), now, &tz), "hier");
        assert_eq!(relative_day(ago(72), now, &tz), "il y a 3 jours");
        assert_eq!(relative_day(ago(24 * 30), now, &tz), "30 octobre 2026");
    }

    #[test]
    fn markdown_is_sanitised() {
        let html = Markdown("# Titre\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>")
            .render()
            .into_string();
        assert!(html.contains("<h1>Titre</h1>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(
            html.contains("<a rel=\"noopener noreferrer\">x</a>"),
            "{html}"
        );
        assert!(!html.contains("onerror"), "{html}");
    }
}
