//! What the published phonebook is made of: the extensions their owners made public, plus the
//! entries an admin defined (help desk, info line, ...), and the counter that says when either
//! changed.

use rusqlite::{params, Connection, Transaction};

use super::{DbError, Refusal};
use crate::phonebook::{Entry, Phonebook};

/// An admin-defined entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// Row id (used to delete it).
    pub id: i64,
    /// Shown name.
    pub name: String,
    /// What a phone dials.
    pub number: String,
}

/// The phonebook's change counter: it grows with every change of a published extension or an
/// admin entry (triggers of migration 004), whoever made it.
pub fn generation(conn: &Connection) -> Result<i64, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT value FROM change_counters WHERE name = 'phonebook'")?;
    Ok(stmt.query_row([], |r| r.get(0))?)
}

/// The whole published book and the generation it belongs to, read in one transaction so the
/// two agree.
pub fn load(conn: &Connection) -> Result<(i64, Phonebook), DbError> {
    let tx = conn.unchecked_transaction()?;
    let generation = generation(&tx)?;
    let mut entries = Vec::new();
    {
        let mut stmt =
            tx.prepare_cached("SELECT name, number, kind FROM extensions WHERE public = 1")?;
        let rows = stmt.query_map([], |r| {
            let (name, number) = (r.get::<_, String>(0)?, r.get::<_, String>(1)?);
            Ok(
                if r.get::<_, String>(2)? == crate::domain::ExtensionKind::Group.as_str() {
                    Entry::group(name, number)
                } else {
                    Entry::extension(name, number)
                },
            )
        })?;
        for row in rows {
            entries.push(row?);
        }
        let mut stmt = tx.prepare_cached("SELECT name, number FROM phonebook_entries")?;
        let rows = stmt.query_map([], |r| {
            Ok(Entry::service(
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
            ))
        })?;
        for row in rows {
            entries.push(row?);
        }
    }
    tx.finish()?;
    Ok((generation, Phonebook::new(entries)))
}

/// The admin-defined entries, by name.
pub fn service_entries(conn: &Connection) -> Result<Vec<ServiceEntry>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, number FROM phonebook_entries ORDER BY lower(name), number",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ServiceEntry {
            id: r.get(0)?,
            name: r.get(1)?,
            number: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Longest name an entry may have; phones show far less anyway.
pub const MAX_NAME_CHARS: usize = 80;

/// Longest number an entry may have.
pub const MAX_NUMBER_CHARS: usize = 32;

/// Adds an admin-defined entry after checking it; the error says what is wrong.
pub fn add_service_entry(
    tx: &Transaction<'_>,
    name: &str,
    number: &str,
) -> Result<ServiceEntry, DbError> {
    let name = name.trim();
    let number = number.trim();
    if name.is_empty() {
        return Err(DbError::Refused(Refusal::EntryNameMissing));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(DbError::Refused(Refusal::EntryNameInvalid {
            max: MAX_NAME_CHARS,
        }));
    }
    if number.is_empty()
        || number.chars().count() > MAX_NUMBER_CHARS
        || !number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | '+'))
    {
        return Err(DbError::Refused(Refusal::EntryNumberInvalid {
            max: MAX_NUMBER_CHARS,
        }));
    }
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM phonebook_entries WHERE number = ?1)",
        [number],
        |r| r.get(0),
    )?;
    if taken {
        return Err(DbError::Refused(Refusal::EntryExists(number.to_string())));
    }
    tx.execute(
        "INSERT INTO phonebook_entries (name, number, created_at) VALUES (?1, ?2, ?3)",
        params![name, number, super::now()],
    )?;
    Ok(ServiceEntry {
        id: tx.last_insert_rowid(),
        name: name.to_string(),
        number: number.to_string(),
    })
}

/// Removes an admin-defined entry.
pub fn delete_service_entry(tx: &Transaction<'_>, id: i64) -> Result<(), DbError> {
    match tx.execute("DELETE FROM phonebook_entries WHERE id = ?1", [id])? {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_conn;

    fn insert_extension(conn: &Connection, number: &str, name: &str, public: bool) {
        conn.execute(
            "INSERT INTO extensions (number, name, kind, public, created_at, updated_at)
             VALUES (?1, ?2, 'sip', ?3, 0, 0)",
            params![number, name, public],
        )
        .unwrap();
    }

    #[test]
    fn book_has_public_extensions_and_service_entries_only() {
        let mut conn = test_conn();
        insert_extension(&conn, "2001", "Alice", true);
        insert_extension(&conn, "2002", "Hidden", false);
        let tx = conn.transaction().unwrap();
        add_service_entry(&tx, " Help desk ", "1000").unwrap();
        tx.commit().unwrap();
        let (_, book) = load(&conn).unwrap();
        let got: Vec<(&str, &str)> = book
            .entries()
            .iter()
            .map(|e| (e.name.as_str(), e.number.as_str()))
            .collect();
        assert_eq!(got, [("Alice", "2001"), ("Help desk", "1000")]);
    }

    #[test]
    fn generation_moves_with_every_published_change_and_only_then() {
        let mut conn = test_conn();
        let g0 = generation(&conn).unwrap();
        insert_extension(&conn, "2002", "Hidden", false);
        assert_eq!(
            generation(&conn).unwrap(),
            g0,
            "a private extension is not in the book"
        );
        conn.execute(
            "UPDATE extensions SET updated_at = 5 WHERE number = '2002'",
            [],
        )
        .unwrap();
        assert_eq!(generation(&conn).unwrap(), g0);
        conn.execute("UPDATE extensions SET public = 1 WHERE number = '2002'", [])
            .unwrap();
        let g1 = generation(&conn).unwrap();
        assert!(g1 > g0, "published");
        conn.execute(
            "UPDATE extensions SET name = 'Bob' WHERE number = '2002'",
            [],
        )
        .unwrap();
        let g2 = generation(&conn).unwrap();
        assert!(g2 > g1, "renamed");
        conn.execute("DELETE FROM extensions WHERE number = '2002'", [])
            .unwrap();
        let g3 = generation(&conn).unwrap();
        assert!(g3 > g2, "deleted");
        let tx = conn.transaction().unwrap();
        let entry = add_service_entry(&tx, "Info", "9950").unwrap();
        tx.commit().unwrap();
        let g4 = generation(&conn).unwrap();
        assert!(g4 > g3, "service entry added");
        let tx = conn.transaction().unwrap();
        delete_service_entry(&tx, entry.id).unwrap();
        tx.commit().unwrap();
        assert!(generation(&conn).unwrap() > g4, "service entry removed");
    }

    #[test]
    fn a_rolled_back_change_does_not_move_the_generation() {
        let mut conn = test_conn();
        let g0 = generation(&conn).unwrap();
        let tx = conn.transaction().unwrap();
        add_service_entry(&tx, "Info", "9950").unwrap();
        drop(tx);
        assert_eq!(generation(&conn).unwrap(), g0);
        assert!(service_entries(&conn).unwrap().is_empty());
    }

    #[test]
    fn bad_entries_are_refused_with_the_reason() {
        let mut conn = test_conn();
        let tx = conn.transaction().unwrap();
        let refused = |r: Result<ServiceEntry, DbError>| match r {
            Err(DbError::Refused(m)) => m,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let number = Refusal::EntryNumberInvalid {
            max: MAX_NUMBER_CHARS,
        };
        assert_eq!(
            refused(add_service_entry(&tx, "  ", "1")),
            Refusal::EntryNameMissing
        );
        assert_eq!(refused(add_service_entry(&tx, "X", "12a")), number);
        assert_eq!(refused(add_service_entry(&tx, "X", "")), number);
        assert_eq!(
            refused(add_service_entry(&tx, "a\nb", "1")),
            Refusal::EntryNameInvalid {
                max: MAX_NAME_CHARS
            }
        );
        add_service_entry(&tx, "Emergency", "112").unwrap();
        assert_eq!(
            refused(add_service_entry(&tx, "Other", "112")),
            Refusal::EntryExists("112".into())
        );
        assert_eq!(service_entries(&tx).unwrap().len(), 1);
        assert!(matches!(
            delete_service_entry(&tx, 999),
            Err(DbError::NotFound)
        ));
    }
}
