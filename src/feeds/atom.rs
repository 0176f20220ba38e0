//! Atom (RFC 4287) for the actus: news readers follow it.

use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use jiff::Timestamp;

use super::item_address;
use crate::domain::Item;

fn fixed(t: Timestamp) -> FixedDateTime {
    // RFC 3339 from jiff parses in chrono's fixed-offset type.
    t.to_string().parse::<FixedDateTime>().unwrap_or_default()
}

fn link(href: String, rel: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link
}

/// The actus feed at `self_url`, entries newest first.
pub fn actus_feed(
    site_name: &str,
    items: &[Item],
    base_url: &str,
    self_url: &str,
    now: Timestamp,
) -> String {
    let base = base_url.trim_end_matches('/');
    let updated = items.iter().map(|i| i.updated).max().unwrap_or(now);
    let entries: Vec<Entry> = items
        .iter()
        .map(|item| {
            let address = item_address(base, item);
            let mut entry = Entry::default();
            entry.set_id(address.clone());
            entry.set_title(Text::plain(item.title.clone()));
            entry.set_updated(fixed(item.updated));
            entry.set_published(Some(fixed(item.published_time())));
            entry.set_links(vec![link(address, "alternate")]);
            if !item.summary.is_empty() {
                entry.set_summary(Some(Text::plain(item.summary.clone())));
            }
            let mut author = Person::default();
            author.set_name(if item.author_name.is_empty() {
                site_name.to_owned()
            } else {
                item.author_name.clone()
            });
            entry.set_authors(vec![author]);
            entry
        })
        .collect();
    let mut feed = Feed::default();
    feed.set_id(format!("{base}/actus"));
    feed.set_title(Text::plain(format!("Les Actus — {site_name}")));
    feed.set_updated(fixed(updated));
    feed.set_links(vec![
        link(self_url.to_owned(), "self"),
        link(format!("{base}/actus"), "alternate"),
    ]);
    feed.set_entries(entries);
    feed.to_string()
}
