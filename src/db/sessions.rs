//! Server-side login sessions, and the failed-login records throttling reads.
//!
//! The browser holds a random 256-bit session id; the table holds only its SHA-256, so a copy
//! of the database does not contain usable logins. Lookups are by hash, which also makes them
//! immune to timing attacks on the comparison.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::users::{self, User};
use super::{now, DbError};
use crate::domain::accounts::Role;
use crate::domain::secrets;
use crate::domain::throttle::{self, Failures, Wait};

/// How long a login lasts: long enough for an event, short enough that a forgotten browser
/// on a shared machine does not stay logged in for weeks.
pub const SESSION_SECONDS: i64 = 7 * 24 * 3600;

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

/// The role of the user of a live session (not expired, user not disabled), by id hash; None
/// when the session is gone. Open streams ask this to end after a logout.
pub fn live_role(conn: &Connection, id_hash: &str) -> Result<Option<Role>, DbError> {
    let role: Option<String> = conn
        .query_row(
            "SELECT u.role FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
            params![id_hash, now()],
            |r| r.get(0),
        )
        .optional()?;
    // An unknown role name grants nothing.
    Ok(role.and_then(|r| Role::parse(&r).ok()))
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

/// Ends every session of a user except `keep` (an id hash: the session that changed the
/// password stays logged in).
pub fn delete_others(
    tx: &Transaction<'_>,
    user_id: i64,
    keep: Option<&str>,
) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND id_hash IS NOT ?2",
        params![user_id, keep],
    )?;
    Ok(())
}

/// Whether a login for `account` from `address` (a client address's limit key) must wait,
/// by the rule in [`crate::domain::throttle`].
pub fn throttled(
    conn: &Connection,
    account: &str,
    address: &str,
    at: i64,
) -> Result<Option<Wait>, DbError> {
    let account = account.to_lowercase();
    let since = at - throttle::WINDOW;
    let (pair_count, pair_last): (u32, Option<i64>) = conn.query_row(
        "SELECT count(*), max(at) FROM login_failures
         WHERE account = ?1 AND address = ?2 AND at > ?3",
        params![account, address, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (account_count, account_oldest): (u32, Option<i64>) = conn.query_row(
        "SELECT count(*), min(at) FROM login_failures WHERE account = ?1 AND at > ?2",
        params![account, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let failures = Failures {
        pair_count,
        pair_last,
        account_count,
        account_oldest,
    };
    Ok(throttle::login_wait(&failures, at))
}

/// Records a failed login of `account` from `address`; prunes records older than the window.
/// Returns the new row's id.
pub fn record_failure(
    tx: &Transaction<'_>,
    account: &str,
    address: &str,
    at: i64,
) -> Result<i64, DbError> {
    tx.execute(
        "DELETE FROM login_failures WHERE at <= ?1",
        params![at - throttle::WINDOW],
    )?;
    tx.execute(
        "INSERT INTO login_failures (account, address, at) VALUES (?1, ?2, ?3)",
        params![account.to_lowercase(), address, at],
    )?;
    Ok(tx.last_insert_rowid())
}

/// A login attempt counted in advance (see [`begin_attempt`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    row: i64,
    address: String,
}

/// Checks the limits and, if the attempt may go ahead, counts it as a failure right away, in
/// one transaction. Counting first means parallel requests cannot all pass the check before
/// any failure is recorded; a successful login takes its count back with
/// [`attempt_succeeded`]. `Err(wait)` says how long to wait and why.
pub fn begin_attempt(
    tx: &Transaction<'_>,
    account: &str,
    address: &str,
    at: i64,
) -> Result<Result<Attempt, Wait>, DbError> {
    if let Some(wait) = throttled(tx, account, address, at)? {
        return Ok(Err(wait));
    }
    let row = record_failure(tx, account, address, at)?;
    Ok(Ok(Attempt {
        row,
        address: address.to_string(),
    }))
}

/// Takes back the failure [`begin_attempt`] counted and forgets this address's failures for
/// the account. Failures from other addresses still count towards the account's ceiling:
/// the owner logging in does not hand a guesser elsewhere a fresh budget.
pub fn attempt_succeeded(
    tx: &Transaction<'_>,
    account: &str,
    attempt: Attempt,
) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM login_failures WHERE rowid = ?1 OR (account = ?2 AND address = ?3)",
        params![attempt.row, account.to_lowercase(), attempt.address],
    )?;
    Ok(())
}

/// Forgets every failure of an account, from every address (a new account, or an admin
/// setting a new password with the CLI).
pub fn clear_failures(tx: &Transaction<'_>, account: &str) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM login_failures WHERE account = ?1",
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
        let count = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM login_failures", [], |r| r.get(0))
                .unwrap()
        };
        write_in(&mut conn, |tx| record_failure(tx, "ann", "10.0.0.9", t)).unwrap();
        let a = write_in(&mut conn, |tx| begin_attempt(tx, "Ann", "10.0.0.1", t))
            .unwrap()
            .unwrap();
        assert_eq!(count(&conn), 2);
        write_in(&mut conn, |tx| attempt_succeeded(tx, "ann", a)).unwrap();
        assert_eq!(count(&conn), 1, "the other address's failure still counts");
        write_in(&mut conn, |tx| clear_failures(tx, "ANN")).unwrap();
        assert_eq!(count(&conn), 0);
    }

    #[test]
    fn throttle_per_pair_does_not_touch_other_addresses() {
        let mut conn = test_conn();
        let t = 1_000_000;
        for _ in 0..throttle::FREE_FAILURES {
            let ok = write_in(&mut conn, |tx| begin_attempt(tx, "bob", "1.2.3.4", t)).unwrap();
            assert!(ok.is_ok());
        }
        let refused = write_in(&mut conn, |tx| begin_attempt(tx, "BOB", "1.2.3.4", t)).unwrap();
        assert_eq!(refused, Err(Wait::Pair(1)));
        assert_eq!(throttled(&conn, "bob", "5.6.7.8", t).unwrap(), None);
        assert_eq!(throttled(&conn, "carol", "1.2.3.4", t).unwrap(), None);
        assert_eq!(throttled(&conn, "bob", "1.2.3.4", t + 1).unwrap(), None);
        assert_eq!(
            throttled(&conn, "bob", "1.2.3.4", t + throttle::WINDOW + 1).unwrap(),
            None
        );
    }

    #[test]
    fn the_account_ceiling_counts_every_address() {
        let mut conn = test_conn();
        let t = 1_000_000;
        for i in 0..throttle::ACCOUNT_CEILING {
            write_in(&mut conn, |tx| {
                record_failure(tx, "dave", &format!("10.0.{}.{}", i / 250, i % 250), t)
            })
            .unwrap();
        }
        let wait = throttled(&conn, "dave", "192.0.2.1", t + 10).unwrap();
        assert_eq!(wait, Some(Wait::Account(throttle::WINDOW - 10)));
        assert_eq!(throttled(&conn, "erin", "192.0.2.1", t + 10).unwrap(), None);
        write_in(&mut conn, |tx| clear_failures(tx, "dave")).unwrap();
        assert_eq!(throttled(&conn, "dave", "192.0.2.1", t + 10).unwrap(), None);
    }
}
