//! Grandstream XML phonebook (GXP16xx/17xx/21xx "XML based downloadable phonebook"):
//! `AddressBook` with one `Contact` per entry holding `FirstName`, `LastName` and a `Phone`
//! with `phonenumber` and `accountindex`.
//!
//! Grandstream requires at least one of `FirstName`/`LastName`. Names at an event are
//! free-form display names ("Müller & Söhne", "Alice (Orga)"), which no rule splits into
//! first and last name reliably, so the whole name goes into `FirstName` and `LastName` stays
//! empty: the phone shows exactly what the user typed.

use super::{xml, Phonebook};

/// Root element of the Grandstream phonebook.
pub const ROOT: &str = "AddressBook";

/// Renders the whole book as a Grandstream XML phonebook. `account_index` is the phone
/// account the entries dial out on (0 = the first account).
pub fn render(book: &Phonebook, account_index: u8) -> String {
    let account = account_index.to_string();
    let mut out = String::from(xml::DECLARATION);
    xml::open(&mut out, 0, ROOT);
    for entry in book.entries() {
        xml::open(&mut out, 2, "Contact");
        xml::element(&mut out, 4, "FirstName", &entry.name);
        xml::element(&mut out, 4, "LastName", "");
        xml::open(&mut out, 4, "Phone");
        xml::element(&mut out, 6, "phonenumber", &entry.number);
        xml::element(&mut out, 6, "accountindex", &account);
        xml::close(&mut out, 4, "Phone");
        xml::close(&mut out, 2, "Contact");
    }
    xml::close(&mut out, 0, ROOT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::{child_text, children, nasty_book, parse_xml};

    // Format: Grandstream "GXP Series - XML Phonebook Guide",
    // https://documentation.grandstream.com/knowledge-base/gxp-series-xml-phonebook-guide/
    // and "XML Based Downloadable Phonebook Guide" (firmware 1.0.5.15), pages 11-12,
    // https://www.manualsdir.com/manuals/770274/grandstream-xml-application-guide.html?page=12
    // (UTF-8 declaration; root `AddressBook`; `Contact` with `LastName`, `FirstName`, `Phone`
    // holding `phonenumber` and `accountindex`; element names case-sensitive).
    #[test]
    fn contacts_parse_back_with_roxmltree() {
        let book = nasty_book();
        let out = render(&book, 0);
        let doc = parse_xml(&out, ROOT);
        let contacts: Vec<_> = children(doc.root_element(), "Contact").collect();
        assert_eq!(contacts.len(), book.len());
        for (contact, entry) in contacts.iter().zip(book.entries()) {
            let first = child_text(*contact, "FirstName");
            let last = child_text(*contact, "LastName");
            assert!(
                !first.is_empty() || !last.is_empty(),
                "one of them is required"
            );
            let shown: Vec<&str> = [first.as_str(), last.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            assert_eq!(
                shown.join(" "),
                entry.name.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            let phones: Vec<_> = children(*contact, "Phone").collect();
            assert_eq!(phones.len(), 1);
            assert_eq!(child_text(phones[0], "phonenumber"), entry.number);
            assert_eq!(child_text(phones[0], "accountindex"), "0");
        }
    }
}
