//! The log of token attempts behind the lockout and the global guard: what was tried, by
//! which handset and when. The rules themselves are in `domain::lockout`.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::handsets::{exec, query_one, BindOutcome};
use super::DbError;
use crate::domain::lockout;
pub use crate::domain::lockout::{Guard, GuardStatus};

/// Failed attempts by `endpoint` since `since` (Unix seconds).
pub fn failures_since(conn: &Connection, endpoint: &str, since: i64) -> Result<i64, DbError> {
    Ok(query_one(
        conn,
        "SELECT count(*) FROM token_attempts
         WHERE endpoint = ?1 AND at >= ?2 AND outcome IN ('unknown', 'used', 'malformed')",
        params![endpoint, since],
        |r| r.get(0),
    )?)
}

/// Failed attempts by anyone since `since` (for the operator page).
pub fn all_failures_since(conn: &Connection, since: i64) -> Result<i64, DbError> {
    Ok(query_one(
        conn,
        "SELECT count(*) FROM token_attempts
         WHERE at >= ?1 AND outcome IN ('unknown', 'used', 'malformed', 'locked_out')",
        params![since],
        |r| r.get(0),
    )?)
}

/// Until when `endpoint` is locked out, if it is at `now` (the rule is
/// [`lockout::locked_until`]).
pub fn locked_until(conn: &Connection, endpoint: &str, now: i64) -> Result<Option<i64>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at FROM token_attempts
         WHERE endpoint = ?1 AND at >= ?2 AND outcome IN ('unknown', 'used', 'malformed')
         ORDER BY at",
    )?;
    let times: Vec<i64> = stmt
        .query_map(
            params![endpoint, now - lockout::LOCKOUT_LOOKBACK_SECS],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    Ok(lockout::locked_until(&times, now))
}

/// Whether `endpoint` is locked out at `now`.
pub fn is_locked_out(conn: &Connection, endpoint: &str, now: i64) -> Result<bool, DbError> {
    Ok(locked_until(conn, endpoint, now)?.is_some())
}

/// Deletes the attempt rows older than `older_than` (Unix seconds); returns how many.
pub fn prune_attempts(tx: &Transaction<'_>, older_than: i64) -> Result<usize, DbError> {
    Ok(exec(
        tx,
        "DELETE FROM token_attempts WHERE at < ?1",
        params![older_than],
    )?)
}

/// Logs one real try by a temporary handset.
pub(super) fn record_attempt(
    tx: &Transaction<'_>,
    endpoint: &str,
    outcome: &BindOutcome,
    now: i64,
) -> Result<(), DbError> {
    exec(
        tx,
        "INSERT INTO token_attempts (endpoint, at, outcome) VALUES (?1, ?2, ?3)",
        params![endpoint, now, outcome.log_name()],
    )?;
    Ok(())
}

/// Event type of the global guard's alarm in the outbox (`GET /api/v1/events`).
pub const GUARD_ALARM: &str = "alarm.token_guessing";

/// Failed tokens across all handsets within the guard's window, and whether that is too many.
pub fn guard_status(conn: &Connection, guard: Guard, now: i64) -> Result<GuardStatus, DbError> {
    let failures = query_one(
        conn,
        "SELECT count(*) FROM token_attempts
         WHERE at > ?1 AND outcome IN ('unknown', 'used', 'malformed')",
        params![now - guard.window_secs],
        |r| r.get(0),
    )?;
    Ok(guard.status(failures))
}

/// Prunes old attempts and records an alarm event in the outbox when the guard's state
/// changed since the last one (raised, or cleared because the rate dropped). Runs in the
/// transaction of each failed try, so an alarm is raised at once, and periodically, so it
/// clears when no more tries come.
pub fn check_guard(tx: &Transaction<'_>, guard: Guard, now: i64) -> Result<GuardStatus, DbError> {
    prune_attempts(tx, now - guard.retention_secs())?;
    let status = guard_status(tx, guard, now)?;
    let last: Option<bool> = query_one(
        tx,
        "SELECT json_extract(data, '$.active') FROM outbox
         WHERE subject = 'token_attempts' AND type = ?1 ORDER BY id DESC LIMIT 1",
        params![GUARD_ALARM],
        |r| r.get::<_, Option<bool>>(0),
    )
    .optional()?
    .flatten();
    if last.unwrap_or(false) != status.alarm {
        super::outbox::record(
            tx,
            now,
            GUARD_ALARM,
            "token_attempts",
            &serde_json::json!({
                "active": status.alarm,
                "failures": status.failures,
                "threshold": guard.failures,
                "window_minutes": guard.window_secs / 60,
            }),
        )?;
    }
    Ok(status)
}

/// Whether `endpoint` may try a token at all, the one rule the precheck and the bind share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    /// A temporary handset that is not locked out: its guesses count.
    Allowed,
    /// A SIP phone, a bound handset or an unknown endpoint.
    NotTemporary,
    /// Locked out after too many failures.
    LockedOut,
}

/// Whether `endpoint` may try a token at `now`. Reads only, so a caller that may not try
/// (a SIP phone dialling `9955…` en bloc) costs no write and leaves no row.
pub fn eligibility(conn: &Connection, endpoint: &str, now: i64) -> Result<Eligibility, DbError> {
    let temporary = query_one(
        conn,
        "SELECT EXISTS(SELECT 1 FROM devices d
                       JOIN numbers n ON n.endpoint = d.id AND n.kind = 'temporary'
                       WHERE d.id = ?1 AND d.kind = 'handset')",
        params![endpoint],
        |r| r.get::<_, bool>(0),
    )?;
    if !temporary {
        return Ok(Eligibility::NotTemporary);
    }
    if is_locked_out(conn, endpoint, now)? {
        return Ok(Eligibility::LockedOut);
    }
    Ok(Eligibility::Allowed)
}
