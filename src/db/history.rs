//! Call history: ingesting the CDR rows Asterisk writes into `cdr_inbox` (migration 014) into
//! `call_history`, pruning it, and reading it.
//!
//! Asterisk writes a call's CDR rows when its channels are destroyed; the rows of the first
//! channel (uniqueid = linkedid, the caller) come last, as that channel lives longest. A call
//! is ingested once its caller's rows are there and its newest row ended `settle` seconds ago
//! (Local legs are destroyed a moment after the caller).

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::DbError;
use crate::domain::history::{self, CallSummary, Cause, CdrRow};

/// Calls handled by one [`ingest`] (one short write transaction each time).
pub const INGEST_BATCH: usize = 500;

/// Rows with no caller row after this long (a crash mid-call, a channel eventpbx never
/// routed) are dropped.
pub const ORPHAN_AFTER_SECS: i64 = 3600;

/// A CDR time as unix seconds: `int64` mappings give digits, the default format gives
/// `YYYY-MM-DD HH:MM:SS` (read as UTC). Empty, zero or unreadable: none.
const TIME_SQL: &str = "CASE WHEN {c} GLOB '[0-9]*' AND {c} NOT GLOB '*[^0-9.]*' \
     THEN CAST({c} AS INTEGER) ELSE CAST(strftime('%s', {c}) AS INTEGER) END";

fn time_of(column: &str) -> String {
    TIME_SQL.replace("{c}", column)
}

/// Moves finished calls from `cdr_inbox` into `call_history` (at most [`INGEST_BATCH`]);
/// returns how many history rows were written.
pub fn ingest(tx: &Transaction<'_>, now: i64, settle: i64) -> Result<usize, DbError> {
    let ended = time_of("ended");
    let ready: Vec<String> = {
        let sql = format!(
            "SELECT linkedid FROM cdr_inbox GROUP BY linkedid \
             HAVING SUM(uniqueid = linkedid) > 0 AND MAX(COALESCE({ended}, 0)) <= ?1 \
             ORDER BY MIN(id) LIMIT ?2"
        );
        let mut stmt = tx.prepare(&sql)?;
        let ids = stmt
            .query_map(params![now - settle, INGEST_BATCH as i64], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        ids
    };
    let mut written = 0;
    for linkedid in &ready {
        let rows = rows_of(tx, linkedid)?;
        if let Some(call) = history::summarize(&rows) {
            written += insert(tx, &call)?;
        }
        tx.execute("DELETE FROM cdr_inbox WHERE linkedid = ?1", [linkedid])?;
    }
    let started = time_of("started");
    tx.execute(
        &format!(
            "DELETE FROM cdr_inbox WHERE linkedid IN (SELECT linkedid FROM cdr_inbox \
             GROUP BY linkedid HAVING SUM(uniqueid = linkedid) = 0 \
             AND MAX(COALESCE({started}, 0)) <= ?1)"
        ),
        [now - ORPHAN_AFTER_SECS],
    )?;
    Ok(written)
}

fn rows_of(tx: &Transaction<'_>, linkedid: &str) -> Result<Vec<CdrRow>, DbError> {
    let sql = format!(
        "SELECT {}, {}, {}, COALESCE(disposition, ''), COALESCE(channel, ''), \
         COALESCE(dstchannel, ''), COALESCE(uniqueid, ''), linkedid, COALESCE(sequence, id), \
         COALESCE(ev_number, ''), COALESCE(ev_from, ''), COALESCE(ev_outcome, ''), \
         COALESCE(ev_forward, '') FROM cdr_inbox WHERE linkedid = ?1 ORDER BY id",
        time_of("started"),
        time_of("answered"),
        time_of("ended"),
    );
    let mut stmt = tx.prepare(&sql)?;
    let rows = stmt
        .query_map([linkedid], |r| {
            let positive = |v: Option<i64>| v.filter(|t| *t > 0);
            Ok(CdrRow {
                started: positive(r.get(0)?),
                answered: positive(r.get(1)?),
                ended: positive(r.get(2)?),
                disposition: r.get(3)?,
                channel: r.get(4)?,
                dstchannel: r.get(5)?,
                uniqueid: r.get(6)?,
                linkedid: r.get(7)?,
                sequence: r.get(8)?,
                number: r.get(9)?,
                from: r.get(10)?,
                outcome: r.get(11)?,
                forward: r.get(12)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn insert(tx: &Transaction<'_>, call: &CallSummary) -> Result<usize, DbError> {
    // The caller's number now (numbers move between devices when a handset binds; the
    // history shows who it was when the call was ingested, seconds after it ended).
    let caller_number: Option<String> = match &call.caller_endpoint {
        Some(ep) => tx
            .query_row(
                "SELECT number FROM numbers WHERE endpoint = ?1 ORDER BY length(number), number LIMIT 1",
                [ep],
                |r| r.get(0),
            )
            .optional()?,
        None => None,
    };
    let n = tx.execute(
        "INSERT INTO call_history (call_id, caller_number, caller_endpoint, dialled, rang, \
         started_at, answered_at, ended_at, duration, asterisk_cause, cause, forwarded_to) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT(call_id) DO NOTHING",
        params![
            call.call_id,
            caller_number,
            call.caller_endpoint,
            call.dialled,
            call.rang.join(" "),
            call.started_at,
            call.answered_at,
            call.ended_at,
            call.ended_at - call.started_at,
            call.asterisk_cause,
            call.cause.code(),
            call.forwarded_to,
        ],
    )?;
    Ok(n)
}

/// Deletes history that ended before `before`; returns how many calls.
pub fn prune(tx: &Transaction<'_>, before: i64) -> Result<usize, DbError> {
    Ok(tx.execute("DELETE FROM call_history WHERE ended_at < ?1", [before])?)
}

/// One call as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: i64,
    pub caller_number: Option<String>,
    pub dialled: String,
    pub rang: Vec<String>,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: i64,
    pub duration: i64,
    pub asterisk_cause: String,
    pub cause: Cause,
    pub forwarded_to: Option<String>,
}

impl HistoryEntry {
    /// The cause in words, with the forwarding target.
    pub fn words(&self) -> String {
        history::describe(self.cause, self.forwarded_to.as_deref())
    }
}

/// What to list: every field optional; `numbers` empty means all numbers (staff), else calls
/// from or to one of them only. Newest first, `before_id` pages back.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub numbers: Vec<String>,
    pub number: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub cause: Option<Cause>,
    pub before_id: Option<i64>,
    pub limit: u32,
    pub offset: u32,
}

/// The calls matching `filter`, newest first.
pub fn list(conn: &Connection, filter: &HistoryFilter) -> Result<Vec<HistoryEntry>, DbError> {
    let mut sql = String::from(
        "SELECT id, caller_number, dialled, rang, started_at, answered_at, ended_at, duration, \
         asterisk_cause, cause, forwarded_to FROM call_history WHERE 1",
    );
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut arg = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if !filter.numbers.is_empty() {
        let json = serde_json::to_string(&filter.numbers).unwrap_or_else(|_| "[]".into());
        arg(
            &mut sql,
            " AND (dialled IN (SELECT value FROM json_each(?)) OR caller_number IN \
             (SELECT value FROM json_each(?)))",
            json.into(),
        );
    }
    if let Some(n) = &filter.number {
        arg(
            &mut sql,
            " AND (dialled = ? OR caller_number = ?)",
            n.clone().into(),
        );
    }
    if let Some(t) = filter.since {
        arg(&mut sql, " AND ended_at >= ?", t.into());
    }
    if let Some(t) = filter.until {
        arg(&mut sql, " AND started_at < ?", t.into());
    }
    if let Some(c) = filter.cause {
        arg(&mut sql, " AND cause = ?", c.code().to_string().into());
    }
    if let Some(id) = filter.before_id {
        arg(&mut sql, " AND id < ?", id.into());
    }
    let limit = i64::from(filter.limit.clamp(1, 1000));
    arg(&mut sql, " ORDER BY id DESC LIMIT ?", limit.into());
    arg(&mut sql, " OFFSET ?", i64::from(filter.offset).into());
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            let rang: String = r.get(3)?;
            let cause: String = r.get(9)?;
            Ok(HistoryEntry {
                id: r.get(0)?,
                caller_number: r.get(1)?,
                dialled: r.get(2)?,
                rang: rang.split_whitespace().map(str::to_string).collect(),
                started_at: r.get(4)?,
                answered_at: r.get(5)?,
                ended_at: r.get(6)?,
                duration: r.get(7)?,
                asterisk_cause: r.get(8)?,
                cause: Cause::from_code(&cause).unwrap_or(Cause::Cancelled),
                forwarded_to: r.get(10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_conn;

    #[allow(clippy::too_many_arguments)]
    fn cdr(
        conn: &Connection,
        uid: &str,
        seq: i64,
        ended: &str,
        disposition: &str,
        dst: &str,
        number: &str,
        outcome: &str,
    ) {
        conn.execute(
            "INSERT INTO cdr_inbox (started, answered, ended, duration, billsec, disposition, \
             channel, dstchannel, uniqueid, linkedid, sequence, ev_number, ev_from, ev_outcome, \
             ev_forward) VALUES ('2026-12-03 08:00:00', '', ?1, 5, 0, ?2, 'PJSIP/caller-1', \
             ?3, ?4, 'L1', ?5, ?6, 'caller', ?7, '')",
            params![ended, disposition, dst, uid, seq, number, outcome],
        )
        .unwrap();
    }

    const ENDED: i64 = 1_796_284_805; // 2026-12-03 08:00:05 UTC

    fn ingest_now(conn: &mut Connection, now: i64) -> usize {
        let tx = conn.transaction().unwrap();
        let n = ingest(&tx, now, 2).unwrap();
        tx.commit().unwrap();
        n
    }

    #[test]
    fn a_finished_call_becomes_one_row_and_leaves_the_inbox() {
        let mut conn = test_conn();
        cdr(
            &conn,
            "L1",
            0,
            "2026-12-03 08:00:05",
            "BUSY",
            "PJSIP/dev2-00000002",
            "2002",
            "busy",
        );
        // Not settled yet: nothing happens.
        assert_eq!(ingest_now(&mut conn, ENDED + 1), 0);
        assert_eq!(ingest_now(&mut conn, ENDED + 2), 1);
        let left: i64 = conn
            .query_row("SELECT count(*) FROM cdr_inbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
        let calls = list(
            &conn,
            &HistoryFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].dialled, "2002");
        assert_eq!(calls[0].cause, Cause::Busy);
        assert_eq!(calls[0].rang, vec!["dev2".to_string()]);
        assert_eq!((calls[0].started_at, calls[0].ended_at), (ENDED - 5, ENDED));
        let event: String = conn
            .query_row(
                "SELECT type FROM outbox ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(event, "call.ended");
    }

    #[test]
    fn a_call_waits_for_its_caller_row_and_orphans_go() {
        let mut conn = test_conn();
        // Only a Local leg's row so far: the caller's channel is still up.
        cdr(
            &conn,
            "L2",
            1,
            "2026-12-03 08:00:05",
            "ANSWERED",
            "PJSIP/d-1",
            "",
            "",
        );
        assert_eq!(ingest_now(&mut conn, ENDED + 60), 0);
        let left: i64 = conn
            .query_row("SELECT count(*) FROM cdr_inbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 1);
        ingest_now(&mut conn, ENDED + ORPHAN_AFTER_SECS + 10);
        let left: i64 = conn
            .query_row("SELECT count(*) FROM cdr_inbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn service_calls_are_dropped_and_epoch_times_are_read() {
        let mut conn = test_conn();
        cdr(&conn, "L1", 0, &ENDED.to_string(), "ANSWERED", "", "", "");
        assert_eq!(ingest_now(&mut conn, ENDED + 5), 0);
        let left: i64 = conn
            .query_row("SELECT count(*) FROM cdr_inbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn attendees_filter_sees_only_their_numbers_and_prune_removes_old_calls() {
        let mut conn = test_conn();
        for (i, (from, to, cause)) in [
            ("2001", "2002", "busy"),
            ("2003", "2004", "answered"),
            ("2004", "2001", "dnd"),
        ]
        .iter()
        .enumerate()
        {
            conn.execute(
                "INSERT INTO call_history (call_id, caller_number, dialled, started_at, ended_at, \
                 duration, asterisk_cause, cause) VALUES (?1, ?2, ?3, ?4, ?4, 0, '', ?5)",
                params![format!("c{i}"), from, to, 100 + i as i64, cause],
            )
            .unwrap();
        }
        let mine = HistoryFilter {
            numbers: vec!["2001".into()],
            limit: 10,
            ..Default::default()
        };
        let calls = list(&conn, &mine).unwrap();
        assert_eq!(
            calls.iter().map(|c| c.dialled.as_str()).collect::<Vec<_>>(),
            ["2001", "2002"]
        );
        let dnd = HistoryFilter {
            cause: Some(Cause::DoNotDisturb),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(list(&conn, &dnd).unwrap().len(), 1);
        let page = HistoryFilter {
            before_id: Some(calls[0].id),
            limit: 1,
            ..Default::default()
        };
        assert_eq!(list(&conn, &page).unwrap()[0].dialled, "2004");
        // A hostile number is only a value: it matches nothing.
        let odd = HistoryFilter {
            number: Some("' OR 1=1 --".into()),
            limit: 10,
            ..Default::default()
        };
        assert!(list(&conn, &odd).unwrap().is_empty());
        let tx = conn.transaction().unwrap();
        assert_eq!(prune(&tx, 102).unwrap(), 2);
        tx.commit().unwrap();
        assert_eq!(
            list(
                &conn,
                &HistoryFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .unwrap()
            .len(),
            1
        );
    }
}
