//! The languages of the web pages and the prompts, and how a browser's wish is read.

use std::fmt;

/// A language eventpbx speaks. Adding one means a catalogue folder under `locales/` and a
/// prompt folder under `sounds/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// German.
    De,
}

impl Lang {
    /// Every language, in the order the footer's switch shows them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The BCP 47 code (`<html lang>`, the cookie, the database column).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// The language's own name for itself (the switch reads the same in every language).
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    /// The language of a code, ignoring case and a region (`de-AT` is German); None for any
    /// language eventpbx does not speak.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The best of our languages for an `Accept-Language` header (RFC 9110 §12.5.4): the
    /// highest q-value wins, earlier entries win ties, `q=0` means "not this one", `*` is
    /// ignored (it says nothing about which). Malformed entries are skipped.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        for entry in header.split(',').take(32) {
            let mut parts = entry.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let mut quality = 1000;
            for param in parts {
                if let Some(q) = param.trim().strip_prefix("q=") {
                    quality = parse_quality(q).unwrap_or(0);
                }
            }
            if quality > 0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// A q-value in thousandths: `1`, `0.8`, `0.125`; None when malformed.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_with_regions_and_case() {
        assert_eq!(Lang::parse("de"), Some(Lang::De));
        assert_eq!(Lang::parse("DE-at"), Some(Lang::De));
        assert_eq!(Lang::parse("en_GB"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::parse("d"), None);
    }

    #[test]
    fn accept_language_picks_the_best_we_speak() {
        assert_eq!(
            Lang::from_accept_language("de-DE,de;q=0.9,en;q=0.8"),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, de;q=0.7"),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.5, de;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("de;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr, *;q=0.1"), None);
        assert_eq!(Lang::from_accept_language(""), None);
        // Malformed q-values do not win.
        assert_eq!(
            Lang::from_accept_language("de;q=2, en;q=0.2"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de;q=abc"), None);
        assert_eq!(
            Lang::from_accept_language("de;q=0.1234, en"),
            Some(Lang::En)
        );
    }
}
