//! `stats_minutes` (migration 017): the per-minute statistics behind the operator page's
//! charts. Counts come from the call history and the token attempts and are counted again
//! for the last hour each minute; registrations are sampled from `ps_contacts` as they are.

use rusqlite::{params, Connection, Transaction};

use super::DbError;
use crate::domain::stats::{MinuteStats, Registered};

/// How far back each minute's count goes again: calls reach the history when they end (up to
/// a few seconds later), so a call of up to an hour is counted in every minute it lasted.
pub const RECOUNT_SECS: i64 = 3_600;

/// How long rows are kept: the day chart and a margin.
pub const KEEP_SECS: i64 = 2 * 86_400;

/// Counts calls, calls going on and failed token attempts for every minute in
/// `[from, to)` (minute starts), replacing what was counted before. Returns the minutes done.
pub fn count_minutes(tx: &Transaction<'_>, from: i64, to: i64) -> Result<usize, DbError> {
    let mut calls = tx.prepare_cached(
        "SELECT count(*) FROM call_history WHERE started_at >= ?1 AND started_at < ?1 + 60",
    )?;
    let mut going_on = tx.prepare_cached(
        "SELECT count(*) FROM call_history WHERE started_at < ?1 + 60 AND ended_at >= ?1",
    )?;
    let mut failed = tx.prepare_cached(
        "SELECT count(*) FROM token_attempts
         WHERE at >= ?1 AND at < ?1 + 60 AND outcome <> 'bound'",
    )?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO stats_minutes (minute, calls, concurrent, failed_tokens)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (minute) DO UPDATE SET calls = excluded.calls,
             concurrent = excluded.concurrent, failed_tokens = excluded.failed_tokens",
    )?;
    let mut done = 0;
    let mut m = from - from.rem_euclid(60);
    while m < to {
        let c: i64 = calls.query_row([m], |r| r.get(0))?;
        let g: i64 = going_on.query_row([m], |r| r.get(0))?;
        let f: i64 = failed.query_row([m], |r| r.get(0))?;
        upsert.execute(params![m, c, g, f])?;
        done += 1;
        m += 60;
    }
    Ok(done)
}

/// The devices registered now by kind (a temporary handset counts as temporary, a DECT
/// handset the OMM reported as DECT).
pub fn registered_now(conn: &Connection) -> Result<Registered, DbError> {
    Ok(conn.query_row(
        "WITH reg AS (
             SELECT DISTINCT CASE WHEN instr(id, ';@') > 0
                 THEN substr(id, 1, instr(id, ';@') - 1) ELSE id END AS ep
             FROM ps_contacts),
         kinds AS (
             SELECT CASE
                 WHEN EXISTS (SELECT 1 FROM numbers n
                              WHERE n.endpoint = reg.ep AND n.kind = 'temporary') THEN 'temporary'
                 WHEN EXISTS (SELECT 1 FROM dect_handsets h WHERE h.device_id = reg.ep) THEN 'dect'
                 WHEN d.kind = 'sip' THEN 'sip'
                 ELSE 'handset' END AS kind
             FROM reg JOIN devices d ON d.id = reg.ep)
         SELECT coalesce(sum(kind = 'sip'), 0), coalesce(sum(kind = 'handset'), 0),
                coalesce(sum(kind = 'dect'), 0), coalesce(sum(kind = 'temporary'), 0)
         FROM kinds",
        [],
        |r| {
            Ok(Registered {
                sip: r.get(0)?,
                handset: r.get(1)?,
                dect: r.get(2)?,
                temporary: r.get(3)?,
            })
        },
    )?)
}

/// Records the registrations of `minute`.
pub fn record_registered(tx: &Transaction<'_>, minute: i64, r: &Registered) -> Result<(), DbError> {
    tx.prepare_cached(
        "INSERT INTO stats_minutes (minute, registered_sip, registered_handset,
             registered_dect, registered_temporary) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (minute) DO UPDATE SET registered_sip = excluded.registered_sip,
             registered_handset = excluded.registered_handset,
             registered_dect = excluded.registered_dect,
             registered_temporary = excluded.registered_temporary",
    )?
    .execute(params![minute, r.sip, r.handset, r.dect, r.temporary])?;
    Ok(())
}

/// The rows from minute `from` on, oldest first.
pub fn since(conn: &Connection, from: i64) -> Result<Vec<MinuteStats>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT minute, calls, concurrent, failed_tokens, registered_sip, registered_handset,
                registered_dect, registered_temporary
         FROM stats_minutes WHERE minute >= ?1 ORDER BY minute",
    )?;
    let rows = stmt.query_map([from], |r| {
        let sip: Option<u32> = r.get(4)?;
        let registered = match sip {
            Some(sip) => Some(Registered {
                sip,
                handset: r.get::<_, Option<u32>>(5)?.unwrap_or(0),
                dect: r.get::<_, Option<u32>>(6)?.unwrap_or(0),
                temporary: r.get::<_, Option<u32>>(7)?.unwrap_or(0),
            }),
            None => None,
        };
        Ok(MinuteStats {
            minute: r.get(0)?,
            calls: r.get(1)?,
            concurrent: r.get(2)?,
            failed_tokens: r.get(3)?,
            registered,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Deletes the rows of minutes before `before`.
pub fn prune(tx: &Transaction<'_>, before: i64) -> Result<usize, DbError> {
    Ok(tx.execute("DELETE FROM stats_minutes WHERE minute < ?1", [before])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_conn as open;

    fn history(conn: &Connection, id: &str, started: i64, ended: i64) {
        conn.execute(
            "INSERT INTO call_history (call_id, dialled, started_at, ended_at, duration,
                 asterisk_cause, cause)
             VALUES (?1, '2000', ?2, ?3, ?3 - ?2, '', 'answered')",
            params![id, started, ended],
        )
        .unwrap();
    }

    #[test]
    fn minutes_count_calls_started_going_on_and_failed_tokens() {
        let mut conn = open();
        let m = 60 * 10_000;
        history(&conn, "a", m + 5, m + 200); // starts in m, goes on through m+3
        history(&conn, "b", m + 70, m + 80); // starts and ends in m+1
        conn.execute_batch(&format!(
            "INSERT INTO token_attempts (endpoint, at, outcome) VALUES
                 ('h1', {a}, 'unknown'), ('h1', {b}, 'bound'), ('h2', {c}, 'locked_out');",
            a = m + 1,
            b = m + 2,
            c = m + 61
        ))
        .unwrap();
        let tx = conn.transaction().unwrap();
        assert_eq!(count_minutes(&tx, m, m + 300).unwrap(), 5);
        tx.commit().unwrap();
        let rows = since(&conn, m).unwrap();
        let got: Vec<(u32, u32, u32)> = rows
            .iter()
            .map(|r| (r.calls, r.concurrent, r.failed_tokens))
            .collect();
        assert_eq!(got, [(1, 1, 1), (1, 2, 1), (0, 1, 0), (0, 1, 0), (0, 0, 0)]);
        assert!(rows.iter().all(|r| r.registered.is_none()));

        // Counting again replaces, and keeps a sampled registration.
        let tx = conn.transaction().unwrap();
        record_registered(
            &tx,
            m,
            &Registered {
                sip: 2,
                ..Registered::default()
            },
        )
        .unwrap();
        history(&tx, "c", m + 10, m + 20);
        count_minutes(&tx, m, m + 60).unwrap();
        tx.commit().unwrap();
        let first = since(&conn, m).unwrap()[0];
        assert_eq!((first.calls, first.concurrent), (2, 2));
        assert_eq!(first.registered.map(|r| r.sip), Some(2));

        let tx = conn.transaction().unwrap();
        assert_eq!(prune(&tx, m + 60).unwrap(), 1);
        tx.commit().unwrap();
        assert_eq!(since(&conn, 0).unwrap().len(), 4);
    }

    #[test]
    fn registrations_are_counted_by_kind() {
        let conn = open();
        conn.execute_batch(
            "INSERT INTO devices (id, kind, created_at) VALUES
                 ('s1', 'sip', 0), ('h1', 'handset', 0), ('t1', 'handset', 0), ('d1', 'handset', 0),
                 ('s2', 'sip', 0);
             INSERT INTO numbers (number, endpoint, kind) VALUES
                 ('2001', 's1', 'extension'), ('2002', 'h1', 'extension'),
                 ('99560001', 't1', 'temporary'), ('2003', 'd1', 'extension');
             INSERT INTO dect_handsets (device_id, ipei, created_at) VALUES ('d1', '00077 0000001 1', 0);
             INSERT INTO ps_contacts (id, uri, endpoint) VALUES
                 ('s1;@a', 'sip:a', 's1'), ('s1;@b', 'sip:b', 's1'), ('h1;@c', 'sip:c', 'h1'),
                 ('t1;@d', 'sip:d', 't1'), ('d1;@e', 'sip:e', 'd1');",
        )
        .unwrap();
        assert_eq!(
            registered_now(&conn).unwrap(),
            Registered {
                sip: 1,
                handset: 1,
                dect: 1,
                temporary: 1
            }
        );
    }
}
