//! CSV per RFC 4180: header `name,number`, CRLF line ends, a field quoted when it holds a
//! comma, a double quote, CR or LF (quotes doubled inside). UTF-8 without a byte order mark.

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

fn push_field(out: &mut String, field: &str) {
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
