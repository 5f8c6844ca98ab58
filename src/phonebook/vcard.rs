//! vCard 3.0 (RFC 2426, on the MIME directory profile of RFC 2425): one `BEGIN:VCARD` ...
//! `END:VCARD` per entry with `VERSION`, `FN`, `N` and `TEL`, CRLF line ends, text values
//! escaped (`\\`, `\,`, `\;`, `\n`) and lines folded at 75 octets.

use super::{Entry, EntryKind, Phonebook};

/// The longest physical line in octets, line break excluded (RFC 2425 section 5.8.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// Renders the book as a vCard 3.0 stream, one card per entry.
pub fn render(book: &Phonebook) -> String {
    let mut out = String::new();
    for entry in book.entries() {
        card(&mut out, entry);
    }
    out
}

fn card(out: &mut String, entry: &Entry) {
    let tel_type = match entry.kind {
        EntryKind::Extension => "WORK,VOICE",
        // A shared line, like a service entry: nobody's personal phone.
        EntryKind::Service | EntryKind::Group => "VOICE",
    };
    line(out, "BEGIN:VCARD");
    line(out, "VERSION:3.0");
    line(out, &format!("FN:{}", escape_text(&entry.name)));
    // N is family;given;additional;prefixes;suffixes and required in 3.0. Display names at
    // an event are free-form, so no splitting: the whole name is the family part, and clients
    // that sort by family name sort like the book.
    line(out, &format!("N:{};;;;", escape_text(&entry.name)));
    line(
        out,
        &format!("TEL;TYPE={tel_type}:{}", escape_text(&entry.number)),
    );
    line(out, "END:VCARD");
}

/// Escapes a text value (RFC 2426 section 4, "text"): backslash, comma and semicolon get a
/// backslash, a line break becomes `\n`.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' => {
                // CRLF, lone CR and lone LF are all one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded: a physical line holds at most [`MAX_LINE_OCTETS`]
/// octets, continuation lines start with one space, and no UTF-8 sequence is cut.
fn line(out: &mut String, content: &str) {
    let mut budget = MAX_LINE_OCTETS;
    let mut used = 0;
    for c in content.chars() {
        if used + c.len_utf8() > budget {
            out.push_str("\r\n ");
            used = 0;
            budget = MAX_LINE_OCTETS - 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::nasty_book;

    /// Unfolds per RFC 2425 5.8.1 (a CRLF followed by one space or tab is removed), written
    /// independently of the folding above. Fails on a bare LF or CR.
    fn unfold(stream: &str) -> Vec<String> {
        assert!(stream.ends_with("\r\n"), "ends with CRLF");
        let physical: Vec<&str> = stream[..stream.len() - 2].split("\r\n").collect();
        let mut logical: Vec<String> = Vec::new();
        for p in physical {
            assert!(
                !p.contains('\n') && !p.contains('\r'),
                "bare line break in {p:?}"
            );
            assert!(p.len() <= 75, "{} octets: {p:?}", p.len());
            if let Some(rest) = p.strip_prefix(' ').or_else(|| p.strip_prefix('\t')) {
                logical.last_mut().unwrap().push_str(rest);
            } else {
                logical.push(p.to_string());
            }
        }
        logical
    }

    /// Splits a value at unescaped `sep` and unescapes each part (RFC 2426 section 4).
    fn split_unescape(value: &str, sep: char) -> Vec<String> {
        let mut parts = vec![String::new()];
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next().unwrap() {
                    'n' | 'N' => parts.last_mut().unwrap().push('\n'),
                    other => parts.last_mut().unwrap().push(other),
                }
            } else if c == sep {
                parts.push(String::new());
            } else {
                parts.last_mut().unwrap().push(c);
            }
        }
        parts
    }

    // Format: RFC 2426 "vCard MIME Directory Profile" (vCard 3.0),
    // https://www.rfc-editor.org/rfc/rfc2426 (sections 2.1.1 BEGIN/END, 3.1.1 FN, 3.1.2 N,
    // 3.3.1 TEL with TYPE=work/voice, 4 text escaping), and RFC 2425 "A MIME Content-Type for
    // Directory Information", https://www.rfc-editor.org/rfc/rfc2425 (5.8.1 line folding at
    // 75 octets, CRLF). Checked by an unfolder and splitter written here independently.
    #[test]
    fn cards_unfold_and_split_back_to_the_entries() {
        let book = nasty_book();
        let out = render(&book);
        assert!(
            out.split("\r\n").any(|l| l.starts_with(' ')),
            "the long name was folded"
        );
        let lines = unfold(&out);
        let cards: Vec<&[String]> = lines
            .split_inclusive(|l| l == "END:VCARD")
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(cards.len(), book.len());
        for (card, entry) in cards.iter().zip(book.entries()) {
            assert_eq!(card.first().unwrap(), "BEGIN:VCARD");
            assert_eq!(card.last().unwrap(), "END:VCARD");
            let prop = |name: &str| -> Vec<(String, String)> {
                card.iter()
                    .filter_map(|l| {
                        let (head, value) = l.split_once(':')?;
                        let (prop_name, params) = head.split_once(';').unwrap_or((head, ""));
                        (prop_name.eq_ignore_ascii_case(name))
                            .then(|| (params.to_string(), value.to_string()))
                    })
                    .collect()
            };
            assert_eq!(prop("VERSION"), [(String::new(), "3.0".to_string())]);

            let fn_ = prop("FN");
            assert_eq!(fn_.len(), 1);
            assert_eq!(
                split_unescape(&fn_[0].1, '\u{0}').as_slice(),
                std::slice::from_ref(&entry.name)
            );

            let n = prop("N");
            assert_eq!(n.len(), 1);
            let parts = split_unescape(&n[0].1, ';');
            assert_eq!(parts.len(), 5, "N has five components: {parts:?}");
            assert_eq!(parts[0], entry.name);
            assert!(parts[1..].iter().all(String::is_empty), "{parts:?}");

            let tel = prop("TEL");
            assert_eq!(tel.len(), 1);
            let types = tel[0].0.strip_prefix("TYPE=").unwrap().to_lowercase();
            assert!(types.split(',').any(|t| t == "voice"), "{types}");
            assert_eq!(
                split_unescape(&tel[0].1, '\u{0}').as_slice(),
                std::slice::from_ref(&entry.number)
            );
        }
    }

    #[test]
    fn escapes_separators_and_line_breaks() {
        assert_eq!(escape_text("a,b;c\\d\r\ne\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
    }

    #[test]
    fn folding_never_cuts_a_utf8_sequence() {
        let mut out = String::new();
        line(&mut out, &format!("FN:{}", "ü".repeat(100)));
        for physical in out.trim_end_matches("\r\n").split("\r\n") {
            assert!(physical.len() <= MAX_LINE_OCTETS);
        }
        // String guarantees valid UTF-8; check nothing was lost either.
        assert_eq!(unfold(&out), [format!("FN:{}", "ü".repeat(100))]);
    }
}
