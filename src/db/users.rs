//! People who log in to the web UI. The argon2id hashes are made and checked by
//! `service::users`; this module only stores them.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{now, DbError};
use crate::domain::accounts::{Role, Username};
use crate::domain::lang::Lang;

/// A user as the pages see it (never the hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// A disabled user cannot log in and loses its sessions.
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// The web pages' language the user chose; None: the browser's wish decides.
    pub language: Option<Lang>,
}

const COLUMNS: &str = "id, username, display_name, role, disabled, created_at, language";

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        // The CHECK constraint allows only the three names; attendee is the safe fallback.
        role: Role::parse(&role).unwrap_or(Role::Attendee),
        disabled: r.get::<_, i64>(4)? != 0,
        created_at: r.get(5)?,
        // The CHECK constraint allows only codes Lang knows; anything else means "not chosen".
        language: r
            .get::<_, Option<String>>(6)?
            .as_deref()
            .and_then(Lang::parse),
    })
}

/// Inserts a user with an already computed hash. A taken username is a `Conflict`.
pub fn insert(
    tx: &Transaction<'_>,
    username: &Username,
    display_name: &str,
    password_hash: &str,
    role: Role,
) -> Result<User, DbError> {
    tx.execute(
        "INSERT INTO users (username, display_name, password_hash, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            username.as_str(),
            display_name,
            password_hash,
            role.as_str(),
            now()
        ],
    )?;
    get(tx, tx.last_insert_rowid())
}

/// Replaces a user's password hash (computed by the caller, off the reactor).
pub fn set_password_hash(
    tx: &Transaction<'_>,
    id: i64,
    password_hash: &str,
) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id, password_hash],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Whether a username exists (case-insensitively).
pub fn exists(conn: &Connection, username: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM users WHERE username = ?1",
            params![username],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The id of the user called `username` (case-insensitively), if there is one.
pub fn id_of(conn: &Connection, username: &str) -> Result<Option<i64>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            params![username],
            |r| r.get(0),
        )
        .optional()?)
}

/// One user by id.
pub fn get(conn: &Connection, id: i64) -> Result<User, DbError> {
    Ok(conn.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
        params![id],
        from_row,
    )?)
}

/// A user and the stored hash, by username (case-insensitively), for logging in.
pub fn get_for_login(conn: &Connection, username: &str) -> Result<Option<(User, String)>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1"),
            params![username],
            |r| Ok((from_row(r)?, r.get(7)?)),
        )
        .optional()?)
}

/// Users ordered by username, optionally filtered by a substring of username or name.
pub fn list(
    conn: &Connection,
    search: &str,
    limit: u32,
    offset: u32,
) -> Result<(Vec<User>, u32), DbError> {
    let pattern = super::extensions::like_pattern(search);
    let total: u32 = conn.query_row(
        "SELECT count(*) FROM users WHERE username LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\'",
        params![pattern],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM users
         WHERE username LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\'
         ORDER BY username LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![pattern, limit, offset], from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// Changes a user's role.
pub fn set_role(tx: &Transaction<'_>, id: i64, role: Role) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        params![id, role.as_str()],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Disables or re-enables a user. A disabled user's sessions stop working at once (a session
/// lookup checks the flag); `service::users::set_disabled` also deletes them.
pub fn set_disabled(tx: &Transaction<'_>, id: i64, disabled: bool) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        params![id, i64::from(disabled)],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Sets (or with None clears) the language a user chose for the web pages.
pub fn set_language(tx: &Transaction<'_>, id: i64, language: Option<Lang>) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE users SET language = ?2 WHERE id = ?1",
        params![id, language.map(Lang::code)],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in};

    #[test]
    fn insert_look_up_and_change() {
        let mut conn = test_conn();
        let name = Username::parse("Alice").unwrap();
        let u = write_in(&mut conn, |tx| {
            insert(tx, &name, "Alice A.", "h1", Role::Admin)
        })
        .unwrap();
        assert_eq!(u.role, Role::Admin);
        assert!(
            exists(&conn, "ALICE").unwrap(),
            "usernames compare without case"
        );
        let dup = write_in(&mut conn, |tx| insert(tx, &name, "x", "h", Role::Attendee));
        assert!(matches!(dup, Err(DbError::Conflict(_))), "{dup:?}");
        write_in(&mut conn, |tx| set_password_hash(tx, u.id, "h2")).unwrap();
        let (found, hash) = get_for_login(&conn, "alice").unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (u.id, "h2"));
        assert!(matches!(
            write_in(&mut conn, |tx| set_password_hash(tx, u.id + 1, "h")),
            Err(DbError::NotFound)
        ));
        assert_eq!(id_of(&conn, "aLICE").unwrap(), Some(u.id));
        assert_eq!(id_of(&conn, "bob").unwrap(), None);
        write_in(&mut conn, |tx| set_disabled(tx, u.id, true)).unwrap();
        assert!(get(&conn, u.id).unwrap().disabled);
    }
}
