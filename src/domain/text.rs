//! Text helpers shared by search-like features: accent and case folding.

/// Folds text for accent- and case-insensitive matching: "Lefèvre" → "lefevre",
/// "N'Diaye" → "n'diaye". Letters outside Latin-1 are kept as lowercase.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' | 'À' | 'Â' | 'Ä' | 'Á' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' | 'Î' | 'Ï' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'Ô' | 'Ö' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' => out.push('u'),
            'ç' | 'Ç' => out.push('c'),
            'ÿ' | 'Ÿ' => out.push('y'),
            'ñ' | 'Ñ' => out.push('n'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            '’' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Folds a name to a login-safe ASCII word: "N'Diaye" → "ndiaye".
pub fn login_word(name: &str) -> String {
    fold(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// `raw` if it is a path on this site, else `/`. Browsers drop tabs and
/// newlines and read `\\` as `/`: a path with any of them, or starting `//`,
/// could leave the site.
pub fn local_path(raw: Option<&str>) -> String {
    match raw {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_accents_and_case() {
        assert_eq!(fold("Hélène LEFÈVRE"), "helene lefevre");
        assert_eq!(fold("Maëlle Hervé"), "maelle herve");
        assert_eq!(fold("Cœur"), "coeur");
        assert_eq!(login_word("N'Diaye"), "ndiaye");
        assert_eq!(login_word("de La Croix"), "delacroix");
    }
}
