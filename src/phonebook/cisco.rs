//! Cisco IP Phone Services directory: `CiscoIPPhoneDirectory` with `Title`, `Prompt`, at most
//! [`MAX_ENTRIES_PER_PAGE`] `DirectoryEntry` items (`Name`, `Telephone`) and `SoftKeyItem`s.
//!
//! A bigger book is served in pages: page N of the book, with a "Next" (and "Prev") soft key
//! whose URL is the base URL with `page=N+1`. Defining any custom soft key removes the
//! phone's default ones, so Dial, EditDial and Exit are defined explicitly with their
//! `SoftKey:` URIs. The web layer may also send an HTTP `Refresh` header pointing at
//! [`page_url`] of [`next_page`], the other paging mechanism Cisco documents.

use super::{xml, Entry, Phonebook};

/// Root element of the Cisco directory object.
pub const ROOT: &str = "CiscoIPPhoneDirectory";

/// Cisco phones take at most 32 `DirectoryEntry` items in one directory object.
pub const MAX_ENTRIES_PER_PAGE: usize = 32;

/// Texts and the address of the paged directory.
#[derive(Debug, Clone, Copy)]
pub struct CiscoOptions<'a> {
    /// Shown as the directory's `Title`.
    pub title: &'a str,
    /// Shown as the `Prompt`; " (page/pages)" is appended when the book has several pages.
    pub prompt: &'a str,
    /// Absolute URL of this directory without the page parameter, e.g.
    /// `http://pbx.example/phonebook/cisco.xml`; a query string is kept.
    pub base_url: &'a str,
}

/// Number of pages the book takes (1 for an empty book: the phone still gets a valid,
/// empty directory).
pub fn page_count(book: &Phonebook) -> usize {
    book.len().div_ceil(MAX_ENTRIES_PER_PAGE).max(1)
}

/// The page after `page`, if there is one.
pub fn next_page(book: &Phonebook, page: usize) -> Option<usize> {
    (page >= 1 && page < page_count(book)).then_some(page + 1)
}

/// URL of page `page` (1-based): the base URL with `page=N` added to its query.
pub fn page_url(base_url: &str, page: usize) -> String {
    let sep = if base_url.contains('?') { '&' } else { '?' };
    format!("{base_url}{sep}page={page}")
}

/// Renders page `page` (1-based) of the book, or `None` when there is no such page.
pub fn render_page(book: &Phonebook, options: &CiscoOptions<'_>, page: usize) -> Option<String> {
    let pages = page_count(book);
    if page == 0 || page > pages {
        return None;
    }
    let start = (page - 1) * MAX_ENTRIES_PER_PAGE;
    let entries: &[Entry] = book
        .entries()
        .get(start..book.len().min(start + MAX_ENTRIES_PER_PAGE))
        .unwrap_or_default();

    let prompt = if pages > 1 {
        format!("{} ({page}/{pages})", options.prompt)
    } else {
        options.prompt.to_string()
    };
    let mut out = String::from(xml::DECLARATION);
    xml::open(&mut out, 0, ROOT);
    xml::element(&mut out, 2, "Title", options.title);
    xml::element(&mut out, 2, "Prompt", &prompt);
    xml::directory_entries(&mut out, entries);

    let prev_url = (page > 1).then(|| page_url(options.base_url, page - 1));
    let next_url = next_page(book, page).map(|n| page_url(options.base_url, n));
    let mut keys: Vec<(&str, String)> = vec![
        ("Dial", "SoftKey:Dial".to_string()),
        ("EditDial", "SoftKey:EditDial".to_string()),
    ];
    if let Some(url) = prev_url {
        keys.push(("Prev", url));
    }
    if let Some(url) = next_url {
        keys.push(("Next", url));
    }
    keys.push(("Exit", "SoftKey:Exit".to_string()));
    for (position, (name, url)) in keys.iter().enumerate() {
        xml::open(&mut out, 2, "SoftKeyItem");
        xml::element(&mut out, 4, "Name", name);
        xml::element(&mut out, 4, "URL", url);
        xml::element(&mut out, 4, "Position", &(position + 1).to_string());
        xml::close(&mut out, 2, "SoftKeyItem");
    }
    xml::close(&mut out, 0, ROOT);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::{
        assert_directory_entries, child_text, children, nasty_book, parse_xml,
    };

    const OPTIONS: CiscoOptions<'static> = CiscoOptions {
        title: "Event <Phonebook>",
        prompt: "Select & dial",
        base_url: "http://pbx.example/phonebook/cisco.xml?lang=de",
    };

    fn soft_keys(doc: &roxmltree::Document<'_>) -> Vec<(String, String, String)> {
        children(doc.root_element(), "SoftKeyItem")
            .map(|k| {
                (
                    child_text(k, "Name"),
                    child_text(k, "URL"),
                    child_text(k, "Position"),
                )
            })
            .collect()
    }

    fn big_book(n: usize) -> Phonebook {
        Phonebook::new(
            (0..n).map(|i| Entry::extension(format!("Person {i:03}"), format!("{}", 2000 + i))),
        )
    }

    // Format: Cisco "Cisco Unified IP Phone Services Application Development Notes" (Release
    // 7.1(3), OL-20949-01), chapter 3 "CiscoIPPhone XML Objects":
    // CiscoIPPhoneDirectory definition (`Title`, `Prompt`, `DirectoryEntry` with `Name` and
    // `Telephone`), https://www.manualsdir.com/manuals/63300/cisco-systems-ol-20949-01.html?page=24 ;
    // "a maximum of 32 DirectoryEntry objects ... use multiple CiscoIPPhoneDirectory objects in
    // subsequent HTTP requests", https://azmanual.top/manuals/63300/cisco-systems-ol-20949-01.html?page=25 ;
    // `SoftKeyItem` (`Name`, `URL`, `Position`) and "if any custom softkeys are defined ...
    // all default softkeys are removed", https://manualsdump.com/en/manuals/cisco_systems-ol-20949-01/257218/38 ;
    // `SoftKey:Dial`, `SoftKey:EditDial`, `SoftKey:Exit` valid for directory objects,
    // https://manualsdump.com/en/manuals/cisco_systems-ol-20949-01/257218/55 .
    #[test]
    fn single_page_parses_back_with_roxmltree() {
        let book = nasty_book();
        let out = render_page(&book, &OPTIONS, 1).unwrap();
        let doc = parse_xml(&out, ROOT);
        let root = doc.root_element();
        assert_eq!(child_text(root, "Title"), "Event <Phonebook>");
        assert_eq!(child_text(root, "Prompt"), "Select & dial");
        assert_directory_entries(&doc, book.entries());
        let names: Vec<String> = soft_keys(&doc).into_iter().map(|k| k.0).collect();
        assert_eq!(names, ["Dial", "EditDial", "Exit"]);
        // Element order as in the definition: Title, Prompt, entries, then soft keys.
        let order: Vec<&str> = root
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(order.first(), Some(&"Title"));
        assert_eq!(order.get(1), Some(&"Prompt"));
        let first_key = order.iter().position(|t| *t == "SoftKeyItem").unwrap();
        assert!(order[first_key..].iter().all(|t| *t == "SoftKeyItem"));
    }

    #[test]
    fn big_book_is_paged_at_32_with_next_and_prev_links() {
        let book = big_book(70);
        assert_eq!(page_count(&book), 3);
        let mut seen: Vec<Entry> = Vec::new();
        for page in 1..=3 {
            let out = render_page(&book, &OPTIONS, page).unwrap();
            let doc = parse_xml(&out, ROOT);
            let entries: Vec<_> = children(doc.root_element(), "DirectoryEntry").collect();
            assert!(entries.len() <= MAX_ENTRIES_PER_PAGE);
            assert_eq!(
                child_text(doc.root_element(), "Prompt"),
                format!("Select & dial ({page}/3)")
            );
            for e in entries {
                seen.push(Entry::extension(
                    child_text(e, "Name"),
                    child_text(e, "Telephone"),
                ));
            }
            let keys = soft_keys(&doc);
            let url_of = |name: &str| keys.iter().find(|k| k.0 == name).map(|k| k.1.clone());
            assert_eq!(
                url_of("Next"),
                (page < 3).then(|| format!(
                    "http://pbx.example/phonebook/cisco.xml?lang=de&page={}",
                    page + 1
                ))
            );
            assert_eq!(
                url_of("Prev"),
                (page > 1).then(|| format!(
                    "http://pbx.example/phonebook/cisco.xml?lang=de&page={}",
                    page - 1
                ))
            );
            assert_eq!(url_of("Dial").as_deref(), Some("SoftKey:Dial"));
            let positions: Vec<String> = keys.iter().map(|k| k.2.clone()).collect();
            let want: Vec<String> = (1..=keys.len()).map(|p| p.to_string()).collect();
            assert_eq!(positions, want);
        }
        assert_eq!(
            seen,
            book.entries(),
            "the pages together are the book, in order"
        );
        assert!(render_page(&book, &OPTIONS, 0).is_none());
        assert!(render_page(&book, &OPTIONS, 4).is_none());
        assert_eq!(next_page(&book, 3), None);
    }

    #[test]
    fn exactly_32_is_one_page_and_empty_book_is_one_empty_page() {
        assert_eq!(page_count(&big_book(32)), 1);
        assert_eq!(page_count(&big_book(33)), 2);
        let empty = Phonebook::default();
        let out = render_page(&empty, &OPTIONS, 1).unwrap();
        let doc = parse_xml(&out, ROOT);
        assert_eq!(children(doc.root_element(), "DirectoryEntry").count(), 0);
    }

    #[test]
    fn page_url_respects_an_existing_query() {
        assert_eq!(page_url("http://h/c.xml", 2), "http://h/c.xml?page=2");
        assert_eq!(
            page_url("http://h/c.xml?a=b", 2),
            "http://h/c.xml?a=b&page=2"
        );
    }
}
