//! French text analysis and the parsing of what an agent types into the
//! search box. The same analyzer runs at indexing and at query time, so
//! "Congés", "conges" and "congé" all meet on the stem `cong`.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};

/// The name the French analyzer is registered under in the index.
pub const FRENCH: &str = "fr";

/// Words at least this long (in characters, as typed) tolerate one typo.
pub const FUZZY_MIN_CHARS: usize = 5;

/// Lower-case, drop French stop words (before folding, so that the elided
/// `l'`, `d'`, `qu'` and `à` go), fold accents, stem.
pub fn french() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(Language::French) {
        Some(stop_words) => builder
            .filter(stop_words)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::French))
            .build(),
        // The stop-word list is compiled in (feature `stopwords`); without
        // it, search still works, only less precisely.
        None => builder
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::French))
            .build(),
    }
}

/// The analyzed tokens of `text` with their positions.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push((token.position, token.text.clone()));
    }
    out
}

/// One word of a query: its analyzed term, and whether it may carry a typo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub term: String,
    pub fuzzy: bool,
}

/// What the agent typed, analyzed: free words (all required) and quoted
/// phrases (required, in order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub words: Vec<Word>,
    /// Each phrase: (position, term) pairs, positions relative to the phrase.
    pub phrases: Vec<Vec<(usize, String)>>,
    /// The last free word was still being typed (search-as-you-type): it
    /// also matches as a prefix.
    pub prefix: Option<String>,
}

impl Parsed {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }
}

/// Splits a query into free words and `"quoted phrases"`, analyzing each.
/// With `typing`, the last free word also counts as a prefix.
pub fn parse(analyzer: &mut TextAnalyzer, query: &str, typing: bool) -> Parsed {
    let mut parsed = Parsed::default();
    let mut free = String::new();
    for (i, part) in query.split('"').enumerate() {
        // Odd parts are inside quotes (an unclosed quote runs to the end).
        if i % 2 == 1 {
            let phrase = tokens(analyzer, part);
            match phrase.len() {
                0 => {}
                1 => parsed.words.push(Word {
                    term: phrase[0].1.clone(),
                    fuzzy: false,
                }),
                _ => {
                    let first = phrase[0].0;
                    parsed
                        .phrases
                        .push(phrase.into_iter().map(|(p, t)| (p - first, t)).collect());
                }
            }
        } else {
            free.push(' ');
            free.push_str(part);
        }
    }
    let raw_words: Vec<&str> = free
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let still_typing = typing && !query.ends_with(|c: char| !c.is_alphanumeric());
    for (i, raw) in raw_words.iter().enumerate() {
        // A stop word analyzes to nothing and is dropped.
        let Some((_, term)) = tokens(analyzer, raw).into_iter().next() else {
            continue;
        };
        let last = i + 1 == raw_words.len();
        if last && still_typing && raw.chars().count() >= 2 {
            parsed.prefix = Some(term.clone());
        }
        if parsed.words.iter().any(|w| w.term == term) {
            continue;
        }
        parsed.words.push(Word {
            fuzzy: raw.chars().count() >= FUZZY_MIN_CHARS,
            term,
        });
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        tokens(&mut french(), text)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn accents_case_and_plurals_meet_on_one_stem() {
        assert_eq!(terms("Congés"), terms("conges"));
        assert_eq!(terms("congé"), terms("CONGES"));
        assert_eq!(terms("écoles"), terms("ecole"));
        assert_eq!(terms("maternité"), terms("maternite"));
        assert_eq!(terms("cantines"), terms("cantine"));
    }

    #[test]
    fn elisions_and_stop_words_drop_out() {
        assert_eq!(terms("l'école"), terms("école"));
        assert_eq!(terms("d'été"), terms("été"));
        assert_eq!(terms("qu'il"), Vec::<String>::new());
        assert_eq!(terms("le congé de la mère"), terms("congé mère"));
    }

    #[test]
    fn quotes_make_phrases_and_long_words_tolerate_a_typo() {
        let mut analyzer = french();
        let parsed = parse(
            &mut analyzer,
            "\"congé maternité\" cantine à la mairie",
            false,
        );
        assert_eq!(parsed.phrases.len(), 1);
        assert_eq!(parsed.phrases[0].len(), 2);
        let words: Vec<_> = parsed
            .words
            .iter()
            .map(|w| (w.term.as_str(), w.fuzzy))
            .collect();
        assert_eq!(words, [("cantin", true), ("mair", true)]);
        assert_eq!(parsed.prefix, None);
        let typing = parse(&mut analyzer, "cong", true);
        assert_eq!(typing.prefix.as_deref(), Some("cong"));
        assert!(!typing.words[0].fuzzy);
        assert_eq!(parse(&mut analyzer, "cong ", true).prefix, None);
        assert!(parse(&mut analyzer, "le la les", false).is_empty());
    }
}
