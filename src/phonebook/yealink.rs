//! Yealink remote phone book: `YealinkIPPhoneDirectory` with a `Title` and one
//! `DirectoryEntry` (`Name`, `Telephone`) per entry. The phone fetches it from the URL in
//! `remote_phonebook.data.N.url` and searches it locally, so the whole book goes in one
//! document.

use super::{xml, Phonebook};

/// Root element of the Yealink remote phone book.
pub const ROOT: &str = "YealinkIPPhoneDirectory";

/// Renders the whole book as a Yealink remote phone book titled `title`.
pub fn render(book: &Phonebook, title: &str) -> String {
    xml::directory(ROOT, Some(title), book.entries())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::{
        assert_directory_entries, child_text, nasty_book, parse_xml,
    };

    // Format: Yealink "XML Browser Developer's Guide for Yealink IP Phones" (SIP-T4X
    // specifications, release 71), http://manualzilla.com/doc/7403497/yealink-sip-t4x-specifications
    // (Yealink IP Phone XML Objects: root `YealinkIPPhone...`, `Title`, UTF-8/ISO-8859-1
    // declaration, objects under 10 kB for the XML browser), and the remote phone book
    // provisioning key `remote_phonebook.data.X.url` in Yealink's auto-provisioning template
    // (y000000000028.cfg). The `DirectoryEntry`/`Name`/`Telephone` entry shape is the one
    // Yealink's remote phone book examples use.
    #[test]
    fn directory_entries_parse_back_with_roxmltree() {
        let book = nasty_book();
        let out = render(&book, "Event & Co <Phonebook>");
        let doc = parse_xml(&out, ROOT);
        assert_eq!(
            child_text(doc.root_element(), "Title"),
            "Event & Co <Phonebook>"
        );
        assert_directory_entries(&doc, book.entries());
        assert!(
            out.contains("Müller &amp; Söhne"),
            "umlauts kept, & escaped"
        );
    }
}
