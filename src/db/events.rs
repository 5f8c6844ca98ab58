//! The event this database serves (migration 012): at most one row.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::DbError;
use crate::domain::event::{format_date, parse_date, Event};

/// The configured event, if any (none: registration is always open).
pub fn get(conn: &Connection) -> Result<Option<Event>, DbError> {
    let row: Option<(String, String, String, i64, i64)> = conn
        .query_row(
            "SELECT name, starts_on, ends_on, registration_opens_at, registration_closes_at
             FROM event WHERE one = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((name, starts, ends, opens, closes)) = row else {
        return Ok(None);
    };
    // The CHECKs of migration 012 admit only well-formed rows; a row that still fails here
    // was written by hand, and saying so beats guessing.
    let bad = |e: crate::domain::event::EventError| DbError::Migration(format!("event row: {e}"));
    let starts_on = parse_date("starts_on", &starts).map_err(bad)?;
    let ends_on = parse_date("ends_on", &ends).map_err(bad)?;
    Event::new(&name, starts_on, ends_on, opens, closes)
        .map(Some)
        .map_err(bad)
}

/// Sets (or replaces) the event.
pub fn set(tx: &Transaction<'_>, event: &Event) -> Result<(), DbError> {
    tx.execute(
        "INSERT OR REPLACE INTO event
             (one, name, starts_on, ends_on, registration_opens_at, registration_closes_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
        params![
            event.name,
            format_date(event.starts_on),
            format_date(event.ends_on),
            event.registration_opens_at,
            event.registration_closes_at
        ],
    )?;
    Ok(())
}

/// Removes the event: registration is open again, whenever.
pub fn clear(tx: &Transaction<'_>) -> Result<bool, DbError> {
    Ok(tx.execute("DELETE FROM event", [])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in};
    use crate::domain::event::parse_minute;

    #[test]
    fn set_get_replace_clear() {
        let mut conn = test_conn();
        assert_eq!(get(&conn).unwrap(), None);
        let d = |s| parse_date("d", s).unwrap();
        let camp = Event::new("Camp", d("2027-08-10"), d("2027-08-14"), 0, 10).unwrap();
        write_in(&mut conn, |tx| set(tx, &camp)).unwrap();
        assert_eq!(get(&conn).unwrap(), Some(camp.clone()));
        let opens = parse_minute("o", "2028-01-01T00:00").unwrap();
        let next = Event::new(
            "Camp 2028",
            d("2028-08-10"),
            d("2028-08-14"),
            opens,
            opens + 60,
        )
        .unwrap();
        write_in(&mut conn, |tx| set(tx, &next)).unwrap();
        assert_eq!(get(&conn).unwrap(), Some(next));
        assert!(write_in(&mut conn, clear).unwrap());
        assert_eq!(get(&conn).unwrap(), None);
    }

    #[test]
    fn the_table_refuses_bad_rows_itself() {
        let conn = test_conn();
        for (name, starts, ends, o, c) in [
            ("", "2027-01-01", "2027-01-02", 0, 1),
            ("x", "2027-01-03", "2027-01-02", 0, 1),
            ("x", "2027-01-01", "2027-01-02", 1, 1),
            ("x", "soon", "2027-01-02", 0, 1),
        ] {
            let r = conn.execute(
                "INSERT INTO event VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                params![name, starts, ends, o, c],
            );
            assert!(r.is_err(), "{name} {starts} {ends} {o} {c}");
        }
    }
}
