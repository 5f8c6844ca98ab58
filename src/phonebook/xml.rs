//! The little XML writing the vendor formats share. Phones' XML parsers are weak (Cisco says
//! its parser "does not function as a fully capable XML parser"), so the output stays plain:
//! a declaration, elements, text, no namespaces, no CDATA, and every text escaped.

/// The declaration every vendor document starts with.
pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Escapes text for element content and attribute values: `& < > " '`. Characters XML 1.0
/// cannot carry at all (C0 controls other than tab, newline and carriage return; U+FFFE/FFFF)
/// become U+FFFD, so a stray control character in a name cannot make the whole book
/// unparseable.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Appends `<name>text</name>` with the text escaped, indented by `indent` spaces.
pub(crate) fn element(out: &mut String, indent: usize, name: &str, text: &str) {
    push_indent(out, indent);
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

/// Appends an opening tag on its own line.
pub(crate) fn open(out: &mut String, indent: usize, name: &str) {
    push_indent(out, indent);
    out.push('<');
    out.push_str(name);
    out.push_str(">\n");
}

/// Appends a closing tag on its own line.
pub(crate) fn close(out: &mut String, indent: usize, name: &str) {
    push_indent(out, indent);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A vendor directory of the common `DirectoryEntry`/`Name`/`Telephone` shape (Yealink, Snom
/// and Cisco share it), with an optional `Title` first.
pub(crate) fn directory<'a>(
    root: &str,
    title: Option<&str>,
    entries: impl IntoIterator<Item = &'a super::Entry>,
) -> String {
    let mut out = String::from(DECLARATION);
    open(&mut out, 0, root);
    if let Some(title) = title {
        element(&mut out, 2, "Title", title);
    }
    directory_entries(&mut out, entries);
    close(&mut out, 0, root);
    out
}

/// Appends one `DirectoryEntry` per entry.
pub(crate) fn directory_entries<'a>(
    out: &mut String,
    entries: impl IntoIterator<Item = &'a super::Entry>,
) {
    for entry in entries {
        open(out, 2, "DirectoryEntry");
        element(out, 4, "Name", &entry.name);
        element(out, 4, "Telephone", &entry.number);
        close(out, 2, "DirectoryEntry");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_forbidden_controls() {
        assert_eq!(
            escape("a&b<c>d\"e'f\u{1}g\th"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f\u{FFFD}g\th"
        );
        assert_eq!(escape("Müller"), "Müller");
    }

    #[test]
    fn a_name_with_a_control_character_still_parses() {
        let book = super::super::Phonebook::new([super::super::Entry::extension("bell\u{7}", "1")]);
        let xml = directory("D", None, book.entries());
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let name = doc.descendants().find(|n| n.has_tag_name("Name")).unwrap();
        assert_eq!(name.text(), Some("bell\u{FFFD}"));
    }
}
