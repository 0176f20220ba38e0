//! Brotli answers joined from parts, for a page most of which is the same for
//! every agent (the home page), so that no request pays for compressing it:
//!
//! - the page's shared part (cached per change and minute) is compressed once;
//! - the text around it that is the same for every agent (the head, the menu,
//!   the footer) is compressed once per distinct text ([`RepeatedParts`]);
//! - the agent's own few hundred bytes (their name, the form token, what waits
//!   for them) are *stored*: a brotli stream of uncompressed meta-blocks, a
//!   copy, where starting an encoder would cost more than the bytes it saves.
//!
//! The page marks where its own text starts ([`OWN`]) and where repeated text
//! starts again ([`SAME`]), and where the shared part goes ([`SHARED`]). The
//! compressed parts are streams made to be concatenated (`catable`: each
//! starts byte-aligned and never refers to what came before it, nor to the
//! built-in dictionary); the crate's `BroCatli` joins them by copying bytes.
//! Invariant: a joined answer decodes to exactly the page's text, markers
//! removed, and so does the plain answer.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use brotli::concat::{BroCatli, BroCatliResult};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Window of every part (the default's 4 MB is far more than a page needs).
const WINDOW_BITS: i32 = 18;

/// In a page answered in parts: the agent's own text starts here.
pub const OWN: &str = "<!--kiosque:own-->";
/// In a page answered in parts: text that is the same for every agent starts
/// here (a page starts with such text).
pub const SAME: &str = "<!--kiosque:same-->";
/// In a page answered in parts: where its shared part goes.
pub const SHARED: &str = "<!--kiosque:shared-->";

/// A piece of a page answered in parts.
#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Same(&'a str),
    Own(&'a str),
    Shared,
}

/// The page's pieces, in order, markers removed (empty pieces left out).
fn segments(page: &str) -> Vec<Segment<'_>> {
    fn text(own: bool, text: &str) -> Segment<'_> {
        match own {
            true => Segment::Own(text),
            false => Segment::Same(text),
        }
    }
    let mut out = Vec::new();
    // Where the current piece starts, where to look for the next mark.
    let (mut own, mut start, mut from) = (false, 0, 0);
    while let Some(found) = memchr::memmem::find(&page.as_bytes()[from..], b"<!--kiosque:") {
        let at = from + found;
        let rest = &page[at..];
        let (length, next) = if rest.starts_with(OWN) {
            (OWN.len(), Some(true))
        } else if rest.starts_with(SAME) {
            (SAME.len(), Some(false))
        } else if rest.starts_with(SHARED) {
            (SHARED.len(), None)
        } else {
            // Not one of ours (it cannot be: text is escaped): text it is.
            from = at + 1;
            continue;
        };
        if at > start {
            out.push(text(own, &page[start..at]));
        }
        match next {
            Some(next) => own = next,
            None => out.push(Segment::Shared),
        }
        (start, from) = (at + length, at + length);
    }
    if page.len() > start {
        out.push(text(own, &page[start..]));
    }
    out
}

/// `text` as a brotli stream that can be joined to others, compressed well
/// (it is made once and sent many times).
fn compress(text: &str) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: WINDOW_BITS,
        size_hint: text.len(),
        catable: true,
        appendable: true,
        use_dictionary: false,
        ..Default::default()
    };
    let mut writer = brotli::CompressorWriter::with_params(
        Vec::with_capacity(text.len() / 3 + 64),
        4096,
        &params,
    );
    writer
        .write_all(text.as_bytes())
        .expect("writing to a Vec cannot fail");
    writer.into_inner()
}

/// `text` as a brotli stream that stores it as it is (uncompressed
/// meta-blocks, RFC 7932 §9.2), which can be joined to others.
fn stored(text: &[u8]) -> Vec<u8> {
    /// Least significant bit first, as brotli writes.
    struct Bits {
        out: Vec<u8>,
        pending: u32,
        count: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, count: u32) {
            self.pending |= value << self.count;
            self.count += count;
            while self.count >= 8 {
                self.out.push(self.pending as u8);
                self.pending >>= 8;
                self.count -= 8;
            }
        }
        fn align(&mut self) {
            if self.count > 0 {
                self.out.push(self.pending as u8);
                (self.pending, self.count) = (0, 0);
            }
        }
    }
    const CHUNK: usize = 1 << 16;
    let mut bits = Bits {
        out: Vec::with_capacity(text.len() + 3 * (text.len() / CHUNK + 1) + 1),
        pending: 0,
        count: 0,
    };
    // WBITS for an 18-bit window: 0b0011 in 4 bits (§9.1).
    const _: () = assert!(WINDOW_BITS == 18);
    bits.put(0b0011, 4);
    for chunk in text.chunks(CHUNK) {
        bits.put(0, 1); // ISLAST
        bits.put(0, 2); // MNIBBLES: 4 nibbles
        bits.put(chunk.len() as u32 - 1, 16); // MLEN - 1
        bits.put(1, 1); // ISUNCOMPRESSED
        bits.align();
        bits.out.extend_from_slice(chunk);
    }
    bits.put(0b11, 2); // ISLAST, ISLASTEMPTY
    bits.align();
    bits.out
}

/// One brotli stream from parts made by [`compress`] or [`stored`], in order.
pub fn join(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0; parts.iter().map(|p| p.len()).sum::<usize>() + 16];
    let mut written = 0;
    let mut joiner = BroCatli::new_with_window_size(WINDOW_BITS as u8);
    for part in parts {
        joiner.new_brotli_file();
        let mut read = 0;
        match joiner.stream(part, &mut read, &mut out, &mut written) {
            BroCatliResult::NeedsMoreInput | BroCatliResult::Success => {}
            other => panic!("a part made by `compress` does not join: {other:?}"),
        }
    }
    match joiner.finish(&mut out, &mut written) {
        BroCatliResult::Success => {}
        other => panic!("joined parts do not end: {other:?}"),
    }
    out.truncate(written);
    out
}

/// Whether the client takes brotli (`Accept-Encoding: br`, not `br;q=0`).
pub fn accepts_brotli(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut fields = coding.split(';').map(str::trim);
            fields
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("br"))
                && fields.all(|param| match param.split_once('=') {
                    Some((name, q)) if name.trim().eq_ignore_ascii_case("q") => {
                        q.trim().parse::<f32>().is_ok_and(|q| q > 0.0)
                    }
                    _ => true,
                })
        })
}

/// A page's text that is the same for every agent, and its brotli stream,
/// made the first time an answer needs it.
#[derive(Debug)]
pub struct SharedPart {
    html: Arc<str>,
    brotli: OnceLock<Vec<u8>>,
}

impl SharedPart {
    pub fn new(html: Arc<str>) -> Self {
        Self {
            html,
            brotli: OnceLock::new(),
        }
    }

    pub fn html(&self) -> &str {
        &self.html
    }

    pub fn brotli(&self) -> &[u8] {
        self.brotli.get_or_init(|| compress(&self.html))
    }
}

/// Compressed texts that repeat from one request to the next (a page's head,
/// menu and end, the same for every agent on a class of device): each
/// distinct text is compressed once. Holds a few; a new one pushes out the
/// oldest.
#[derive(Debug, Default)]
pub struct RepeatedParts {
    slots: Mutex<Vec<Repeated>>,
}

/// A text and its brotli stream.
type Repeated = (Arc<str>, Arc<[u8]>);

const REPEATED_SLOTS: usize = 16;

impl RepeatedParts {
    pub fn brotli(&self, text: &str) -> Arc<[u8]> {
        if let Some((_, compressed)) = self
            .slots
            .lock()
            .expect("parts lock")
            .iter()
            .find(|(known, _)| **known == *text)
        {
            return compressed.clone();
        }
        let compressed: Arc<[u8]> = compress(text).into();
        let mut slots = self.slots.lock().expect("parts lock");
        if slots.len() == REPEATED_SLOTS {
            slots.remove(0);
        }
        slots.push((text.into(), compressed.clone()));
        compressed
    }
}

/// An HTML answer from `page` (marked with [`OWN`], [`SAME`] and one
/// [`SHARED`]) and its shared part: brotli joined from parts when `brotli`
/// (the client takes it, and the listener compresses), otherwise the plain
/// text (which the compression layer may still gzip).
pub fn html_answer(
    brotli: bool,
    page: &str,
    shared: &SharedPart,
    repeated: &RepeatedParts,
) -> Response {
    let content_type = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    let segments = segments(page);
    if brotli {
        let parts: Vec<Part> = segments
            .iter()
            .map(|segment| match segment {
                Segment::Same(text) => Part::Repeated(repeated.brotli(text)),
                Segment::Own(text) => Part::Made(stored(text.as_bytes())),
                Segment::Shared => Part::Shared(shared.brotli()),
            })
            .collect();
        let parts: Vec<&[u8]> = parts.iter().map(Part::bytes).collect();
        (
            [
                content_type,
                vary,
                (header::CONTENT_ENCODING, HeaderValue::from_static("br")),
            ],
            join(&parts),
        )
            .into_response()
    } else {
        let mut body = String::with_capacity(page.len() + shared.html().len());
        for segment in &segments {
            body.push_str(match segment {
                Segment::Same(text) | Segment::Own(text) => text,
                Segment::Shared => shared.html(),
            });
        }
        ([content_type, vary], body).into_response()
    }
}

/// A compressed part of an answer, wherever it is kept.
enum Part<'a> {
    Repeated(Arc<[u8]>),
    Made(Vec<u8>),
    Shared(&'a [u8]),
}

impl Part<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Part::Repeated(bytes) => bytes,
            Part::Made(bytes) => bytes,
            Part::Shared(bytes) => bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(stream: &[u8]) -> String {
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &stream[..], &mut out).expect("a valid brotli stream");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn joined_parts_decode_to_the_texts_in_order() {
        let shared = SharedPart::new(
            "<main>"
                .repeat(2000)
                .replace("main", "section class=\"bloc\"")
                .into(),
        );
        let repeated = RepeatedParts::default();
        let long = "é".repeat(70_000);
        for own in ["", "<header>Nadia Benali</header>", &long] {
            let joined = join(&[
                &repeated.brotli("<!DOCTYPE html><head></head>"),
                &stored(own.as_bytes()),
                &compress(own),
                shared.brotli(),
                &repeated.brotli("<footer>fin</footer>"),
            ]);
            assert_eq!(
                decode(&joined),
                format!(
                    "<!DOCTYPE html><head></head>{own}{own}{}<footer>fin</footer>",
                    shared.html()
                )
            );
            assert_eq!(decode(&stored(own.as_bytes())), own, "alone");
        }
        assert_eq!(decode(&join(&[])), "");
    }

    #[tokio::test]
    async fn a_page_answers_the_same_text_compressed_or_not() {
        let shared = SharedPart::new("<div class=\"home-grid\">À la une</div>".into());
        let page = format!(
            "<head></head><header>{OWN}<a>Nadia Benali</a>{SAME}</header><main>{OWN}<p>1 note</p>{SAME}{SHARED}</main><footer>fin</footer>"
        );
        let expected = "<head></head><header><a>Nadia Benali</a></header><main><p>1 note</p><div class=\"home-grid\">À la une</div></main><footer>fin</footer>";
        assert_eq!(
            segments(&page),
            [
                Segment::Same("<head></head><header>"),
                Segment::Own("<a>Nadia Benali</a>"),
                Segment::Same("</header><main>"),
                Segment::Own("<p>1 note</p>"),
                Segment::Shared,
                Segment::Same("</main><footer>fin</footer>"),
            ]
        );
        assert_eq!(
            segments("<p><!--kiosque:autre--></p>"),
            [Segment::Same("<p><!--kiosque:autre--></p>")],
            "a mark not ours is text"
        );
        let repeated = RepeatedParts::default();
        let body = async |accept: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(accept));
            let response = html_answer(accepts_brotli(&headers), &page, &shared, &repeated);
            let encoding = response.headers().get(header::CONTENT_ENCODING).cloned();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (encoding, bytes)
        };
        let (encoding, bytes) = body("gzip, br").await;
        assert_eq!(encoding.as_ref().map(|e| e.to_str().unwrap()), Some("br"));
        assert_eq!(decode(&bytes), expected);
        let (encoding, bytes) = body("gzip").await;
        assert_eq!(encoding, None, "left to the compression layer");
        assert_eq!(&bytes[..], expected.as_bytes());
    }

    #[test]
    fn repeated_texts_are_compressed_once() {
        let repeated = RepeatedParts::default();
        let first = repeated.brotli("<footer>fin</footer>");
        assert!(Arc::ptr_eq(
            &first,
            &repeated.brotli("<footer>fin</footer>")
        ));
        for i in 0..REPEATED_SLOTS {
            repeated.brotli(&format!("<footer>{i}</footer>"));
        }
        assert!(
            !Arc::ptr_eq(&first, &repeated.brotli("<footer>fin</footer>")),
            "pushed out"
        );
    }

    #[test]
    fn brotli_is_taken_unless_refused() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_brotli(&headers)
        };
        assert!(with("gzip, deflate, br, zstd"));
        assert!(with("br;q=0.5, gzip"));
        assert!(with("BR"));
        assert!(!with("gzip, deflate"));
        assert!(!with("br;q=0, gzip"));
        assert!(!with("br;Q=0, gzip"));
        assert!(!with("br; q=0.0"));
        assert!(!with("brotli"));
        assert!(!accepts_brotli(&HeaderMap::new()));
    }
}
