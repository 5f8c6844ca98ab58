//! Phonebook exports: one vendor-neutral model, rendered into the formats phones and other
//! services read. Pure functions only: no database, no HTTP. The web layer builds a
//! [`Phonebook`] from the published extensions plus admin-defined service entries, renders it
//! once per change and serves the cached bytes.
//!
//! | format | module | root / shape |
//! | --- | --- | --- |
//! | JSON | [`json`] | array of `{name, number}` |
//! | CSV | [`csv`] | header `name,number`, RFC 4180 |
//! | vCard 3.0 | [`vcard`] | one `VCARD` per entry, RFC 2426 |
//! | Yealink | [`yealink`] | `YealinkIPPhoneDirectory` |
//! | Snom | [`snom`] | `SnomIPPhoneDirectory` |
//! | Grandstream | [`grandstream`] | `AddressBook` |
//! | Cisco | [`cisco`] | `CiscoIPPhoneDirectory`, 32 entries a page |
//! | Mitel SIP-DECT | [`mitel`] | `AastraIPPhoneTextMenu` answering a search string |
//! | LDAP | [`ldap`] | `uid=<number>,<base>` `inetOrgPerson` entries, searched in memory |

pub mod cisco;
pub mod csv;
pub mod grandstream;
pub mod json;
pub mod ldap;
pub mod mitel;
pub mod snom;
pub mod trigrams;
pub mod vcard;
pub mod yealink;

mod xml;

use std::cmp::Ordering;

/// What an entry stands for. Renderers that know phone types use it (vCard `TEL;TYPE=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// An attendee's extension that its owner chose to publish.
    Extension,
    /// An admin-defined entry such as the help desk or the info line.
    Service,
    /// A group: a number that rings several people (a desk, a team).
    Group,
}

/// One line of the phonebook.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// Display name, any Unicode; renderers escape it for their format.
    pub name: String,
    /// The dialable number, as a string (numbers may have leading zeros).
    pub number: String,
    /// Extension or service entry.
    pub kind: EntryKind,
}

impl Entry {
    /// An attendee's extension.
    pub fn extension(name: impl Into<String>, number: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            number: number.into(),
            kind: EntryKind::Extension,
        }
    }

    /// A published group (docs/routing.md).
    pub fn group(name: impl Into<String>, number: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            number: number.into(),
            kind: EntryKind::Group,
        }
    }

    /// An admin-defined service entry (help desk, info line, ...).
    pub fn service(name: impl Into<String>, number: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            number: number.into(),
            kind: EntryKind::Service,
        }
    }
}

/// The whole book, sorted by name (case-insensitive), then number.
///
/// The entries are private so the order cannot be broken after construction: every renderer
/// relies on it, and Cisco paging needs a stable order between requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phonebook {
    entries: Vec<Entry>,
}

impl Phonebook {
    /// Builds a book from entries in any order and sorts them.
    pub fn new(entries: impl IntoIterator<Item = Entry>) -> Self {
        let mut entries: Vec<Entry> = entries.into_iter().collect();
        entries.sort_by(compare_entries);
        Self { entries }
    }

    /// The entries in phonebook order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the book has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries matching a search string typed on a handset, in phonebook order: the query
    /// (trimmed, case-insensitive) is a substring of the name or a prefix of the number. An
    /// empty query matches everything.
    pub fn search(&self, query: &str) -> Vec<&Entry> {
        let query = query.trim().to_lowercase();
        self.entries
            .iter()
            .filter(|e| {
                query.is_empty()
                    || e.name.to_lowercase().contains(&query)
                    || e.number.starts_with(&query)
            })
            .collect()
    }
}

/// Case-insensitive name, then number; the exact name last so the order is total and two
/// renders of the same book are byte-identical (ETags depend on it).
fn compare_entries(a: &Entry, b: &Entry) -> Ordering {
    a.name
        .to_lowercase()
        .cmp(&b.name.to_lowercase())
        .then_with(|| a.number.cmp(&b.number))
        .then_with(|| a.name.cmp(&b.name))
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::{Entry, Phonebook};

    /// Names that break naive renderers: XML and CSV metacharacters, quotes, umlauts, a
    /// vCard separator set, and one long enough to need vCard folding.
    pub fn nasty_book() -> Phonebook {
        Phonebook::new([
            Entry::extension("Müller & Söhne", "4711"),
            Entry::extension("<script>", "4712"),
            Entry::extension("\"Quote\" O'Brien", "4713"),
            Entry::extension("Semi;colon, comma\\backslash", "4714"),
            Entry::extension(
                "Grüße aus Köln an die ganze Straße, Überlänge für vCard-Faltung ÄÖÜ äöü ß",
                "4715",
            ),
            Entry::service("Help desk", "9900"),
        ])
    }

    /// Parses `xml` with roxmltree (an independent, conforming parser), checks the UTF-8
    /// declaration and the root element, and returns the root for further checks.
    pub fn parse_xml<'a>(xml: &'a str, root: &str) -> roxmltree::Document<'a> {
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "declaration: {xml}"
        );
        let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
        assert_eq!(doc.root_element().tag_name().name(), root);
        doc
    }

    /// The element children of `node`, by tag name.
    pub fn children<'a, 'i>(
        node: roxmltree::Node<'a, 'i>,
        tag: &'a str,
    ) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
        node.children().filter(move |c| c.has_tag_name(tag))
    }

    /// The text of the one child element `tag` of `node` (empty if the element is empty).
    pub fn child_text(node: roxmltree::Node<'_, '_>, tag: &str) -> String {
        let found: Vec<_> = node.children().filter(|c| c.has_tag_name(tag)).collect();
        assert_eq!(
            found.len(),
            1,
            "one <{tag}> in <{}>",
            node.tag_name().name()
        );
        found[0].text().unwrap_or_default().to_string()
    }

    /// Checks `DirectoryEntry`/`Name`/`Telephone` children of the root against `entries`.
    pub fn assert_directory_entries(doc: &roxmltree::Document<'_>, entries: &[Entry]) {
        let got: Vec<(String, String)> = children(doc.root_element(), "DirectoryEntry")
            .map(|e| (child_text(e, "Name"), child_text(e, "Telephone")))
            .collect();
        let want: Vec<(String, String)> = entries
            .iter()
            .map(|e| (e.name.clone(), e.number.clone()))
            .collect();
        assert_eq!(got, want);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_case_insensitively_then_by_number() {
        let book = Phonebook::new([
            Entry::extension("bob", "2002"),
            Entry::extension("Alice", "2003"),
            Entry::extension("alice", "2001"),
            Entry::service("Bob", "2000"),
        ]);
        let got: Vec<(&str, &str)> = book
            .entries()
            .iter()
            .map(|e| (e.name.as_str(), e.number.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("alice", "2001"),
                ("Alice", "2003"),
                ("Bob", "2000"),
                ("bob", "2002")
            ]
        );
    }

    #[test]
    fn order_does_not_depend_on_input_order() {
        let a = test_support::nasty_book();
        let mut reversed: Vec<Entry> = a.entries().to_vec();
        reversed.reverse();
        assert_eq!(a, Phonebook::new(reversed));
    }

    #[test]
    fn search_matches_name_substring_or_number_prefix() {
        let book = test_support::nasty_book();
        let names =
            |q: &str| -> Vec<String> { book.search(q).iter().map(|e| e.name.clone()).collect() };
        assert_eq!(names("müller"), ["Müller & Söhne"]);
        assert_eq!(names(" HELP "), ["Help desk"]);
        assert_eq!(names("990"), ["Help desk"]);
        assert!(names("711").is_empty(), "numbers match by prefix only");
        assert_eq!(book.search("").len(), book.len());
    }
}
