//! Handsets that cannot be configured: temporary accounts, binding by token, unbinding, and the
//! attempt log behind the lockout.
//!
//! A handset is a device whose PJSIP ids never change. While temporary it has a number from the
//! temporary range and the restricted context; binding moves it, in one transaction, to an
//! extension's number, caller id and the normal context. Nothing else changes a binding.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::attempts::{eligibility, record_attempt, Eligibility};
use super::devices::{self, Credentials, DeviceKind};
use super::numbers::{self, NumberKind};
use super::{pjsip, DbError, Refusal};

/// `execute` through the connection's statement cache: a registration call runs the same
/// dozen statements each time, and preparing them anew was a good part of its CPU time.
pub(super) fn exec(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// `query_row` through the connection's statement cache (see [`exec`]).
pub(super) fn query_one<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, row)
}
use crate::domain::{secrets, Token, CONTEXT_EXTENSIONS, CONTEXT_TEMPORARY};

/// The temporary number range and the defaults for new handsets.
#[derive(Debug, Clone)]
pub struct TemporaryPlan {
    /// First number of the range.
    pub first: String,
    /// Last number of the range (same length as `first`).
    pub last: String,
    /// Row defaults for the handset's endpoint.
    pub defaults: pjsip::EndpointDefaults,
}

impl TemporaryPlan {
    /// The plan the settings describe.
    pub fn from_settings(settings: &crate::config::Settings) -> TemporaryPlan {
        TemporaryPlan {
            first: settings.numbering.temporary_first.clone(),
            last: settings.numbering.temporary_last.clone(),
            defaults: super::pjsip::EndpointDefaults::from_settings(settings),
        }
    }
}

/// A new temporary handset's credentials and number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryHandset {
    /// The temporary number it can be reached at until it binds.
    pub number: String,
    /// SIP credentials to provision into the handset.
    pub credentials: Credentials,
}

/// Caller id of a handset that is not bound yet.
pub(super) fn temporary_callerid(number: &str) -> String {
    pjsip::callerid("New handset", number)
}

/// Picks a free temporary number, starting at a random place in the range so a number just
/// freed is not handed out again at once.
pub(super) fn free_temporary_number(
    tx: &Transaction<'_>,
    plan: &TemporaryPlan,
) -> Result<String, DbError> {
    let width = plan.first.len();
    let first: u64 = plan
        .first
        .parse()
        .map_err(|_| DbError::Refused(Refusal::BadTemporaryRange))?;
    let last: u64 = plan
        .last
        .parse()
        .map_err(|_| DbError::Refused(Refusal::BadTemporaryRange))?;
    let size = last - first + 1;
    let mut stmt =
        tx.prepare_cached("SELECT number FROM numbers WHERE number BETWEEN ?1 AND ?2")?;
    let taken: HashSet<String> = stmt
        .query_map(params![plan.first, plan.last], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if taken.len() as u64 >= size {
        return Err(DbError::Refused(Refusal::TemporaryRangeFull));
    }
    let start: u64 = secrets::random_below(size);
    for offset in 0..size {
        let candidate = format!("{:0width$}", first + (start + offset) % size);
        if !taken.contains(&candidate) {
            return Ok(candidate);
        }
    }
    Err(DbError::Refused(Refusal::TemporaryRangeFull))
}

/// Creates a temporary handset: a device with credentials, the restricted context and a free
/// temporary number.
pub fn create_temporary(
    tx: &Transaction<'_>,
    plan: &TemporaryPlan,
) -> Result<TemporaryHandset, DbError> {
    let number = free_temporary_number(tx, plan)?;
    let credentials = devices::create(
        tx,
        DeviceKind::Handset,
        CONTEXT_TEMPORARY,
        &temporary_callerid(&number),
        &plan.defaults,
    )?;
    numbers::assign(tx, &number, &credentials.username, NumberKind::Temporary)?;
    Ok(TemporaryHandset {
        number,
        credentials,
    })
}

/// What a handset is right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandsetInfo {
    /// SIP username = endpoint id.
    pub sip_username: String,
    /// The temporary number, while unbound.
    pub temporary_number: Option<String>,
    /// The extension it is bound to, if any.
    pub extension: Option<String>,
    /// When it was created (Unix seconds).
    pub created_at: i64,
}

/// A handset by SIP username.
pub fn get(conn: &Connection, sip_username: &str) -> Result<Option<HandsetInfo>, DbError> {
    Ok(conn
        .query_row(
            "SELECT d.id, d.created_at,
                    (SELECT number FROM numbers WHERE endpoint = d.id AND kind = 'temporary'),
                    (SELECT number FROM extensions WHERE device_id = d.id)
             FROM devices d WHERE d.id = ?1 AND d.kind = 'handset'",
            params![sip_username],
            |r| {
                Ok(HandsetInfo {
                    sip_username: r.get(0)?,
                    created_at: r.get(1)?,
                    temporary_number: r.get(2)?,
                    extension: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Temporary (unbound) handsets, newest first, `limit` from `offset`.
pub fn list_temporary(
    conn: &Connection,
    limit: u32,
    offset: u32,
) -> Result<Vec<HandsetInfo>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.created_at, n.number
         FROM devices d JOIN numbers n ON n.endpoint = d.id AND n.kind = 'temporary'
         WHERE d.kind = 'handset'
         ORDER BY d.created_at DESC, d.id LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt.query_map(params![limit, offset], |r| {
        Ok(HandsetInfo {
            sip_username: r.get(0)?,
            created_at: r.get(1)?,
            temporary_number: r.get(2)?,
            extension: None,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many temporary handsets wait to be bound.
pub fn count_temporary(conn: &Connection) -> Result<i64, DbError> {
    Ok(query_one(
        conn,
        "SELECT count(*) FROM numbers WHERE kind = 'temporary'",
        [],
        |r| r.get(0),
    )?)
}

/// Deletes a handset (bound or not) with its rows and registrations. A bound extension gets a
/// fresh token so its owner can bind another handset.
pub fn delete(
    tx: &Transaction<'_>,
    sip_username: &str,
    token_length: usize,
) -> Result<(), DbError> {
    if get(tx, sip_username)?.is_none() {
        return Err(DbError::NotFound);
    }
    let bound: Option<String> = tx
        .query_row(
            "SELECT number FROM extensions WHERE device_id = ?1",
            params![sip_username],
            |r| r.get(0),
        )
        .optional()?;
    devices::delete(tx, sip_username)?;
    if let Some(number) = bound {
        let token = unique_token(tx, token_length)?;
        exec(
            tx,
            "UPDATE extensions SET device_id = NULL, bound_at = NULL, token = ?2, updated_at = ?3
             WHERE number = ?1",
            params![number, token, super::now()],
        )?;
        super::routing::recompile(tx, &[&number])?;
    }
    Ok(())
}

/// A fresh token, unique among live tokens and never used before.
pub fn unique_token(tx: &Transaction<'_>, length: usize) -> Result<String, DbError> {
    for _ in 0..20 {
        let token = secrets::digits(length);
        let clash: bool = query_one(
            tx,
            "SELECT EXISTS(SELECT 1 FROM extensions WHERE token = ?1)
                 OR EXISTS(SELECT 1 FROM used_tokens WHERE token = ?1)",
            params![token],
            |r| r.get(0),
        )?;
        if !clash {
            return Ok(token);
        }
    }
    Err(DbError::Refused(Refusal::NoFreeToken))
}

/// The device bound to handset extension `number` (None while unbound); refuses SIP
/// extensions and unknown numbers.
fn handset_extension_device(tx: &Transaction<'_>, number: &str) -> Result<Option<String>, DbError> {
    let row: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT kind, device_id FROM extensions WHERE number = ?1",
            params![number],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Err(DbError::NotFound),
        Some((kind, _)) if kind != "handset" => {
            Err(DbError::Refused(Refusal::NotAHandset(number.to_string())))
        }
        Some((_, device)) => Ok(device),
    }
}

/// Gives an unbound handset extension a new token (the old one stops working).
pub fn regenerate_token(
    tx: &Transaction<'_>,
    number: &str,
    length: usize,
) -> Result<String, DbError> {
    if handset_extension_device(tx, number)?.is_some() {
        return Err(DbError::Refused(Refusal::HandsetBound(number.to_string())));
    }
    let token = unique_token(tx, length)?;
    exec(
        tx,
        "UPDATE extensions SET token = ?2, updated_at = ?3 WHERE number = ?1",
        params![number, token, super::now()],
    )?;
    Ok(token)
}

/// How a registration attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindOutcome {
    /// The handset now is this extension.
    Bound { number: String, name: String },
    /// No live token like this.
    UnknownToken,
    /// The token bound a handset before (or its extension already has one).
    TokenUsed,
    /// The caller is not a temporary handset (a SIP phone, or a handset already bound).
    NotTemporary,
    /// Too many failures from this handset recently.
    LockedOut,
    /// The digits are not shaped like a token.
    Malformed,
    /// Outside the event's registration window: nothing was tried.
    Closed,
}

impl BindOutcome {
    /// The `outcome` column of the attempt log.
    pub(super) fn log_name(&self) -> &'static str {
        match self {
            BindOutcome::Bound { .. } => "bound",
            BindOutcome::UnknownToken => "unknown",
            BindOutcome::TokenUsed => "used",
            BindOutcome::NotTemporary => "not_temporary",
            BindOutcome::LockedOut => "locked_out",
            BindOutcome::Malformed => "malformed",
            // Never logged (see `bind`); named for completeness.
            BindOutcome::Closed => "closed",
        }
    }

    /// True for the outcomes that count towards the lockout (guessing tokens).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            BindOutcome::UnknownToken | BindOutcome::TokenUsed | BindOutcome::Malformed
        )
    }
}

/// The whole binding, in the caller's transaction: checks the caller and the token, and on
/// success rewrites the handset's endpoint (caller id, context), points the extension's number
/// at it, frees its temporary number and uses the token up. Only real tries by an eligible
/// temporary handset are logged: a caller that may not try at all writes nothing, so a SIP
/// phone or a locked-out handset cannot fill the table or push others into the guard. On any
/// error the caller's transaction rolls back and nothing changed.
pub fn bind(
    tx: &Transaction<'_>,
    endpoint: &str,
    dialled: &str,
    now: i64,
) -> Result<BindOutcome, DbError> {
    let outcome = decide_bind(tx, endpoint, dialled, now)?;
    if let BindOutcome::Bound { number, name } = &outcome {
        apply_bind(tx, endpoint, number, name, dialled, now)?;
    }
    if !matches!(
        outcome,
        BindOutcome::NotTemporary | BindOutcome::LockedOut | BindOutcome::Closed
    ) {
        record_attempt(tx, endpoint, &outcome, now)?;
        // The failure that crosses the line starts a lockout: counted once, here.
        if outcome.is_failure() && matches!(eligibility(tx, endpoint, now)?, Eligibility::LockedOut)
        {
            metrics::counter!(crate::domain::metrics::LOCKOUTS).increment(1);
        }
    }
    Ok(outcome)
}

fn decide_bind(
    tx: &Transaction<'_>,
    endpoint: &str,
    dialled: &str,
    now: i64,
) -> Result<BindOutcome, DbError> {
    match eligibility(tx, endpoint, now)? {
        Eligibility::Allowed => {}
        Eligibility::NotTemporary => return Ok(BindOutcome::NotTemporary),
        Eligibility::LockedOut => return Ok(BindOutcome::LockedOut),
    }
    // The event's window, in the binding's own transaction: this is the one place every
    // binding passes (calls cannot use `service`, which sits above them).
    let event = super::events::get(tx)?;
    if crate::domain::event::registration_open(event.as_ref(), now).is_err() {
        return Ok(BindOutcome::Closed);
    }
    let Ok(token) = Token::parse(dialled) else {
        return Ok(BindOutcome::Malformed);
    };
    let live: Option<(String, String, String, Option<String>)> = query_one(
        tx,
        "SELECT number, name, kind, device_id FROM extensions WHERE token = ?1",
        params![token.as_str()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()?;
    match live {
        Some((number, name, kind, None)) if kind == "handset" => {
            Ok(BindOutcome::Bound { number, name })
        }
        Some(_) => Ok(BindOutcome::TokenUsed),
        None => {
            let used: bool = query_one(
                tx,
                "SELECT EXISTS(SELECT 1 FROM used_tokens WHERE token = ?1)",
                params![token.as_str()],
                |r| r.get(0),
            )?;
            Ok(if used {
                BindOutcome::TokenUsed
            } else {
                BindOutcome::UnknownToken
            })
        }
    }
}

fn apply_bind(
    tx: &Transaction<'_>,
    endpoint: &str,
    number: &str,
    name: &str,
    token: &str,
    now: i64,
) -> Result<(), DbError> {
    exec(
        tx,
        "DELETE FROM numbers WHERE endpoint = ?1 AND kind = 'temporary'",
        params![endpoint],
    )?;
    numbers::assign(tx, number, endpoint, NumberKind::Extension)?;
    pjsip::set_identity(
        tx,
        endpoint,
        CONTEXT_EXTENSIONS,
        &pjsip::callerid(name, number),
    )?;
    let changed = exec(
        tx,
        "UPDATE extensions SET device_id = ?2, token = NULL, bound_at = ?3, updated_at = ?3
         WHERE number = ?1 AND device_id IS NULL",
        params![number, endpoint, now],
    )?;
    if changed != 1 {
        return Err(DbError::Refused(Refusal::ChangedMeanwhile(
            number.to_string(),
        )));
    }
    exec(
        tx,
        "INSERT INTO used_tokens (token, number, used_at) VALUES (?1, ?2, ?3)",
        params![token, number, now],
    )?;
    // The number (and every group it is in) rings this handset from now on.
    super::routing::recompile(tx, &[number])?;
    Ok(())
}

/// Releases the handset bound to extension `number`: the handset gets a new temporary number
/// and the restricted context again, its registrations are dropped, and the extension gets a
/// fresh token. Returns the handset's new temporary number.
pub fn unbind(
    tx: &Transaction<'_>,
    number: &str,
    plan: &TemporaryPlan,
    token_length: usize,
) -> Result<String, DbError> {
    let device = handset_extension_device(tx, number)?
        .ok_or_else(|| DbError::Refused(Refusal::NoHandsetBound(number.to_string())))?;
    numbers::release(tx, number)?;
    let temporary = free_temporary_number(tx, plan)?;
    numbers::assign(tx, &temporary, &device, NumberKind::Temporary)?;
    pjsip::set_identity(
        tx,
        &device,
        CONTEXT_TEMPORARY,
        &temporary_callerid(&temporary),
    )?;
    pjsip::delete_contacts(tx, &device)?;
    let token = unique_token(tx, token_length)?;
    exec(
        tx,
        "UPDATE extensions SET device_id = NULL, bound_at = NULL, token = ?2, updated_at = ?3
         WHERE number = ?1",
        params![number, token, super::now()],
    )?;
    super::routing::recompile(tx, &[number])?;
    Ok(temporary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::attempts::*;
    use crate::db::{test_conn, write_in};
    use crate::domain::lockout::LOCKOUT_WINDOW_SECS;

    fn plan() -> TemporaryPlan {
        TemporaryPlan {
            first: "99560000".into(),
            last: "99569999".into(),
            defaults: pjsip::EndpointDefaults {
                language: "en".into(),
                qualify_frequency: 60,
            },
        }
    }

    fn handset_extension(conn: &mut Connection, number: &str, name: &str) -> String {
        write_in(conn, |tx| {
            let token = unique_token(tx, 10)?;
            tx.execute(
                "INSERT INTO extensions (number, name, kind, token, created_at, updated_at)
                 VALUES (?1, ?2, 'handset', ?3, 0, 0)",
                params![number, name, token],
            )?;
            Ok(token)
        })
        .unwrap()
    }

    /// Everything a failed attempt must leave untouched.
    fn snapshot(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        for q in [
            "SELECT number || '>' || endpoint || '>' || kind FROM numbers ORDER BY 1",
            "SELECT number || '|' || coalesce(device_id,'') || '|' || coalesce(token,'') || '|' || coalesce(bound_at,'') FROM extensions ORDER BY 1",
            "SELECT id || '|' || context || '|' || callerid FROM ps_endpoints ORDER BY 1",
            "SELECT id || '|' || password FROM ps_auths ORDER BY 1",
            "SELECT id FROM ps_contacts ORDER BY 1",
            "SELECT token FROM used_tokens ORDER BY 1",
        ] {
            let mut stmt = conn.prepare(q).unwrap();
            let rows: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            out.push(rows.join(","));
        }
        out
    }

    #[test]
    fn temporary_handsets_get_distinct_numbers_in_range() {
        let mut conn = test_conn();
        let a = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let b = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        assert_ne!(a.number, b.number);
        for h in [&a, &b] {
            assert!(h.number.as_str() >= "99560000" && h.number.as_str() <= "99569999");
            assert!(h.credentials.password.len() >= 16);
            let (context, _) = pjsip::identity(&conn, &h.credentials.username)
                .unwrap()
                .unwrap();
            assert_eq!(context, CONTEXT_TEMPORARY);
        }
        assert_eq!(count_temporary(&conn).unwrap(), 2);
    }

    #[test]
    fn full_range_is_a_clear_conflict() {
        let mut conn = test_conn();
        let mut small = plan();
        small.first = "99560000".into();
        small.last = "99560001".into();
        write_in(&mut conn, |tx| create_temporary(tx, &small)).unwrap();
        write_in(&mut conn, |tx| create_temporary(tx, &small)).unwrap();
        let err = write_in(&mut conn, |tx| create_temporary(tx, &small)).unwrap_err();
        assert!(err.to_string().contains("temporary number"), "{err}");
    }

    #[test]
    fn bind_moves_the_handset_to_the_extension_atomically() {
        let mut conn = test_conn();
        let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let id = h.credentials.username.clone();
        let outcome = write_in(&mut conn, |tx| bind(tx, &id, &token, 1000)).unwrap();
        assert_eq!(
            outcome,
            BindOutcome::Bound {
                number: "4711".into(),
                name: "Alice".into()
            }
        );
        assert_eq!(
            numbers::endpoint_of(&conn, "4711").unwrap().as_deref(),
            Some(id.as_str())
        );
        assert_eq!(numbers::endpoint_of(&conn, &h.number).unwrap(), None);
        let (context, callerid) = pjsip::identity(&conn, &id).unwrap().unwrap();
        assert_eq!(context, CONTEXT_EXTENSIONS);
        assert_eq!(callerid, "\"Alice\" <4711>");
        let info = get(&conn, &id).unwrap().unwrap();
        assert_eq!(info.extension.as_deref(), Some("4711"));
        assert_eq!(info.temporary_number, None);

        // The same token again, from another temporary handset: used.
        let h2 = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let before = snapshot(&conn);
        let id2 = h2.credentials.username.clone();
        let again = write_in(&mut conn, |tx| bind(tx, &id2, &token, 1001)).unwrap();
        assert_eq!(again, BindOutcome::TokenUsed);
        assert_eq!(snapshot(&conn), before);
        // And from the handset that is bound now: not temporary any more.
        let third = write_in(&mut conn, |tx| bind(tx, &id, &token, 1002)).unwrap();
        assert_eq!(third, BindOutcome::NotTemporary);
    }

    #[test]
    fn outside_the_events_window_binding_is_closed_and_changes_nothing() {
        let mut conn = test_conn();
        let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let d = |s| crate::domain::event::parse_date("d", s).unwrap();
        let camp =
            crate::domain::event::Event::new("Camp", d("2027-08-10"), d("2027-08-14"), 500, 900)
                .unwrap();
        write_in(&mut conn, |tx| super::super::events::set(tx, &camp)).unwrap();
        let id = h.credentials.username.clone();
        let before = snapshot(&conn);
        for at in [499, 900] {
            let outcome = write_in(&mut conn, |tx| bind(tx, &id, &token, at)).unwrap();
            assert_eq!(outcome, BindOutcome::Closed, "at {at}");
        }
        assert_eq!(snapshot(&conn), before);
        let attempts: i64 = conn
            .query_row("SELECT count(*) FROM token_attempts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(attempts, 0, "a closed window is no guess");
        let inside = write_in(&mut conn, |tx| bind(tx, &id, &token, 500)).unwrap();
        assert!(matches!(inside, BindOutcome::Bound { .. }), "{inside:?}");
    }

    #[test]
    fn failures_change_nothing_but_the_log_and_lock_out_after_five() {
        let mut conn = test_conn();
        let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let id = h.credentials.username.clone();
        let before = snapshot(&conn);
        let t0 = 10_000;
        for (i, dialled) in [
            "0000000000",
            "12#",
            "1111111111",
            "2222222222",
            "3333333333",
        ]
        .iter()
        .enumerate()
        {
            let outcome = write_in(&mut conn, |tx| bind(tx, &id, dialled, t0 + i as i64)).unwrap();
            assert!(outcome.is_failure(), "{outcome:?}");
        }
        assert_eq!(snapshot(&conn), before);
        assert_eq!(failures_since(&conn, &id, t0).unwrap(), 5);
        // The right token now is refused: locked out.
        let locked = write_in(&mut conn, |tx| bind(tx, &id, &token, t0 + 10)).unwrap();
        assert_eq!(locked, BindOutcome::LockedOut);
        assert_eq!(snapshot(&conn), before);
        // Still locked ten minutes after the first failure: the lock runs from the fifth.
        assert!(is_locked_out(&conn, &id, t0 + LOCKOUT_WINDOW_SECS + 1).unwrap());
        // Ten minutes after the fifth failure it works again (the clock is ours).
        let later = t0 + 4 + LOCKOUT_WINDOW_SECS;
        assert!(!is_locked_out(&conn, &id, later).unwrap());
        let ok = write_in(&mut conn, |tx| bind(tx, &id, &token, later)).unwrap();
        assert!(matches!(ok, BindOutcome::Bound { .. }));
    }

    fn attempt_rows(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM token_attempts", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn callers_who_may_not_try_leave_no_attempt_row() {
        let mut conn = test_conn();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let sip = write_in(&mut conn, |tx| {
            devices::create(
                tx,
                DeviceKind::Sip,
                CONTEXT_EXTENSIONS,
                "\"S\" <2000>",
                &plan().defaults,
            )
        })
        .unwrap();
        assert_eq!(
            eligibility(&conn, &sip.username, 5).unwrap(),
            Eligibility::NotTemporary
        );
        // A bound handset, and one locked out after five guesses.
        let bound = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let bound = bound.credentials.username;
        write_in(&mut conn, |tx| bind(tx, &bound, &token, 5)).unwrap();
        let locked = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let locked = locked.credentials.username;
        for i in 0..5 {
            write_in(&mut conn, |tx| bind(tx, &locked, "0000000000", 10 + i)).unwrap();
        }
        assert_eq!(
            eligibility(&conn, &locked, 20).unwrap(),
            Eligibility::LockedOut
        );
        let before = (snapshot(&conn), attempt_rows(&conn));
        for (who, expected) in [
            (sip.username.as_str(), BindOutcome::NotTemporary),
            (bound.as_str(), BindOutcome::NotTemporary),
            ("nobody", BindOutcome::NotTemporary),
            (locked.as_str(), BindOutcome::LockedOut),
        ] {
            let outcome = write_in(&mut conn, |tx| bind(tx, who, "1234567890", 20)).unwrap();
            assert_eq!(outcome, expected, "{who}");
        }
        assert_eq!((snapshot(&conn), attempt_rows(&conn)), before);
    }

    #[test]
    fn attempts_are_pruned_after_the_window() {
        let mut conn = test_conn();
        let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let id = h.credentials.username;
        let guard = Guard {
            failures: 50,
            window_secs: 600,
        };
        let t0 = 100_000;
        write_in(&mut conn, |tx| bind(tx, &id, "1111111111", t0)).unwrap();
        write_in(&mut conn, |tx| check_guard(tx, guard, t0)).unwrap();
        assert_eq!(attempt_rows(&conn), 1);
        // Still needed while it can decide a lockout.
        let keep = t0 + guard.retention_secs();
        write_in(&mut conn, |tx| check_guard(tx, guard, keep)).unwrap();
        assert_eq!(attempt_rows(&conn), 1);
        write_in(&mut conn, |tx| bind(tx, &id, "2222222222", keep + 1)).unwrap();
        write_in(&mut conn, |tx| check_guard(tx, guard, keep + 1)).unwrap();
        assert_eq!(
            attempt_rows(&conn),
            1,
            "the first row is gone, the new one stays"
        );
        // A longer guard window keeps rows for as long as it looks back.
        let long = Guard {
            failures: 50,
            window_secs: 3 * LOCKOUT_WINDOW_SECS,
        };
        assert_eq!(long.retention_secs(), 3 * LOCKOUT_WINDOW_SECS);
    }

    #[test]
    fn the_guard_raises_and_clears_its_alarm_once_each() {
        let mut conn = test_conn();
        let guard = Guard {
            failures: 3,
            window_secs: 600,
        };
        let alarms = |conn: &Connection| -> Vec<(bool, i64)> {
            let mut stmt = conn
                .prepare(
                    "SELECT json_extract(data, '$.active'), json_extract(data, '$.failures')
                     FROM outbox WHERE type = 'alarm.token_guessing' ORDER BY id",
                )
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        let t0 = 50_000;
        // Four handsets, one guess each: no handset is locked out, but together too many.
        for i in 0..4 {
            let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
            let id = h.credentials.username;
            let status = write_in(&mut conn, |tx| {
                bind(tx, &id, "1111111111", t0 + i)?;
                check_guard(tx, guard, t0 + i)
            })
            .unwrap();
            assert_eq!(status.alarm, i == 3, "{status:?}");
        }
        assert_eq!(alarms(&conn), vec![(true, 4)]);
        // Checking again while it lasts records nothing new.
        write_in(&mut conn, |tx| check_guard(tx, guard, t0 + 10)).unwrap();
        assert_eq!(alarms(&conn).len(), 1);
        assert!(guard_status(&conn, guard, t0 + 10).unwrap().alarm);
        // Once the guesses leave the window, the alarm clears itself.
        let later = t0 + 601;
        let status = write_in(&mut conn, |tx| check_guard(tx, guard, later)).unwrap();
        assert!(!status.alarm);
        assert_eq!(alarms(&conn), vec![(true, 4), (false, 2)]);
        write_in(&mut conn, |tx| check_guard(tx, guard, later + 1)).unwrap();
        assert_eq!(alarms(&conn).len(), 2);
    }

    #[test]
    fn sip_devices_are_not_temporary() {
        let mut conn = test_conn();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let sip = write_in(&mut conn, |tx| {
            devices::create(
                tx,
                DeviceKind::Sip,
                CONTEXT_EXTENSIONS,
                "\"S\" <2000>",
                &plan().defaults,
            )
        })
        .unwrap();
        let outcome = write_in(&mut conn, |tx| bind(tx, &sip.username, &token, 5)).unwrap();
        assert_eq!(outcome, BindOutcome::NotTemporary);
        let outcome = write_in(&mut conn, |tx| bind(tx, "nobody", &token, 5)).unwrap();
        assert_eq!(outcome, BindOutcome::NotTemporary);
    }

    #[test]
    fn unbind_gives_back_a_temporary_number_and_a_fresh_token() {
        let mut conn = test_conn();
        let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let id = h.credentials.username.clone();
        write_in(&mut conn, |tx| bind(tx, &id, &token, 5)).unwrap();
        conn.execute(
            "INSERT INTO ps_contacts (id, uri, endpoint) VALUES (?1 || ';@x', 'sip:a@b', ?1)",
            params![id],
        )
        .unwrap();
        let temp = write_in(&mut conn, |tx| unbind(tx, "4711", &plan(), 10)).unwrap();
        assert_eq!(
            numbers::endpoint_of(&conn, &temp).unwrap().as_deref(),
            Some(id.as_str())
        );
        assert_eq!(numbers::endpoint_of(&conn, "4711").unwrap(), None);
        assert!(pjsip::contacts(&conn, &id).unwrap().is_empty());
        let (context, _) = pjsip::identity(&conn, &id).unwrap().unwrap();
        assert_eq!(context, CONTEXT_TEMPORARY);
        let new_token: Option<String> = conn
            .query_row(
                "SELECT token FROM extensions WHERE number='4711'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let new_token = new_token.unwrap();
        assert_ne!(new_token, token);
        // Unbinding again is a clear conflict.
        let err = write_in(&mut conn, |tx| unbind(tx, "4711", &plan(), 10)).unwrap_err();
        assert!(err.to_string().contains("no handset bound"));
        // The fresh token binds.
        let ok = write_in(&mut conn, |tx| bind(tx, &id, &new_token, 6)).unwrap();
        assert!(matches!(ok, BindOutcome::Bound { .. }));
    }

    #[test]
    fn regenerate_refuses_bound_and_sip_extensions() {
        let mut conn = test_conn();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let new = write_in(&mut conn, |tx| regenerate_token(tx, "4711", 10)).unwrap();
        assert_ne!(new, token);
        let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let id = h.credentials.username.clone();
        // The old token is gone.
        let old = write_in(&mut conn, |tx| bind(tx, &id, &token, 5)).unwrap();
        assert_eq!(old, BindOutcome::UnknownToken);
        write_in(&mut conn, |tx| bind(tx, &id, &new, 6)).unwrap();
        assert!(write_in(&mut conn, |tx| regenerate_token(tx, "4711", 10)).is_err());
        assert!(matches!(
            write_in(&mut conn, |tx| regenerate_token(tx, "9999", 10)),
            Err(DbError::NotFound)
        ));
    }

    #[test]
    fn delete_bound_handset_frees_the_extension() {
        let mut conn = test_conn();
        let h = write_in(&mut conn, |tx| create_temporary(tx, &plan())).unwrap();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let id = h.credentials.username.clone();
        write_in(&mut conn, |tx| bind(tx, &id, &token, 5)).unwrap();
        write_in(&mut conn, |tx| delete(tx, &id, 10)).unwrap();
        assert!(get(&conn, &id).unwrap().is_none());
        assert_eq!(numbers::endpoint_of(&conn, "4711").unwrap(), None);
        let token: Option<String> = conn
            .query_row(
                "SELECT token FROM extensions WHERE number='4711'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(token.is_some());
        assert!(matches!(
            write_in(&mut conn, |tx| delete(tx, &id, 10)),
            Err(DbError::NotFound)
        ));
    }

    #[test]
    fn two_handsets_racing_for_one_token_exactly_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("race.db");
        let busy = std::time::Duration::from_secs(5);
        let (mut conn, _) = crate::db::open_and_migrate(&path, busy).unwrap();
        let token = handset_extension(&mut conn, "4711", "Alice");
        let ids: Vec<String> = (0..8)
            .map(|_| {
                write_in(&mut conn, |tx| create_temporary(tx, &plan()))
                    .unwrap()
                    .credentials
                    .username
            })
            .collect();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(ids.len()));
        let handles: Vec<_> = ids
            .into_iter()
            .map(|id| {
                let (path, token, barrier) = (path.clone(), token.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut c = crate::db::open(&path, busy).unwrap();
                    barrier.wait();
                    write_in(&mut c, |tx| bind(tx, &id, &token, 7)).unwrap()
                })
            })
            .collect();
        let outcomes: Vec<BindOutcome> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let wins = outcomes
            .iter()
            .filter(|o| matches!(o, BindOutcome::Bound { .. }))
            .count();
        assert_eq!(wins, 1, "{outcomes:?}");
        assert!(outcomes
            .iter()
            .all(|o| matches!(o, BindOutcome::Bound { .. } | BindOutcome::TokenUsed)));
    }
}
