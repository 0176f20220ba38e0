//! What of an item or a person goes into the index, and the plain text that
//! excerpts are cut from. Only items someone may find are indexed
//! (published or pending); who finds which is decided at query time.

use pulldown_cmark::{Event, Parser, TagEnd};
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analysis::FRENCH;
use crate::domain::{Details, Item, Status, User};

/// The space key under which people of the annuaire are indexed.
pub const ANNUAIRE: &str = "annuaire";

/// The index's fields.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// `i:<ulid>` for an item, `u:<login>` for a person. Stored.
    pub key: Field,
    /// The space key, or [`ANNUAIRE`]. Stored.
    pub space: Field,
    pub title: Field,
    pub summary: Field,
    pub body: Field,
    /// `published` or `pending`.
    pub status: Field,
    pub author: Field,
    /// µs since the epoch; `i64::MIN` when published at once.
    pub publish_at: Field,
    /// µs since the epoch; `i64::MAX` when it never expires.
    pub expires_at: Field,
    /// The item's sort time in µs (event start, else publication).
    pub date: Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FRENCH)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Fields {
            key: b.add_text_field("key", STRING | STORED),
            space: b.add_text_field("space", STRING | STORED),
            title: b.add_text_field("title", text.clone()),
            summary: b.add_text_field("summary", text.clone()),
            body: b.add_text_field("body", text),
            status: b.add_text_field("status", STRING),
            author: b.add_text_field("author", STRING),
            publish_at: b.add_i64_field("publish_at", FAST),
            expires_at: b.add_i64_field("expires_at", FAST),
            date: b.add_i64_field("date", FAST),
        };
        (b.build(), fields)
    }
}

pub fn item_key(item: &Item) -> String {
    format!("i:{}", item.id)
}

pub fn person_key(user: &User) -> String {
    format!("u:{}", user.login)
}

/// Whether an item belongs in the index at all.
pub fn indexable(item: &Item) -> bool {
    matches!(item.status, Status::Published | Status::Pending)
}

/// The searchable text of an item beyond its title and summary.
pub fn item_text(item: &Item) -> String {
    let mut text = plain_text(&item.body);
    let mut add = |s: &str| {
        if !s.is_empty() {
            text.push('\n');
            text.push_str(s);
        }
    };
    match &item.details {
        Details::Event(event) => add(&event.place),
        Details::Job(job) => {
            add(&job.service);
            add(&job.filiere);
        }
        Details::Annonce { price, .. } => add(price.as_deref().unwrap_or_default()),
        Details::Link { phone, .. } => add(phone.as_deref().unwrap_or_default()),
        Details::Actu | Details::Page { .. } => {}
    }
    add(&item.author_name);
    text
}

pub fn item_doc(fields: &Fields, item: &Item) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.key, item_key(item));
    doc.add_text(fields.space, item.space.key());
    doc.add_text(fields.title, &item.title);
    doc.add_text(fields.summary, &item.summary);
    doc.add_text(fields.body, item_text(item));
    doc.add_text(fields.status, item.status.key());
    doc.add_text(fields.author, item.author.as_str());
    doc.add_i64(
        fields.publish_at,
        item.publish_at.map_or(i64::MIN, |t| t.as_microsecond()),
    );
    doc.add_i64(
        fields.expires_at,
        item.expires_at.map_or(i64::MAX, |t| t.as_microsecond()),
    );
    doc.add_i64(fields.date, item.sort_time().as_microsecond());
    doc
}

/// What is searched of a person beyond the name: service, direction, function.
pub fn person_text(user: &User) -> String {
    [
        user.service.as_str(),
        user.function.as_str(),
        user.direction.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" — ")
}

pub fn person_doc(fields: &Fields, user: &User) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.key, person_key(user));
    doc.add_text(fields.space, ANNUAIRE);
    doc.add_text(fields.title, user.display_name());
    doc.add_text(fields.summary, user.login.as_str());
    doc.add_text(fields.body, person_text(user));
    doc.add_text(fields.status, Status::Published.key());
    doc.add_text(fields.author, "");
    doc.add_i64(fields.publish_at, i64::MIN);
    doc.add_i64(fields.expires_at, i64::MAX);
    // People have no date: a date filter leaves them out.
    doc.add_i64(fields.date, i64::MIN);
    doc
}

/// Markdown source to plain text (what excerpts are cut from): the words,
/// without markup, links' text kept, blocks on their own lines.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_words() {
        let text =
            plain_text("## Congés\n\n- **Congés annuels** : 25 jours\n- [Badge](/pages/badge)");
        assert_eq!(text, "Congés\nCongés annuels : 25 jours\nBadge");
        assert!(!plain_text("<script>alert(1)</script> texte").contains('<'));
    }
}
