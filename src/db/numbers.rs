//! The `numbers` table the dialplan routes by: number -> endpoint.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::DbError;

/// Why a number points at a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// An extension's number, pointing at the device that serves it.
    Extension,
    /// A temporary handset's number.
    Temporary,
}

impl NumberKind {
    fn as_str(self) -> &'static str {
        match self {
            NumberKind::Extension => "extension",
            NumberKind::Temporary => "temporary",
        }
    }
}

/// Points `number` at `endpoint`. Fails with a conflict if the number is taken.
pub fn assign(
    tx: &Transaction<'_>,
    number: &str,
    endpoint: &str,
    kind: NumberKind,
) -> Result<(), DbError> {
    // Cached: every bind and every new handset runs it.
    tx.prepare_cached("INSERT INTO numbers (number, endpoint, kind) VALUES (?1, ?2, ?3)")?
        .execute(params![number, endpoint, kind.as_str()])?;
    Ok(())
}

/// Frees a number; true if it existed.
pub fn release(tx: &Transaction<'_>, number: &str) -> Result<bool, DbError> {
    Ok(tx.execute("DELETE FROM numbers WHERE number = ?1", params![number])? > 0)
}

/// The endpoint a number rings, as the dialplan would find it.
pub fn endpoint_of(conn: &Connection, number: &str) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row(
            "SELECT endpoint FROM numbers WHERE number = ?1",
            params![number],
            |r| r.get(0),
        )
        .optional()?)
}

/// The numbers that ring an endpoint.
pub fn numbers_of(conn: &Connection, endpoint: &str) -> Result<Vec<String>, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT number FROM numbers WHERE endpoint = ?1 ORDER BY number")?;
    let rows = stmt.query_map(params![endpoint], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many numbers from `first` to `last` (same length, so text order is number order) are
/// in use.
pub fn count_between(conn: &Connection, first: &str, last: &str) -> Result<u64, DbError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM numbers WHERE number BETWEEN ?1 AND ?2",
        params![first, last],
        |r| r.get(0),
    )?)
}
