//! Turning what an agent typed into one tantivy query (words, typos, phrases,
//! filters, who may see what), and its hits into results grouped by space
//! with highlighted excerpts, checked against the store.

use std::collections::BTreeMap;
use std::ops::{Bound, Range};

use jiff::Timestamp;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument, Term};

use super::analysis::{self, Parsed};
use super::document::{Fields, item_text, person_text};
use super::{Result, Search};
use crate::domain::policy::may_find;
use crate::domain::{Item, ItemId, Login, Role, Status, User};
use crate::store::Store;

/// Hits considered per search: enough for every group's count.
const WINDOW: usize = 200;

/// Characters of an excerpt.
const EXCERPT_CHARS: usize = 200;

/// A search as asked.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub text: String,
    /// A space key, or [`ANNUAIRE`](super::ANNUAIRE); None searches everywhere.
    pub space: Option<String>,
    /// Items dated (event start, else publication) from this instant…
    pub from: Option<Timestamp>,
    /// …and before this one. Any date filter leaves people out.
    pub to: Option<Timestamp>,
    /// Search-as-you-type: the last word may be unfinished.
    pub typing: bool,
    /// Hits shown per group.
    pub per_group: usize,
}

/// A piece of text with the ranges (byte offsets) that matched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Excerpt {
    pub text: String,
    pub marks: Vec<Range<usize>>,
}

/// One result.
#[derive(Clone, Debug)]
pub enum Hit {
    Item { item: Box<Item>, excerpt: Excerpt },
    Person { user: Box<User>, excerpt: Excerpt },
}

/// The results of one space (or of the annuaire), best first.
#[derive(Clone, Debug)]
pub struct Group {
    /// A space key, or [`ANNUAIRE`](super::ANNUAIRE).
    pub space: String,
    pub hits: Vec<Hit>,
    /// How many results this space has (at least `hits.len()`).
    pub total: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Groups in the order of their best hit.
    pub groups: Vec<Group>,
    pub total: usize,
    /// More results than were considered.
    pub capped: bool,
    /// False while the index is still being built.
    pub complete: bool,
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn exact(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(term(field, text), IndexRecordOption::Basic))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

/// Every word must match in some field, exactly (best), with one typo for
/// long words, or as a prefix for the word being typed; every phrase must
/// match in order in some field.
fn text_query(parsed: &Parsed, fields: &[(Field, f32)]) -> Box<dyn Query> {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    for word in &parsed.words {
        let mut any: Vec<Box<dyn Query>> = Vec::new();
        for &(field, boost) in fields {
            any.push(boosted(
                Box::new(TermQuery::new(
                    term(field, &word.term),
                    IndexRecordOption::WithFreqs,
                )),
                boost,
            ));
            if word.fuzzy {
                any.push(boosted(
                    Box::new(FuzzyTermQuery::new(term(field, &word.term), 1, true)),
                    boost * 0.3,
                ));
            }
            if parsed.prefix.as_deref() == Some(word.term.as_str()) {
                any.push(boosted(
                    Box::new(FuzzyTermQuery::new_prefix(term(field, &word.term), 0, true)),
                    boost * 0.5,
                ));
            }
        }
        must.push(Box::new(BooleanQuery::union(any)));
    }
    for phrase in &parsed.phrases {
        let any: Vec<Box<dyn Query>> = fields
            .iter()
            .map(|&(field, boost)| {
                let terms = phrase.iter().map(|(p, t)| (*p, term(field, t))).collect();
                boosted(Box::new(PhraseQuery::new_with_offset(terms)), boost * 2.0)
            })
            .collect();
        must.push(Box::new(BooleanQuery::union(any)));
    }
    Box::new(BooleanQuery::intersection(must))
}

/// What `viewer` may find at `now`, as an index filter: published and due
/// and not expired; pending too for its author, all pending for webmasters.
/// The store has the last word (see [`may_find`]).
fn visibility(f: &Fields, viewer: &User, now: Timestamp) -> Box<dyn Query> {
    let now = now.as_microsecond();
    let visible = BooleanQuery::intersection(vec![
        exact(f.status, Status::Published.key()),
        Box::new(RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(f.publish_at, now)),
        )),
        Box::new(RangeQuery::new(
            Bound::Excluded(Term::from_field_i64(f.expires_at, now)),
            Bound::Unbounded,
        )),
    ]);
    let pending: Box<dyn Query> = if viewer.has(&Role::Webmaster) {
        exact(f.status, Status::Pending.key())
    } else {
        Box::new(BooleanQuery::intersection(vec![
            exact(f.status, Status::Pending.key()),
            exact(f.author, viewer.login.as_str()),
        ]))
    };
    Box::new(BooleanQuery::union(vec![Box::new(visible), pending]))
}

fn date_filter(
    f: &Fields,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Option<Box<dyn Query>> {
    if from.is_none() && to.is_none() {
        return None;
    }
    let lower = match from {
        Some(t) => Bound::Included(Term::from_field_i64(f.date, t.as_microsecond())),
        // People carry i64::MIN: any date filter leaves them out.
        None => Bound::Excluded(Term::from_field_i64(f.date, i64::MIN)),
    };
    let upper = match to {
        Some(t) => Bound::Excluded(Term::from_field_i64(f.date, t.as_microsecond())),
        None => Bound::Unbounded,
    };
    Some(Box::new(RangeQuery::new(lower, upper)))
}

/// The index terms a word matched, for highlighting: itself, and what its
/// typo tolerance or prefix reached in the dictionary.
fn matched_terms(searcher: &Searcher, fields: &[Field], parsed: &Parsed) -> BTreeMap<String, f32> {
    let mut out = BTreeMap::new();
    for word in &parsed.words {
        out.insert(word.term.clone(), 1.0);
        let prefix = parsed.prefix.as_deref() == Some(word.term.as_str());
        if !word.fuzzy && !prefix {
            continue;
        }
        for &field in fields {
            let query = if prefix {
                FuzzyTermQuery::new_prefix(term(field, &word.term), 0, true)
            } else {
                FuzzyTermQuery::new(term(field, &word.term), 1, true)
            };
            for segment in searcher.segment_readers() {
                let (Ok(automaton), Ok(inverted)) =
                    (query.automaton(), segment.inverted_index(field))
                else {
                    continue;
                };
                let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
                    continue;
                };
                let mut taken = 0;
                while taken < 32 && stream.advance() {
                    if let Ok(text) = std::str::from_utf8(stream.key()) {
                        // Below the exact words: an excerpt shows what was typed first.
                        out.entry(text.to_owned()).or_insert(0.25);
                        taken += 1;
                    }
                }
            }
        }
    }
    for phrase in &parsed.phrases {
        for (_, t) in phrase {
            out.insert(t.clone(), 1.0);
        }
    }
    out
}

/// Cuts the best excerpt of `texts` (the first with a match wins; else the
/// start of the first non-empty one).
fn excerpt(generator: &SnippetGenerator, texts: &[&str]) -> Excerpt {
    for text in texts {
        let snippet = generator.snippet(text);
        if !snippet.highlighted().is_empty() {
            return Excerpt {
                text: snippet.fragment().to_owned(),
                marks: snippet.highlighted().to_vec(),
            };
        }
    }
    let start = texts
        .iter()
        .find(|t| !t.trim().is_empty())
        .copied()
        .unwrap_or("");
    let cut: String = start.chars().take(EXCERPT_CHARS).collect();
    let text = if cut.len() < start.len() {
        format!("{}…", cut.trim_end())
    } else {
        cut
    };
    Excerpt {
        text,
        marks: Vec::new(),
    }
}

fn stored(doc: &TantivyDocument, field: Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}

impl Search {
    /// Searches for `viewer` at `now`. Blocking (index and store reads).
    pub fn find(
        &self,
        store: &Store,
        request: &Request,
        viewer: &User,
        now: Timestamp,
    ) -> Result<Results> {
        let complete = self.is_complete();
        let mut analyzer = analysis::french();
        let parsed = analysis::parse(&mut analyzer, &request.text, request.typing);
        if parsed.is_empty() || viewer.disabled {
            return Ok(Results {
                complete,
                ..Results::default()
            });
        }
        let f = self.inner.fields;
        let text_fields = [(f.title, 3.0), (f.summary, 1.5), (f.body, 1.0)];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, text_query(&parsed, &text_fields)),
            (Occur::Must, visibility(&f, viewer, now)),
        ];
        if let Some(space) = &request.space {
            clauses.push((Occur::Must, exact(f.space, space)));
        }
        if let Some(dates) = date_filter(&f, request.from, request.to) {
            clauses.push((Occur::Must, dates));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.inner.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(WINDOW).order_by_score())?;
        let highlight = matched_terms(&searcher, &[f.title, f.summary, f.body], &parsed);
        let mut generator =
            SnippetGenerator::new(highlight, analysis::french(), f.body, EXCERPT_CHARS);
        generator.set_max_num_chars(EXCERPT_CHARS);

        let mut results = Results {
            capped: top.len() == WINDOW,
            complete,
            ..Results::default()
        };
        let per_group = request.per_group.max(1);
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let space = stored(&doc, f.space);
            let key = stored(&doc, f.key);
            let slot = match results.groups.iter().position(|g| g.space == space) {
                Some(i) => i,
                None => {
                    results.groups.push(Group {
                        space: space.to_owned(),
                        hits: Vec::new(),
                        total: 0,
                    });
                    results.groups.len() - 1
                }
            };
            let group = &mut results.groups[slot];
            if group.hits.len() < per_group {
                // The store has the last word: the index may lag behind it.
                match resolve(store, key, viewer, now, &generator)? {
                    Some(hit) => group.hits.push(hit),
                    None => continue,
                }
            }
            group.total += 1;
            results.total += 1;
        }
        results.groups.retain(|g| g.total > 0);
        Ok(results)
    }
}

/// The hit behind an index key, if `viewer` may still find it now.
fn resolve(
    store: &Store,
    key: &str,
    viewer: &User,
    now: Timestamp,
    generator: &SnippetGenerator,
) -> Result<Option<Hit>> {
    if let Some(id) = key.strip_prefix("i:") {
        let Ok(id) = id.parse::<ItemId>() else {
            return Ok(None);
        };
        let Some(item) = store.get_item(id)? else {
            return Ok(None);
        };
        if !may_find(viewer, &item, now) {
            return Ok(None);
        }
        let body = item_text(&item);
        let excerpt = excerpt(generator, &[&body, &item.summary]);
        return Ok(Some(Hit::Item {
            item: Box::new(item),
            excerpt,
        }));
    }
    if let Some(login) = key.strip_prefix("u:") {
        let Some(user) = store.get_user(&Login::new(login))? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        let text = person_text(&user);
        let excerpt = excerpt(generator, &[&text]);
        return Ok(Some(Hit::Person {
            user: Box::new(user),
            excerpt,
        }));
    }
    Ok(None)
}
