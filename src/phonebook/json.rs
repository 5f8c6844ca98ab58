//! JSON: an array of `{"name": ..., "number": ...}` in phonebook order, for services and
//! scripts. Numbers stay strings (leading zeros, `*` and `#` are dialable).

use serde::Serialize;

use super::Phonebook;

#[derive(Serialize)]
struct JsonEntry<'a> {
    name: &'a str,
    number: &'a str,
}

/// Renders the book as a JSON array of `{name, number}` objects.
pub fn render(book: &Phonebook) -> String {
    let entries: Vec<JsonEntry<'_>> = book
        .entries()
        .iter()
        .map(|e| JsonEntry {
            name: &e.name,
            number: &e.number,
        })
        .collect();
    // Serialising borrowed strings into a String cannot fail; fall back to an empty array
    // rather than panic if serde_json ever says otherwise.
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::nasty_book;

    // Format: our own API convention (issue 6: "Numbers are strings"), JSON per RFC 8259
    // (https://www.rfc-editor.org/rfc/rfc8259). Checked with serde_json's parser into an
    // untyped Value, not with the struct that wrote it.
    #[test]
    fn array_of_name_number_objects_in_book_order() {
        let book = nasty_book();
        let out = render(&book);
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        let items = parsed.as_array().unwrap();
        assert_eq!(items.len(), book.len());
        for (item, entry) in items.iter().zip(book.entries()) {
            let obj = item.as_object().unwrap();
            assert_eq!(obj.len(), 2, "only name and number: {obj:?}");
            assert_eq!(obj["name"].as_str(), Some(entry.name.as_str()));
            assert_eq!(obj["number"].as_str(), Some(entry.number.as_str()));
        }
        assert!(out.contains("Müller & Söhne"), "UTF-8 kept as is: {out}");
    }

    #[test]
    fn empty_book_is_an_empty_array() {
        assert_eq!(render(&Phonebook::default()), "[]");
    }
}
