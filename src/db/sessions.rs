//! Server-side login sessions and login throttling.
//!
//! The browser holds a random 256-bit session id; the table holds only its SHA-256, so a copy
//! of the database does not contain usable logins. Lookups are by hash, which also makes them
//! immune to timing attacks on the comparison.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::users::{self, User};
use super::{now, DbError};
use crate::domain::secrets;

/// How long a login lasts: long enough for an event, short enough that a forgotten browser
/// on a shared machine does not stay logged in for weeks.
pub const SESSION_SECONDS: i64 = 7 * 24 * 3600;

/// Failed logins are counted over this window.
pub const THROTTLE_WINDOW: i64 = 15 * 60;
/// Failures per account within the window before that account is locked for the rest of it.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failures per client address within the window (a whole room may share one NAT address).
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;

/// A new session: the id goes into the cookie, the CSRF token into forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The clear session id (64 hex characters). Never stored.
    pub id: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Session {
    /// SHA-256 of the session id, hex.
    pub id_hash: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The logged-in user.
    pub user: User,
}

/// SHA-256 of a session id, hex: the table's key.
pub fn hash_id(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// Starts a session for a user; removes expired sessions on the way.
pub fn create(tx: &Transaction<'_>, user_id: i64) -> Result<NewSession, DbError> {
    let t = now();
    tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", params![t])?;
    let session = NewSession {
        id: secrets::hex256(),
        csrf: secrets::hex256(),
    };
    tx.execute(
        "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            hash_id(&session.id),
            user_id,
            session.csrf,
            t,
            t + SESSION_SECONDS
        ],
    )?;
    Ok(session)
}

/// The live session for a cookie's session id, if any (expired sessions and disabled users
/// have none).
pub fn lookup(conn: &Connection, id: &str) -> Result<Option<Session>, DbError> {
    let found: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT s.id_hash, s.csrf, s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
            params![hash_id(id), now()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id_hash, csrf, user_id)) = found else {
        return Ok(None);
    };
    Ok(Some(Session {
        id_hash,
        csrf,
        user: users::get(conn, user_id)?,
    }))
}

/// Ends a session (logout). Unknown ids are fine: the result is the same.
pub fn delete(tx: &Transaction<'_>, id_hash: &str) -> Result<(), DbError> {
    tx.execute("DELETE FROM sessions WHERE id_hash = ?1", params![id_hash])?;
    Ok(())
}

/// Ends every session of a user (disabled, or role changed).
pub fn delete_for_user(tx: &Transaction<'_>, user_id: i64) -> Result<(), DbError> {
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", params![user_id])?;
    Ok(())
}

/// Seconds until a login for `account` from `address` may be tried again, or None if it may
/// be tried now.
pub fn throttled(
    conn: &Connection,
    account: &str,
    address: &str,
    at: i64,
) -> Result<Option<i64>, DbError> {
    let since = at - THROTTLE_WINDOW;
    let mut wait = None;
    for (scope, key, max) in [
        ("account", account.to_lowercase(), MAX_FAILURES_PER_ACCOUNT),
        ("address", address.to_string(), MAX_FAILURES_PER_ADDRESS),
    ] {
        let (count, oldest): (u32, Option<i64>) = conn.query_row(
            "SELECT count(*), min(at) FROM login_failures WHERE scope = ?1 AND key = ?2 AND at > ?3",
            params![scope, key, since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if count >= max {
            let until = oldest.unwrap_or(at) + THROTTLE_WINDOW;
            wait = Some(wait.unwrap_or(0).max(until - at).max(1));
        }
    }
    Ok(wait)
}

/// Records a failed login for the account and the address; prunes old records.
pub fn record_failure(
    tx: &Transaction<'_>,
    account: &str,
    address: &str,
    at: i64,
) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM login_failures WHERE at <= ?1",
        params![at - THROTTLE_WINDOW],
    )?;
    tx.execute(
        "INSERT INTO login_failures (scope, key, at) VALUES ('account', ?1, ?3), ('address', ?2, ?3)",
        params![account.to_lowercase(), address, at],
    )?;
    Ok(())
}

/// A login attempt counted in advance (see [`begin_attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    address_row: i64,
}

/// Checks the limits and, if the attempt may go ahead, counts it as a failure right away, in
/// one transaction. Counting first means parallel requests cannot all pass the check before
/// any failure is recorded; a successful login takes its count back with
/// [`attempt_succeeded`]. `Err(seconds)` is how long to wait.
pub fn begin_attempt(
    tx: &Transaction<'_>,
    account: &str,
    address: &str,
    at: i64,
) -> Result<Result<Attempt, i64>, DbError> {
    if let Some(wait) = throttled(tx, account, address, at)? {
        return Ok(Err(wait));
    }
    record_failure(tx, account, address, at)?;
    let address_row = tx.query_row(
        "SELECT max(rowid) FROM login_failures WHERE scope = 'address' AND key = ?1",
        params![address],
        |r| r.get(0),
    )?;
    Ok(Ok(Attempt { address_row }))
}

/// Takes back the failure [`begin_attempt`] counted, and forgets the account's failures.
pub fn attempt_succeeded(
    tx: &Transaction<'_>,
    account: &str,
    attempt: Attempt,
) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM login_failures WHERE rowid = ?1",
        params![attempt.address_row],
    )?;
    clear_failures(tx, account)
}

/// Forgets an account's failures after a successful login (the address keeps its count, so
/// one valid account does not launder guesses against others).
pub fn clear_failures(tx: &Transaction<'_>, account: &str) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM login_failures WHERE scope = 'account' AND key = ?1",
        params![account.to_lowercase()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in};

    fn user(conn: &mut Connection) -> i64 {
        write_in(conn, |tx| {
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, created_at) VALUES ('a', 'A', 'x', 0)",
                [],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .unwrap()
    }

    #[test]
    fn sessions_store_only_the_hash() {
        let mut conn = test_conn();
        let uid = user(&mut conn);
        let s = write_in(&mut conn, |tx| create(tx, uid)).unwrap();
        let stored: String = conn
            .query_row("SELECT id_hash FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, s.id);
        assert_eq!(stored, hash_id(&s.id));
        let found = lookup(&conn, &s.id).unwrap().unwrap();
        assert_eq!(found.user.id, uid);
        assert_eq!(found.csrf, s.csrf);
        assert!(
            lookup(&conn, &stored).unwrap().is_none(),
            "the hash is no key"
        );
        write_in(&mut conn, |tx| {
            crate::db::users::set_disabled(tx, uid, true)
        })
        .unwrap();
        assert!(lookup(&conn, &s.id).unwrap().is_none());
    }

    #[test]
    fn attempts_count_up_front_and_success_takes_it_back() {
        let mut conn = test_conn();
        let t = 2_000_000;
        let a = write_in(&mut conn, |tx| begin_attempt(tx, "ann", "10.0.0.1", t))
            .unwrap()
            .unwrap();
        let count = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM login_failures", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&conn), 2);
        write_in(&mut conn, |tx| attempt_succeeded(tx, "ann", a)).unwrap();
        assert_eq!(count(&conn), 0);
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            write_in(&mut conn, |tx| begin_attempt(tx, "ann", "10.0.0.1", t))
                .unwrap()
                .unwrap();
        }
        let refused = write_in(&mut conn, |tx| begin_attempt(tx, "ann", "10.0.0.2", t)).unwrap();
        assert!(refused.is_err());
    }

    #[test]
    fn throttle_per_account_and_address() {
        let mut conn = test_conn();
        let t = 1_000_000;
        for i in 0..MAX_FAILURES_PER_ACCOUNT {
            assert_eq!(throttled(&conn, "Bob", "1.2.3.4", t).unwrap(), None);
            write_in(&mut conn, |tx| {
                record_failure(tx, "bob", "1.2.3.4", t + i64::from(i))
            })
            .unwrap();
        }
        let wait = throttled(&conn, "BOB", "5.6.7.8", t + 10).unwrap().unwrap();
        assert!(wait > 800 && wait <= THROTTLE_WINDOW, "{wait}");
        assert_eq!(throttled(&conn, "carol", "1.2.3.4", t + 10).unwrap(), None);
        assert_eq!(
            throttled(&conn, "bob", "1.2.3.4", t + THROTTLE_WINDOW + 10).unwrap(),
            None
        );
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            write_in(&mut conn, |tx| {
                record_failure(tx, &format!("u{i}"), "9.9.9.9", t)
            })
            .unwrap();
        }
        assert!(throttled(&conn, "dave", "9.9.9.9", t + 1)
            .unwrap()
            .is_some());
        write_in(&mut conn, |tx| clear_failures(tx, "bob")).unwrap();
        assert_eq!(throttled(&conn, "bob", "5.6.7.8", t + 10).unwrap(), None);
    }
}
