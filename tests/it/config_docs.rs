//! docs/configuration.md cannot drift from the config struct: every key the
//! configuration accepts (asked of the config loader itself, through its
//! "unknown field, expected one of …" answer) has its row in the section of
//! the reference that documents it. Also: the packaged default configuration
//! is valid.

use kiosque::config::{Config, Overrides};

const PROBE: &str = "cle_inconnue_de_test";

/// The keys accepted in the section written as `header` (TOML text that opens
/// it, empty for the top level), from the loader's error message.
fn keys_of(header: &str) -> Option<Vec<String>> {
    let text = format!("{header}\n{PROBE} = 1\n");
    let err = Config::merge(Some(("probe.toml", &text)), [], &Overrides::default())
        .err()?
        .to_string();
    if !err.contains(&format!("unknown field `{PROBE}`")) {
        return None;
    }
    // "expected one of `a`, `b`", "expected `a` or `b`", "expected `a`";
    // then a line "in `section`".
    let expected = err.split("expected ").nth(1)?.lines().next()?;
    Some(
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect(),
    )
}

/// Every (section path, key): `("", "listen")`, `("tls", "enabled")`,
/// `("directory.attributes", "photo")`, `("unions", "slug")`.
fn all_keys() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut sections = vec![(String::new(), String::new())];
    while let Some((path, header)) = sections.pop() {
        for key in keys_of(&header).expect("the loader names the keys it accepts") {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if let Some(_sub) = keys_of(&format!("[{child}]")) {
                sections.push((child.clone(), format!("[{child}]")));
            } else if keys_of(&format!("[[{child}]]")).is_some() {
                sections.push((child.clone(), format!("[[{child}]]")));
            } else {
                out.push((path.clone(), key));
            }
        }
    }
    out.sort();
    out
}

/// The part of the reference for a section: from the heading that names it
/// (`## \`[tls]\` — …`, `### \`[directory.attributes]\` — …`) to the next
/// heading of the same or a higher level. The top level: the part before the
/// first section heading.
fn section_text<'a>(doc: &'a str, path: &str) -> Option<&'a str> {
    let headings: Vec<(usize, usize, &str)> = doc
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .filter_map(|i| {
            let line = doc[i..].lines().next()?;
            let level = line.bytes().take_while(|b| *b == b'#').count();
            (level >= 2 && line.as_bytes().get(level) == Some(&b' ')).then_some((i, level, line))
        })
        .collect();
    let names = |line: &str| {
        line.contains(&format!("`[{path}]`")) || line.contains(&format!("`[[{path}]]`"))
    };
    let (index, &(start, level, _)) = if path.is_empty() {
        let first = headings.iter().position(|(_, _, l)| l.contains("`["))?;
        return Some(&doc[..headings[first].0]);
    } else {
        headings
            .iter()
            .enumerate()
            .find(|(_, (_, _, l))| names(l))?
    };
    let end = headings[index + 1..]
        .iter()
        .find(|(_, l, _)| *l <= level)
        .map(|(i, _, _)| *i)
        .unwrap_or(doc.len());
    Some(&doc[start..end])
}

#[test]
fn configuration_md_documents_every_key() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .unwrap();
    let keys = all_keys();
    assert!(keys.len() > 40, "the probe found the keys: {keys:?}");
    assert!(keys.contains(&("tls".into(), "cert_file".into())));
    let mut missing = Vec::new();
    for (path, key) in &keys {
        let Some(text) = section_text(&doc, path) else {
            missing.push(format!("no section for [{path}]"));
            continue;
        };
        if !text.contains(&format!("| `{key}` |")) {
            missing.push(if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            });
        }
    }
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not document: {missing:?}"
    );
}

#[test]
fn the_packaged_configuration_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/kiosque.toml");
    let config = Config::load(Some(path.as_ref()), [], &Overrides::default()).unwrap();
    assert!(!config.demo);
    assert_eq!(config.data_dir, std::path::Path::new("/var/lib/kiosque"));
}
