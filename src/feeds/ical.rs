//! iCalendar (RFC 5545) for the agenda: a feed calendar apps subscribe to,
//! and one event as a file ("Ajouter à mon agenda").

use icalendar::{Calendar, Component, EventLike, Property};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::item_address;
use crate::domain::{Details, Item};

/// `20261129T100000Z`
fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// An event of the agenda as a VEVENT; None for anything else.
fn vevent(item: &Item, base_url: &str, host: &str, tz: &TimeZone) -> Option<icalendar::Event> {
    let Details::Event(details) = &item.details else {
        return None;
    };
    let url = item_address(base_url, item);
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("{}@{host}", item.id))
        .summary(&item.title)
        .url(&url)
        .add_property("DTSTAMP", utc(item.updated))
        .add_property("LAST-MODIFIED", utc(item.updated))
        .add_property("SEQUENCE", item.version.to_string());
    let description = if item.summary.is_empty() {
        url.clone()
    } else {
        format!("{}\n\n{url}", item.summary)
    };
    event.description(&description);
    if !details.place.is_empty() {
        event.location(&details.place);
    }
    if details.all_day {
        // Whole days in the town's time zone; DTEND is exclusive.
        let first = details.start.to_zoned_datetime(tz.clone()).date();
        let last = details.end.to_zoned_datetime(tz.clone()).date();
        let after = last.tomorrow().unwrap_or(last);
        let day = |d: jiff::civil::Date| d.strftime("%Y%m%d").to_string();
        let mut start = Property::new("DTSTART", day(first));
        start.add_parameter("VALUE", "DATE");
        let mut end = Property::new("DTEND", day(after));
        end.add_parameter("VALUE", "DATE");
        event.append_property(start).append_property(end);
    } else {
        event
            .add_property("DTSTART", utc(details.start))
            .add_property("DTEND", utc(details.end.max(details.start)));
    }
    Some(event.done())
}

fn host_of(base_url: &str) -> &str {
    let rest = base_url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(base_url);
    rest.split(['/', ':']).next().unwrap_or("kiosque")
}

/// A subscribable calendar named `name` with `events`.
pub fn agenda_calendar(name: &str, events: &[Item], base_url: &str, tz: &TimeZone) -> String {
    let host = host_of(base_url);
    let mut calendar = Calendar::new();
    calendar
        .name(name)
        .append_property(Property::new("PRODID", "-//kiosque//Agenda//FR"))
        .append_property(Property::new("X-PUBLISHED-TTL", "PT1H"));
    for item in events {
        if let Some(event) = vevent(item, base_url, host, tz) {
            calendar.push(event);
        }
    }
    calendar.done().to_string()
}

/// One event as a calendar file.
pub fn event_calendar(item: &Item, base_url: &str, tz: &TimeZone) -> String {
    agenda_calendar(&item.title, std::slice::from_ref(item), base_url, tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::item::tests::{actu, t};
    use crate::domain::{EventDetails, Space};

    #[test]
    fn events_become_vevents_with_utc_or_whole_days() {
        let mut item = actu(t("2026-11-01T10:00:00Z"));
        item.space = Space::Agenda;
        item.title = "Réunion, d'information; \"congés\"".into();
        item.details = Details::Event(EventDetails {
            start: t("2026-12-02T08:00:00Z"),
            end: t("2026-12-02T10:00:00Z"),
            all_day: false,
            place: "Salle du conseil".into(),
        });
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let text = agenda_calendar(
            "Agenda",
            std::slice::from_ref(&item),
            "https://intranet.example.fr",
            &tz,
        );
        assert!(text.contains("DTSTART:20261202T080000Z"), "{text}");
        assert!(text.contains("UID:"), "{text}");
        assert!(text.contains("@intranet.example.fr"), "{text}");
        assert!(
            text.contains("Réunion\\, d'information\\; \"congés\""),
            "escaped: {text}"
        );
        let mut all_day = item.clone();
        all_day.details = Details::Event(EventDetails {
            start: t("2026-12-01T23:00:00Z"),
            end: t("2026-12-02T22:59:00Z"),
            all_day: true,
            place: String::new(),
        });
        let text = event_calendar(&all_day, "https://intranet.example.fr", &tz);
        assert!(text.contains("DTSTART;VALUE=DATE:20261202"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20261203"), "{text}");
    }
}
