//! What a DECT handset can show. Handsets render a small character set, and the OMM passes the
//! name on as the SIP display name: Eventphone saw one emoji in a DECT name break every
//! outgoing call of that handset, emergency calls included. So every name sent to the OMM goes
//! through [`handset_label`].

/// The most characters a handset label may have (Eventphone's mgr truncates to 20 as well).
pub const MAX_LABEL_CHARS: usize = 20;

/// Whether a character is safe on a handset and in a SIP display name: printable Latin-1
/// (what DECT's character set and the handsets cover), without the characters that would need
/// quoting in a SIP display name.
fn shows_on_handsets(c: char) -> bool {
    let printable_latin1 = matches!(c, ' '..='~' | '\u{a0}'..='\u{ff}');
    printable_latin1 && !matches!(c, '"' | '\\' | '<' | '>')
}

/// An IPEI as the OMM writes it: digits, maybe grouped by spaces; at most 20 characters
/// (13 digits with the customary spaces, with room to spare).
pub fn ipei_ok(v: &str) -> bool {
    v.len() <= 20
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().all(|b| b.is_ascii_digit() || b == b' ')
}

/// A DECT authentication key: hex, at most 64 characters (128 bits in the OMM's form, with
/// room to spare).
pub fn uak_ok(v: &str) -> bool {
    !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The name cleaned for a handset: unsafe characters dropped, runs of spaces (and the
/// no-break space) made one space, trimmed, at most `max` characters.
pub fn clean_name(name: &str, max: usize) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in name.chars() {
        if c.is_whitespace() || c == '\u{a0}' {
            pending_space = !out.is_empty();
            continue;
        }
        if !shows_on_handsets(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    let mut truncated: String = out.chars().take(max).collect();
    let trimmed_len = truncated.trim_end().len();
    truncated.truncate(trimmed_len);
    truncated
}

/// The label a handset shows: the name and the number ("Alice 4711"), the name shortened so
/// the number always fits; only the number when nothing of the name can be shown.
pub fn handset_label(name: &str, number: &str) -> String {
    let number = clean_name(number, MAX_LABEL_CHARS);
    let room = MAX_LABEL_CHARS.saturating_sub(number.chars().count() + 1);
    let name = clean_name(name, room);
    match (name.is_empty(), number.is_empty()) {
        (true, _) => number,
        (false, true) => clean_name(&name, MAX_LABEL_CHARS),
        (false, false) => format!("{name} {number}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_name_and_number() {
        assert_eq!(handset_label("Alice", "4711"), "Alice 4711");
        assert_eq!(handset_label("Jürgen Müller", "2001"), "Jürgen Müller 2001");
    }

    #[test]
    fn emoji_and_other_scripts_are_dropped() {
        assert_eq!(handset_label("📞 Bob 🎉", "4711"), "Bob 4711");
        assert_eq!(handset_label("Zoë 👩🏽‍💻", "2000"), "Zoë 2000");
        assert_eq!(handset_label("日本語", "2000"), "2000");
        // Combining marks are not Latin-1: the base letter stays.
        assert_eq!(handset_label("Zoe\u{308}", "2000"), "Zoe 2000");
    }

    #[test]
    fn control_and_quoting_characters_are_dropped() {
        assert_eq!(
            handset_label("A\u{0}l\u{7}i\u{1b}[31mce", "2000"),
            "Ali[31mce 2000"
        );
        assert_eq!(handset_label("\"Eve\" <sip:x>\\", "2000"), "Eve sip:x 2000");
        assert_eq!(
            handset_label("line\nbreak\ttab", "2000"),
            "line break tab 2000"
        );
        assert_eq!(handset_label("a\u{202e}b\u{200b}c", "2000"), "abc 2000");
    }

    #[test]
    fn at_most_twenty_characters_and_the_number_always_fits() {
        let long = "Bartholomew Fitzgerald-Smythe";
        let label = handset_label(long, "4711");
        assert_eq!(label, "Bartholomew Fit 4711");
        assert!(label.chars().count() <= MAX_LABEL_CHARS);
        assert_eq!(handset_label(long, "99561234"), "Bartholomew 99561234");
        assert_eq!(
            handset_label("Ann Bartholomew", "123456789012345"),
            "Ann 123456789012345",
            "a space cut at the end is trimmed"
        );
        for name in ["", " ", "x".repeat(500).as_str(), "ä".repeat(30).as_str()] {
            let label = handset_label(name, "99569999");
            assert!(label.chars().count() <= MAX_LABEL_CHARS, "{label}");
            assert!(label.ends_with("99569999"), "{label}");
        }
    }

    #[test]
    fn spaces_collapse_and_trim() {
        assert_eq!(handset_label("   Al   \u{a0} ice  ", "1"), "Al ice 1");
        assert_eq!(clean_name("  ", 20), "");
    }
}
