//! The outbox: changes other services keep a copy of, kept 24 h for `GET /api/v1/events`.
//!
//! Extension and handset events are written by triggers on `extensions` (migration
//! 005_outbox), inside the transaction that makes the change, so no writer (the web pages, the
//! API, the registration call, the CLI in another process) can forget one, and a rolled-back
//! change leaves none. Registration events come from ARI through [`record_registration`].
//!
//! Ids only grow (AUTOINCREMENT) and writers commit one at a time, so a reader that has seen
//! id `n` has seen every event up to `n`. Pruning deletes from the oldest end and remembers
//! the highest id it deleted, so [`since`] can tell a client that it missed events.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{json, Value};

use super::DbError;

/// How long events are kept, in seconds.
pub const RETENTION_SECS: i64 = 24 * 60 * 60;

/// Event type of a registration status change.
pub const REGISTRATION: &str = "registration";

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    /// Increases with every event; the SSE `id:`.
    pub id: i64,
    /// When it was recorded, Unix seconds.
    pub at: i64,
    /// `extension.created`, `extension.updated`, `extension.deleted`, `handset.bound`,
    /// `handset.unbound` or `registration`.
    pub kind: String,
    /// The extension number, or the endpoint id of a registration event.
    pub subject: String,
    /// The event's fields (never secrets).
    pub data: Value,
}

/// Why a client cannot simply continue from the position it gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetReason {
    /// It gave no position (a first connection).
    Start,
    /// Events after its position were pruned.
    Expired,
    /// Its position is beyond any event this database recorded (another or a restored
    /// database).
    Unknown,
}

impl ResetReason {
    /// The word in the `reset` event.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetReason::Start => "start",
            ResetReason::Expired => "expired",
            ResetReason::Unknown => "unknown",
        }
    }
}

/// What a client at some position gets next.
#[derive(Debug, Clone, PartialEq)]
pub enum Since {
    /// The next events in id order (empty: it is up to date).
    Events(Vec<OutboxEvent>),
    /// It must resynchronise its copy, then continue after `head`.
    Reset {
        /// The id of the newest event recorded so far (0 if none ever was).
        head: i64,
        /// Why.
        reason: ResetReason,
    },
}

/// How many events the outbox keeps now.
pub fn count(conn: &Connection) -> Result<i64, DbError> {
    Ok(conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
}

/// The id of the newest event ever recorded, pruned or not (0 if none).
pub fn head(conn: &Connection) -> Result<i64, DbError> {
    Ok(conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// The highest id pruned so far (0 if none).
pub fn pruned_through(conn: &Connection) -> Result<i64, DbError> {
    Ok(
        conn.query_row("SELECT through FROM outbox_pruned WHERE one = 1", [], |r| {
            r.get(0)
        })?,
    )
}

/// The events after id `after`, at most `limit` of them, or a reset if the client has no
/// position (`None`), missed pruned events, or names an id this database never gave.
pub fn since(conn: &Connection, after: Option<i64>, limit: u32) -> Result<Since, DbError> {
    // One read transaction: a prune between reading the watermark and the rows would
    // otherwise hide a gap.
    let tx = conn.unchecked_transaction()?;
    let head = head(&tx)?;
    let Some(after) = after else {
        return Ok(Since::Reset {
            head,
            reason: ResetReason::Start,
        });
    };
    if after > head {
        return Ok(Since::Reset {
            head,
            reason: ResetReason::Unknown,
        });
    }
    if after < pruned_through(&tx)? {
        return Ok(Since::Reset {
            head,
            reason: ResetReason::Expired,
        });
    }
    let mut stmt = tx.prepare_cached(
        "SELECT id, at, type, subject, data FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], event_row)?;
    let events = rows.collect::<Result<Vec<_>, _>>()?;
    drop(stmt);
    tx.finish()?;
    Ok(Since::Events(events))
}

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEvent> {
    let data: String = r.get(4)?;
    Ok(OutboxEvent {
        id: r.get(0)?,
        at: r.get(1)?,
        kind: r.get(2)?,
        subject: r.get(3)?,
        // The column is CHECKed to be JSON; a row that is not would be a bug, shown as
        // null rather than breaking every client's stream.
        data: serde_json::from_str(&data).unwrap_or(Value::Null),
    })
}

/// The newest `limit` registration changes of these endpoints, newest first: a device's
/// recent offline/online timeline (the outbox keeps a day of it).
pub fn registration_timeline(
    conn: &Connection,
    endpoints: &[String],
    limit: u32,
) -> Result<Vec<OutboxEvent>, DbError> {
    // The endpoints go in as one JSON array parameter: no SQL is built from values. A list
    // of strings always serializes; the fallback (nothing matches) is never taken.
    let list = serde_json::to_string(endpoints).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, type, subject, data FROM outbox
         WHERE type = 'registration' AND subject IN (SELECT value FROM json_each(?1))
         ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![list, limit], event_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Deletes the events recorded before `older_than` (Unix seconds) and everything older by
/// id, and remembers the highest id deleted. Returns how many were deleted.
pub fn prune(tx: &Transaction<'_>, older_than: i64) -> Result<usize, DbError> {
    // By id, not by time alone: the clock may step back, and the kept events must stay one
    // unbroken run of ids for the watermark to mean anything.
    let cut: Option<i64> = tx.query_row(
        "SELECT max(id) FROM outbox WHERE at < ?1",
        params![older_than],
        |r| r.get(0),
    )?;
    let Some(cut) = cut else { return Ok(0) };
    let deleted = tx.execute("DELETE FROM outbox WHERE id <= ?1", params![cut])?;
    tx.execute(
        "UPDATE outbox_pruned SET through = max(through, ?1) WHERE one = 1",
        params![cut],
    )?;
    Ok(deleted)
}

/// Adds one event; returns its id. Extension and handset events are the triggers' job.
pub fn record(
    tx: &Transaction<'_>,
    at: i64,
    kind: &str,
    subject: &str,
    data: &Value,
) -> Result<i64, DbError> {
    tx.execute(
        "INSERT INTO outbox (at, type, subject, data) VALUES (?1, ?2, ?3, ?4)",
        params![at, kind, subject, data.to_string()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// An endpoint's registration state as ARI reported it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistrationChange {
    /// The PJSIP endpoint id (a device's SIP username).
    pub endpoint: String,
    /// `online`, `offline` or `unknown`, as ARI says.
    pub status: String,
    /// The last contact status ARI gave (Reachable, Unreachable, Removed, ...), or empty.
    pub contact_status: String,
    /// The contact's URI, if ARI gave one.
    pub uri: String,
}

/// Records a registration event if the endpoint's status differs from the last one recorded
/// (an endpoint with none kept counts as offline): ARI repeats states on every channel change
/// and after each reconnect, and a consumer wants changes. Returns the new event's id.
pub fn record_registration(
    tx: &Transaction<'_>,
    change: &RegistrationChange,
    at: i64,
) -> Result<Option<i64>, DbError> {
    let last: Option<Option<String>> = tx
        .prepare_cached(
            "SELECT json_extract(data, '$.status') FROM outbox
             WHERE subject = ?1 AND type = 'registration' ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![change.endpoint], |r| r.get(0))
        .optional()?;
    let last = last.flatten();
    if last.as_deref().unwrap_or("offline") == change.status {
        return Ok(None);
    }
    let number: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT number, kind FROM numbers WHERE endpoint = ?1
             ORDER BY kind = 'extension' DESC, number LIMIT 1",
        )?
        .query_row(params![change.endpoint], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let data = json!({
        "endpoint": change.endpoint,
        "number": number.as_ref().map(|(n, _)| n.clone()),
        "temporary": number.as_ref().is_some_and(|(_, k)| k == "temporary"),
        "status": change.status,
        "contact_status": non_empty(&change.contact_status),
        "uri": non_empty(&change.uri),
    });
    record(tx, at, REGISTRATION, &change.endpoint, &data).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::db::extensions::{self, Created, ExtensionKind, NewExtension};
    use crate::db::{handsets, now, test_conn, write_in, write_in_as};

    fn all(conn: &Connection) -> Vec<OutboxEvent> {
        match since(conn, Some(0), 1000).unwrap() {
            Since::Events(v) => v,
            other => panic!("{other:?}"),
        }
    }

    fn kinds(events: &[OutboxEvent]) -> Vec<&str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    fn new(number: &str, kind: ExtensionKind) -> NewExtension {
        NewExtension {
            owner_id: None,
            number: number.into(),
            name: "Alice".into(),
            kind,
            public: true,
            authority: crate::domain::numbering::Authority::Attendee,
        }
    }

    #[test]
    fn extension_changes_are_recorded_in_order_without_secrets() {
        let mut conn = test_conn();
        let s = Settings::default();
        let created = write_in_as(&mut conn, |tx| {
            extensions::create(tx, &s, &new("4711", ExtensionKind::Sip))
        })
        .unwrap();
        let Created::Sip(creds) = created else {
            panic!("sip")
        };
        write_in(&mut conn, |tx| extensions::update(tx, "4711", "Bob", false)).unwrap();
        // A new password changes nothing a consumer sees.
        write_in(&mut conn, |tx| extensions::new_sip_password(tx, "4711")).unwrap();
        write_in(&mut conn, |tx| extensions::delete(tx, &s, "4711")).unwrap();
        let events = all(&conn);
        assert_eq!(
            kinds(&events),
            [
                "extension.created",
                "extension.updated",
                "extension.deleted"
            ]
        );
        assert!(events.windows(2).all(|w| w[0].id < w[1].id));
        assert!(events.iter().all(|e| e.subject == "4711"));
        assert!((now() - events[0].at).abs() < 5, "{}", events[0].at);
        assert_eq!(
            events[0].data,
            json!({"number": "4711", "name": "Alice", "kind": "sip", "public": true,
                   "owner": null, "bound": false, "sip_username": creds.username})
        );
        assert_eq!(events[1].data["name"], "Bob");
        assert_eq!(events[1].data["public"], false);
        assert_eq!(
            events[2].data,
            json!({"number": "4711", "name": "Bob", "kind": "sip"})
        );
        let text = format!("{events:?}");
        assert!(!text.contains(&creds.password), "no password in events");
    }

    #[test]
    fn bind_unbind_and_deleting_a_bound_handset_are_recorded() {
        let mut conn = test_conn();
        let s = Settings::default();
        let Created::Handset { token } = write_in_as(&mut conn, |tx| {
            extensions::create(tx, &s, &new("4711", ExtensionKind::Handset))
        })
        .unwrap() else {
            panic!("handset")
        };
        let plan = handsets::TemporaryPlan::from_settings(&s);
        let h = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        let id = h.credentials.username.clone();
        write_in(&mut conn, |tx| handsets::bind(tx, &id, &token, now())).unwrap();
        write_in(&mut conn, |tx| handsets::unbind(tx, "4711", &plan, 10)).unwrap();
        // A new token is a secret, not an event.
        let token = write_in(&mut conn, |tx| handsets::regenerate_token(tx, "4711", 10)).unwrap();
        write_in(&mut conn, |tx| handsets::bind(tx, &id, &token, now())).unwrap();
        // Deleting the bound handset clears device_id through the foreign key.
        write_in(&mut conn, |tx| handsets::delete(tx, &id, 10)).unwrap();
        let events = all(&conn);
        assert_eq!(
            kinds(&events),
            [
                "extension.created",
                "handset.bound",
                "handset.unbound",
                "handset.bound",
                "handset.unbound"
            ]
        );
        assert_eq!(events[0].data["bound"], false);
        assert_eq!(
            events[1].data,
            json!({"number": "4711", "name": "Alice", "sip_username": id})
        );
        assert_eq!(events[2].data["sip_username"], id.as_str());
        assert!(
            !format!("{events:?}").contains(&token),
            "no token in events"
        );
    }

    #[test]
    fn a_rolled_back_change_leaves_no_event() {
        let mut conn = test_conn();
        let s = Settings::default();
        let result: Result<(), DbError> = write_in(&mut conn, |tx| {
            extensions::create(tx, &s, &new("4711", ExtensionKind::Handset)).map_err(|e| {
                DbError::Refused(crate::db::Refusal::ChangedMeanwhile(e.to_string()))
            })?;
            assert_eq!(head(tx)?, 1, "recorded inside the transaction");
            Err(DbError::Refused(crate::db::Refusal::ChangedMeanwhile(
                "4711".into(),
            )))
        });
        assert!(result.is_err());
        assert!(all(&conn).is_empty());
        assert_eq!(head(&conn).unwrap(), 0);
    }

    #[test]
    fn positions_reset_when_missing_expired_or_unknown() {
        let mut conn = test_conn();
        assert_eq!(
            since(&conn, None, 10).unwrap(),
            Since::Reset {
                head: 0,
                reason: ResetReason::Start
            }
        );
        let t = 1_000_000;
        let ids: Vec<i64> = (0..4)
            .map(|i| {
                write_in(&mut conn, |tx| {
                    record(tx, t + i * 3600, "test", "x", &json!({ "i": i }))
                })
                .unwrap()
            })
            .collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        let Since::Events(tail) = since(&conn, Some(2), 10).unwrap() else {
            panic!()
        };
        assert_eq!(tail.iter().map(|e| e.id).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(tail[0].data, json!({"i": 2}));
        let Since::Events(page) = since(&conn, Some(0), 3).unwrap() else {
            panic!()
        };
        assert_eq!(page.len(), 3, "limit");
        assert_eq!(since(&conn, Some(4), 10).unwrap(), Since::Events(vec![]));
        assert_eq!(
            since(&conn, Some(5), 10).unwrap(),
            Since::Reset {
                head: 4,
                reason: ResetReason::Unknown
            }
        );
        // Prune what is older than the third event: ids 1 and 2 go.
        let deleted = write_in(&mut conn, |tx| prune(tx, t + 2 * 3600)).unwrap();
        assert_eq!(deleted, 2);
        assert_eq!(pruned_through(&conn).unwrap(), 2);
        assert_eq!(
            since(&conn, Some(1), 10).unwrap(),
            Since::Reset {
                head: 4,
                reason: ResetReason::Expired
            }
        );
        let Since::Events(kept) = since(&conn, Some(2), 10).unwrap() else {
            panic!()
        };
        assert_eq!(kept.iter().map(|e| e.id).collect::<Vec<_>>(), [3, 4]);
    }

    #[test]
    fn prune_keeps_a_day_and_ids_never_come_back() {
        let mut conn = test_conn();
        let t = 2_000_000;
        write_in(&mut conn, |tx| record(tx, t, "test", "x", &json!({}))).unwrap();
        write_in(&mut conn, |tx| record(tx, t + 60, "test", "x", &json!({}))).unwrap();
        // A day after the first event, the second is still inside the window.
        let n = write_in(&mut conn, |tx| prune(tx, t + 60 - RETENTION_SECS + 1)).unwrap();
        assert_eq!(n, 0, "nothing older than a day yet");
        let n = write_in(&mut conn, |tx| prune(tx, t + 1)).unwrap();
        assert_eq!(n, 1);
        let n = write_in(&mut conn, |tx| prune(tx, t + 61)).unwrap();
        assert_eq!(n, 1);
        assert_eq!(pruned_through(&conn).unwrap(), 2);
        // Nothing is kept, but position 2 is still exactly up to date, and 1 missed one.
        assert_eq!(since(&conn, Some(2), 10).unwrap(), Since::Events(vec![]));
        assert!(matches!(
            since(&conn, Some(1), 10).unwrap(),
            Since::Reset {
                reason: ResetReason::Expired,
                ..
            }
        ));
        let id = write_in(&mut conn, |tx| record(tx, t + 120, "test", "x", &json!({}))).unwrap();
        assert_eq!(id, 3, "AUTOINCREMENT does not reuse pruned ids");
        // A clock that steps back cannot make prune leave a hole in the kept ids.
        write_in(&mut conn, |tx| record(tx, t - 500, "test", "x", &json!({}))).unwrap();
        write_in(&mut conn, |tx| prune(tx, t)).unwrap();
        assert_eq!(pruned_through(&conn).unwrap(), 4);
        assert_eq!(since(&conn, Some(4), 10).unwrap(), Since::Events(vec![]));
    }

    #[test]
    fn registration_changes_are_recorded_once_with_the_number() {
        let mut conn = test_conn();
        let s = Settings::default();
        let plan = handsets::TemporaryPlan::from_settings(&s);
        let h = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        let id = h.credentials.username.clone();
        let change = |status: &str| RegistrationChange {
            endpoint: id.clone(),
            status: status.into(),
            contact_status: "Reachable".into(),
            uri: "sip:h@192.0.2.1:5060".into(),
        };
        let before = head(&conn).unwrap();
        // Offline is what a consumer assumes of an endpoint it has heard nothing about.
        let r = write_in(&mut conn, |tx| {
            record_registration(tx, &change("offline"), 5)
        })
        .unwrap();
        assert_eq!(r, None);
        let r = write_in(&mut conn, |tx| {
            record_registration(tx, &change("online"), 6)
        })
        .unwrap();
        assert!(r.is_some());
        let r = write_in(&mut conn, |tx| {
            record_registration(tx, &change("online"), 7)
        })
        .unwrap();
        assert_eq!(r, None, "no change, no event");
        let gone = RegistrationChange {
            contact_status: String::new(),
            uri: String::new(),
            ..change("offline")
        };
        let r = write_in(&mut conn, |tx| record_registration(tx, &gone, 8)).unwrap();
        assert!(r.is_some());
        let Since::Events(events) = since(&conn, Some(before), 10).unwrap() else {
            panic!()
        };
        assert_eq!(kinds(&events), [REGISTRATION, REGISTRATION]);
        assert_eq!(
            events[0].data,
            json!({"endpoint": id, "number": h.number, "temporary": true, "status": "online",
                   "contact_status": "Reachable", "uri": "sip:h@192.0.2.1:5060"})
        );
        assert_eq!(events[1].data["status"], "offline");
        assert_eq!(events[1].data["uri"], Value::Null);
        assert_eq!(events[1].subject, id);
    }
}
