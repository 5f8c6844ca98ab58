//! Snom XML minibrowser directory: `SnomIPPhoneDirectory` with a `Title` and one
//! `DirectoryEntry` (`Name`, `Telephone`) per entry; the phone lists the entries and dials the
//! selected one.

use super::{xml, Phonebook};

/// Root element of the Snom minibrowser directory.
pub const ROOT: &str = "SnomIPPhoneDirectory";

/// Renders the whole book as a Snom minibrowser directory titled `title`.
pub fn render(book: &Phonebook, title: &str) -> String {
    xml::directory(ROOT, Some(title), book.entries())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::{
        assert_directory_entries, child_text, nasty_book, parse_xml,
    };

    // Format: Snom "XML Minibrowser", https://service.snom.com/display/wiki/XML+Minibrowser
    // (`SnomIPPhoneDirectory`: "Show a phone book"; XML header recommended so the parser
    // knows the encoding; UTF-8 for non-English text), and the Snom User Wiki "Minibrowser"
    // page, http://wiki.snom.com/Xmlobjects (supported objects, `DirectoryEntry` with `Name`
    // and `Telephone`).
    #[test]
    fn directory_entries_parse_back_with_roxmltree() {
        let book = nasty_book();
        let out = render(&book, "Telefonbuch");
        let doc = parse_xml(&out, ROOT);
        assert_eq!(child_text(doc.root_element(), "Title"), "Telefonbuch");
        assert_directory_entries(&doc, book.entries());
    }
}
