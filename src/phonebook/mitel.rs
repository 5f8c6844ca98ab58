//! Mitel SIP-DECT directory lookup: the answer to a search string typed on a DECT handset.
//!
//! **What is documented and what is not.** SIP-DECT handsets show external XML content
//! through the "SIP-DECT XML terminal interface", which uses Aastra's XML objects (the OM
//! System Manual lists that specification among its references; no SIP-DECT-specific XML
//! directory schema is published). So this renders the documented Aastra object that fits a search result: an
//! `AastraIPPhoneTextMenu` with a `Title` and one `MenuItem` per match, each with a `Prompt`
//! (the name), a `URI` of the form `Dial:<number>` (select dials) and a `Dial` element (going
//! off-hook dials). Aastra's `AastraIPPhoneDirectory` object is deliberately not used: the
//! Aastra guide says it does not support the `Dial` URI. Verify against a real OMM before
//! relying on it.
//!
//! The handset's search string arrives as a query parameter (the web layer's concern); this
//! module filters with [`Phonebook::search`] and keeps the answer within Aastra's limit of
//! 10,000 bytes per XML object and at most [`MAX_ITEMS`] items.

use super::{xml, Entry, Phonebook};

/// Root element of the answer.
pub const ROOT: &str = "AastraIPPhoneTextMenu";

/// Aastra XML objects may not exceed 10,000 bytes.
pub const MAX_BYTES: usize = 10_000;

/// At most this many matches are listed; a handset user refines the search instead of
/// scrolling further.
pub const MAX_ITEMS: usize = 30;

/// Renders the entries matching `query` as an Aastra text menu titled `title`. With no match
/// the menu has a single item saying `no_match_text`, which dials nothing.
pub fn render(book: &Phonebook, query: &str, title: &str, no_match_text: &str) -> String {
    let head = {
        let mut head = String::from(xml::DECLARATION);
        head.push('<');
        head.push_str(ROOT);
        head.push_str(" destroyOnExit=\"yes\">\n");
        xml::element(&mut head, 2, "Title", title);
        head
    };
    let tail = format!("</{ROOT}>\n");

    let mut items = String::new();
    let mut count = 0;
    for entry in book.search(query).into_iter().take(MAX_ITEMS) {
        let item = menu_item(entry);
        if head.len() + items.len() + item.len() + tail.len() > MAX_BYTES {
            break;
        }
        items.push_str(&item);
        count += 1;
    }
    if count == 0 {
        xml::open(&mut items, 2, "MenuItem");
        xml::element(&mut items, 4, "Prompt", no_match_text);
        // URI is mandatory in a MenuItem; an empty one does nothing when selected.
        xml::element(&mut items, 4, "URI", "");
        xml::close(&mut items, 2, "MenuItem");
    }
    head + &items + &tail
}

fn menu_item(entry: &Entry) -> String {
    let mut item = String::new();
    xml::open(&mut item, 2, "MenuItem");
    xml::element(&mut item, 4, "Prompt", &entry.name);
    xml::element(&mut item, 4, "URI", &format!("Dial:{}", entry.number));
    xml::element(&mut item, 4, "Dial", &entry.number);
    xml::close(&mut item, 2, "MenuItem");
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::{child_text, children, nasty_book, parse_xml};

    fn items(doc: &roxmltree::Document<'_>) -> Vec<(String, String, Option<String>)> {
        children(doc.root_element(), "MenuItem")
            .map(|m| {
                let dial = children(m, "Dial")
                    .next()
                    .map(|d| d.text().unwrap_or_default().to_string());
                (child_text(m, "Prompt"), child_text(m, "URI"), dial)
            })
            .collect()
    }

    // Format: Aastra "Development Guide - XML API for Aastra SIP Phones" (firmware 3.3.1 SP4,
    // PA-001011-03-04, (c) Mitel), TextMenu object (`AastraIPPhoneTextMenu`, `Title`,
    // `MenuItem` with mandatory `Prompt` and `URI`, optional `Dial`) and the 10,000-byte limit,
    // http://38.142.81.21:8001/manual/aastra/675-xi/specifications-english/page-40.html and
    // .../page-48.html ; "Dial and DialLine URIs" (`Dial:XXXXX`; AastraIPPhoneDirectory does
    // not support it), .../page-189.html ; "Select, Dial and Dial2 behavior in a TextMenu",
    // .../page-196.html . SIP-DECT's use of these objects: "SIP-DECT OM System Manual"
    // release 3.0, appendix reference /34/ "SIP-DECT XML terminal interface specification",
    // https://azmanual.top/manuals/253255/aastra-sip-dect-release-30-om-system-manual-installation-administration-and-maintenance-en.html?page=223 .
    // The SIP-DECT-specific directory schema itself was not found (see the module docs).
    #[test]
    fn search_result_parses_back_with_roxmltree() {
        let book = nasty_book();
        let out = render(&book, "e", "Suche: \"e\" & <mehr>", "Kein Treffer");
        let doc = parse_xml(&out, ROOT);
        assert_eq!(
            child_text(doc.root_element(), "Title"),
            "Suche: \"e\" & <mehr>"
        );
        let want: Vec<(String, String, Option<String>)> = book
            .search("e")
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    format!("Dial:{}", e.number),
                    Some(e.number.clone()),
                )
            })
            .collect();
        assert!(want.len() >= 3, "the query matches several nasty names");
        assert_eq!(items(&doc), want);
    }

    #[test]
    fn no_match_gives_one_inert_item() {
        let out = render(&nasty_book(), "zzz", "Suche", "Kein Treffer");
        let doc = parse_xml(&out, ROOT);
        assert_eq!(
            items(&doc),
            [("Kein Treffer".to_string(), String::new(), None)]
        );
    }

    #[test]
    fn stays_within_the_item_and_size_limits() {
        let many = Phonebook::new((0..500).map(|i| {
            Entry::extension(
                format!("Name {i:03} {}", "x".repeat(200)),
                format!("{}", 20000 + i),
            )
        }));
        let out = render(&many, "name", "Suche", "Kein Treffer");
        assert!(out.len() <= MAX_BYTES, "{} bytes", out.len());
        let doc = parse_xml(&out, ROOT);
        let got = items(&doc);
        assert!(!got.is_empty() && got.len() <= MAX_ITEMS);
        assert_eq!(
            got[0].0,
            many.entries()[0].name,
            "the first matches come first"
        );

        let short =
            Phonebook::new((0..100).map(|i| Entry::extension(format!("N{i:03}"), format!("{i}"))));
        let doc_out = render(&short, "", "Alle", "Kein Treffer");
        assert_eq!(items(&parse_xml(&doc_out, ROOT)).len(), MAX_ITEMS);
    }
}
