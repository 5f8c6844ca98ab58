//! The event and its registration window: set or cleared by an admin (the admin page, the
//! CLI), read by the use cases that are closed outside the window (sign-up, claiming,
//! binding).

use rusqlite::Connection;

use crate::db::{events, Db, DbError};
use crate::domain::event::{self, Closed, Event};

/// Whether registration is open at `now`, read in the caller's transaction (so a claim sees
/// the window as of its own write).
pub fn registration(conn: &Connection, now: i64) -> Result<Result<(), Closed>, DbError> {
    Ok(event::registration_open(events::get(conn)?.as_ref(), now))
}

/// The configured event, if any.
pub async fn current(db: &Db) -> Result<Option<Event>, DbError> {
    db.read(|c| events::get(c)).await
}

/// Sets (or replaces) the event.
pub async fn set(db: &Db, event: Event) -> Result<(), DbError> {
    db.write(move |tx| events::set(tx, &event)).await
}

/// Removes the event: registration is open at all times again. True if there was one.
pub async fn clear(db: &Db) -> Result<bool, DbError> {
    db.write(events::clear).await
}
