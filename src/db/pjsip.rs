//! The PJSIP realtime rows Asterisk reads. This is the only code that writes `ps_*` tables.
//!
//! One device = one endpoint + one auth + one AOR, all with the same id (the device's SIP
//! username). Rows are written together in the caller's transaction, so Asterisk never sees
//! an endpoint without its auth.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::DbError;

/// Row values that come from the settings rather than from the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointDefaults {
    /// Prompt language.
    pub language: String,
    /// Seconds between qualify OPTIONS (0: off).
    pub qualify_frequency: u32,
}

impl EndpointDefaults {
    /// What every new device's PJSIP rows get from the settings.
    pub fn from_settings(settings: &crate::config::Settings) -> EndpointDefaults {
        EndpointDefaults {
            language: settings.prompts.language.clone(),
            qualify_frequency: settings.sip.qualify_frequency,
        }
    }
}

/// What Asterisk needs to know about one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSpec {
    /// Endpoint, auth and AOR id; also the SIP username.
    pub id: String,
    /// The digest password (at least 16 characters).
    pub password: String,
    /// Dialplan context for calls from this device.
    pub context: String,
    /// Caller id, e.g. `"Alice" <4711>`.
    pub callerid: String,
    /// Language and qualify interval.
    pub defaults: EndpointDefaults,
}

/// Whether a device in `context` may transfer calls (SIP REFER): temporary handsets may not.
fn allow_transfer(context: &str) -> &'static str {
    if context == crate::domain::CONTEXT_EXTENSIONS {
        "yes"
    } else {
        "no"
    }
}

/// Inserts endpoint, auth and AOR for a new device.
pub fn create(tx: &Transaction<'_>, spec: &EndpointSpec) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO ps_auths (id, auth_type, username, password) VALUES (?1, 'userpass', ?1, ?2)",
        params![spec.id, spec.password],
    )?;
    tx.execute(
        "INSERT INTO ps_aors (id, max_contacts, remove_existing, qualify_frequency)
         VALUES (?1, 1, 'yes', ?2)",
        params![spec.id, spec.defaults.qualify_frequency],
    )?;
    tx.execute(
        "INSERT INTO ps_endpoints (id, aors, auth, context, callerid, language,
             disallow, allow, identify_by, direct_media, dtmf_mode, allow_transfer)
         VALUES (?1, ?1, ?1, ?2, ?3, ?4, 'all', 'ulaw,alaw,g722', 'username', 'no', 'rfc4733', ?5)",
        params![
            spec.id,
            spec.context,
            spec.callerid,
            spec.defaults.language,
            allow_transfer(&spec.context)
        ],
    )?;
    Ok(())
}

/// Makes a new device's endpoint a browser's (`db::browser`): WebRTC (DTLS-SRTP, ICE,
/// rtcp-mux) and opus before G.711, the codecs every browser has (browsers have no G.722).
pub fn make_webrtc(tx: &Transaction<'_>, id: &str) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE ps_endpoints SET webrtc = 'yes', dtls_auto_generate_cert = 'yes',
             allow = 'opus,ulaw,alaw' WHERE id = ?1",
        params![id],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Changes who a device is to the outside: its context and caller id. Asterisk reads realtime
/// endpoints per request, so the device's next INVITE carries them.
pub fn set_identity(
    tx: &Transaction<'_>,
    id: &str,
    context: &str,
    callerid: &str,
) -> Result<(), DbError> {
    // Cached: it runs in every bind, the registration code's hot path.
    let n = tx
        .prepare_cached(
            "UPDATE ps_endpoints SET context = ?2, callerid = ?3, allow_transfer = ?4 WHERE id = ?1",
        )?
        .execute(params![id, context, callerid, allow_transfer(context)])?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Sets a new digest password and drops the device's registrations: a registration would
/// otherwise outlive the password it was made with.
pub fn set_password(tx: &Transaction<'_>, id: &str, password: &str) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE ps_auths SET password = ?2 WHERE id = ?1",
        params![id, password],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    delete_contacts(tx, id)?;
    Ok(())
}

/// Removes all of a device's rows, its registrations included.
pub fn delete(tx: &Transaction<'_>, id: &str) -> Result<(), DbError> {
    // Endpoint first: for a moment there may be an auth without endpoint, never the reverse.
    tx.execute("DELETE FROM ps_endpoints WHERE id = ?1", params![id])?;
    tx.execute("DELETE FROM ps_aors WHERE id = ?1", params![id])?;
    tx.execute("DELETE FROM ps_auths WHERE id = ?1", params![id])?;
    delete_contacts(tx, id)?;
    Ok(())
}

/// Removes the registrations Asterisk stored for the device's AOR (ids look like `AOR;@hash`).
pub fn delete_contacts(tx: &Transaction<'_>, id: &str) -> Result<usize, DbError> {
    Ok(tx.execute(
        "DELETE FROM ps_contacts WHERE endpoint = ?1 OR substr(id, 1, length(?1) + 2) = ?1 || ';@'",
        params![id],
    )?)
}

/// Deletes the row of a contact Asterisk removed (unregistered with `Expires: 0`, expired,
/// or dropped after failed qualifies) at `removed_at_ms` (unix milliseconds, from the ARI
/// event). Asterisk's own delete runs no SQL with res_config_sqlite3, and it would read the
/// row back as a live registration. A row written at or after the removal is a new
/// registration of the same contact and stays; the comparison happens inside this one
/// statement, so an INSERT or UPDATE by Asterisk is either before it or after it.
pub fn forget_removed_contact(
    tx: &Transaction<'_>,
    aor: &str,
    uri: &str,
    removed_at_ms: i64,
) -> Result<usize, DbError> {
    Ok(tx.execute(
        "DELETE FROM ps_contacts
         WHERE substr(id, 1, length(?1) + 2) = ?1 || ';@' AND uri = ?2
           AND NOT EXISTS (SELECT 1 FROM eventpbx_contact_writes w
                           WHERE w.id = ps_contacts.id AND w.written_at_ms >= ?3)",
        params![aor, uri, removed_at_ms],
    )?)
}

/// Current registrations of AORs with qualify off, by AOR (= endpoint) id: their contact
/// URIs. Asterisk reports nothing about such contacts on ARI.
pub fn unqualified_registrations(
    conn: &Connection,
    now: i64,
) -> Result<std::collections::HashMap<String, Vec<String>>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, c.uri FROM ps_contacts c
         JOIN ps_aors a ON substr(c.id, 1, length(a.id) + 2) = a.id || ';@'
         WHERE CAST(a.qualify_frequency AS INTEGER) = 0
           AND CAST(c.expiration_time AS INTEGER) > ?1
           AND c.uri IS NOT NULL
         ORDER BY a.id, c.uri",
    )?;
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    let rows = stmt.query_map(params![now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    for row in rows {
        let (aor, uri): (String, String) = row?;
        out.entry(aor).or_default().push(uri);
    }
    Ok(out)
}

/// A registration as Asterisk stored it in ps_contacts; columns it may leave NULL come back
/// empty or 0. The one contact row type: the account page, the API and the tests read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// `<aor>;@<hash>`, as Asterisk names it.
    pub id: String,
    /// The AOR it registered to (the part of the id before `;@`).
    pub aor: String,
    /// The contact URI the phone is reached at.
    pub uri: String,
    /// The phone's User-Agent header.
    pub user_agent: String,
    pub call_id: String,
    /// When the registration expires, Unix seconds.
    pub expiration_time: i64,
    /// Seconds between qualify OPTIONS for it; 0 means not qualified.
    pub qualify_frequency: i64,
}

const CONTACT_COLUMNS: &str = "id, coalesce(uri, ''), coalesce(user_agent, ''),
    coalesce(call_id, ''), coalesce(CAST(expiration_time AS INTEGER), 0),
    coalesce(CAST(qualify_frequency AS INTEGER), 0)";

fn contact_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Contact> {
    let id: String = r.get(0)?;
    let aor = id
        .split_once(";@")
        .map_or(id.as_str(), |(aor, _)| aor)
        .to_string();
    Ok(Contact {
        aor,
        id,
        uri: r.get(1)?,
        user_agent: r.get(2)?,
        call_id: r.get(3)?,
        expiration_time: r.get(4)?,
        qualify_frequency: r.get(5)?,
    })
}

/// The device's current registrations (to its own AOR, or naming it as their endpoint).
pub fn contacts(conn: &Connection, id: &str) -> Result<Vec<Contact>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONTACT_COLUMNS} FROM ps_contacts
         WHERE endpoint = ?1 OR substr(id, 1, length(?1) + 2) = ?1 || ';@' ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![id], contact_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Registrations to one AOR.
pub fn contacts_of_aor(conn: &Connection, aor: &str) -> Result<Vec<Contact>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONTACT_COLUMNS} FROM ps_contacts
         WHERE substr(id, 1, length(?1) + 2) = ?1 || ';@' ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![aor], contact_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The endpoint's context and caller id, if it exists.
pub fn identity(conn: &Connection, id: &str) -> Result<Option<(String, String)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT context, callerid FROM ps_endpoints WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Formats a caller id the way Asterisk parses it: `"Name" <number>`, quotes and backslashes
/// in the name escaped, control characters dropped.
pub fn callerid(name: &str, number: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' | '\\' => {
                escaped.push('\\');
                escaped.push(c);
            }
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    format!("\"{escaped}\" <{number}>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in};

    fn spec(id: &str) -> EndpointSpec {
        EndpointSpec {
            id: id.into(),
            password: "abcdefghijklmnopqrst".into(),
            context: "eventpbx-temporary".into(),
            callerid: callerid("Temp", "99560001"),
            defaults: EndpointDefaults {
                language: "en".into(),
                qualify_frequency: 60,
            },
        }
    }

    #[test]
    fn create_writes_all_three_rows_with_explicit_defaults() {
        let mut conn = test_conn();
        write_in(&mut conn, |tx| create(tx, &spec("habc"))).unwrap();
        let (aors, auth, allow, identify): (String, String, String, String) = conn
            .query_row(
                "SELECT aors, auth, allow, identify_by FROM ps_endpoints WHERE id='habc'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!((aors.as_str(), auth.as_str()), ("habc", "habc"));
        assert_eq!(allow, "ulaw,alaw,g722");
        assert_eq!(identify, "username");
        let (max, remove): (i64, String) = conn
            .query_row(
                "SELECT max_contacts, remove_existing FROM ps_aors WHERE id='habc'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((max, remove.as_str()), (1, "yes"));
    }

    #[test]
    fn only_devices_with_full_rights_may_transfer() {
        let mut conn = test_conn();
        write_in(&mut conn, |tx| create(tx, &spec("htemp"))).unwrap();
        let transfer = |conn: &Connection| -> String {
            conn.query_row(
                "SELECT allow_transfer FROM ps_endpoints WHERE id='htemp'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(
            transfer(&conn),
            "no",
            "a temporary handset may not transfer"
        );
        write_in(&mut conn, |tx| {
            set_identity(
                tx,
                "htemp",
                crate::domain::CONTEXT_EXTENSIONS,
                "\"A\" <2000>",
            )
        })
        .unwrap();
        assert_eq!(transfer(&conn), "yes", "bound: it may");
        write_in(&mut conn, |tx| {
            set_identity(
                tx,
                "htemp",
                crate::domain::CONTEXT_TEMPORARY,
                "\"T\" <99560001>",
            )
        })
        .unwrap();
        assert_eq!(transfer(&conn), "no", "unbound again: no longer");
    }

    #[test]
    fn short_password_is_refused_and_nothing_is_written() {
        let mut conn = test_conn();
        let mut s = spec("hshort");
        s.password = "short".into();
        assert!(write_in(&mut conn, |tx| create(tx, &s)).is_err());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM ps_endpoints", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn password_change_and_delete_drop_contacts() {
        let mut conn = test_conn();
        write_in(&mut conn, |tx| create(tx, &spec("hdev"))).unwrap();
        let add_contact = |conn: &Connection| {
            conn.execute(
                "INSERT INTO ps_contacts (id, uri, endpoint, call_id) VALUES ('hdev;@abc', 'sip:x@1.2.3.4', 'hdev', 'c1')",
                [],
            )
            .unwrap();
        };
        add_contact(&conn);
        // A contact of another AOR whose name starts alike must survive.
        conn.execute(
            "INSERT INTO ps_contacts (id, uri, endpoint) VALUES ('hdevx;@abc', 'sip:y@1.2.3.4', 'hdevx')",
            [],
        )
        .unwrap();
        assert_eq!(contacts(&conn, "hdev").unwrap().len(), 1);
        write_in(&mut conn, |tx| {
            set_password(tx, "hdev", "zyxwvutsrqponmlkjihg")
        })
        .unwrap();
        assert!(contacts(&conn, "hdev").unwrap().is_empty());
        assert_eq!(contacts(&conn, "hdevx").unwrap().len(), 1);
        add_contact(&conn);
        write_in(&mut conn, |tx| delete(tx, "hdev")).unwrap();
        assert!(contacts(&conn, "hdev").unwrap().is_empty());
        assert!(identity(&conn, "hdev").unwrap().is_none());
    }

    /// What Asterisk runs when it adds a contact (seen in res_config_sqlite3's SQL trace).
    fn asterisk_adds(conn: &Connection, aor: &str, hash: &str, port: u16, expires_in: i64) {
        conn.execute(
            "INSERT INTO ps_contacts (id, uri, expiration_time, endpoint, qualify_frequency)
             VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER) + ?3, ?4, 0)",
            params![
                format!("{aor};@{hash}"),
                format!("sip:{aor}@127.0.0.1:{port}"),
                expires_in,
                aor
            ],
        )
        .unwrap();
    }

    fn uris(conn: &Connection, id: &str) -> Vec<String> {
        contacts(conn, id)
            .unwrap()
            .into_iter()
            .map(|c| c.uri)
            .collect()
    }

    #[test]
    fn a_new_contact_replaces_the_one_remove_existing_drops() {
        let mut conn = test_conn();
        write_in(&mut conn, |tx| create(tx, &spec("hph"))).unwrap();
        write_in(&mut conn, |tx| create(tx, &spec("hphx"))).unwrap();
        asterisk_adds(&conn, "hph", "a1", 5301, 600);
        asterisk_adds(&conn, "hphx", "x1", 5401, 600);
        // A refresh is an UPDATE: it removes nothing.
        conn.execute(
            "UPDATE ps_contacts SET expiration_time = expiration_time + 5 WHERE id = 'hph;@a1'",
            [],
        )
        .unwrap();
        assert_eq!(uris(&conn, "hph"), ["sip:hph@127.0.0.1:5301"]);
        // The phone restarts with a new Contact: only the new registration is left, and the
        // AOR whose name starts alike keeps its own.
        asterisk_adds(&conn, "hph", "b2", 5303, 600);
        assert_eq!(uris(&conn, "hph"), ["sip:hph@127.0.0.1:5303"]);
        assert_eq!(uris(&conn, "hphx"), ["sip:hphx@127.0.0.1:5401"]);
    }

    #[test]
    fn without_remove_existing_live_contacts_stay_up_to_max_contacts() {
        let mut conn = test_conn();
        write_in(&mut conn, |tx| create(tx, &spec("hmany"))).unwrap();
        conn.execute(
            "UPDATE ps_aors SET remove_existing = 'no', max_contacts = 3 WHERE id = 'hmany'",
            [],
        )
        .unwrap();
        asterisk_adds(&conn, "hmany", "a", 5301, 600);
        asterisk_adds(&conn, "hmany", "b", 5302, 600);
        asterisk_adds(&conn, "hmany", "c", 5303, -1);
        asterisk_adds(&conn, "hmany", "d", 5304, 600);
        // The expired one is gone for Asterisk, so it goes from the table too.
        assert_eq!(contacts(&conn, "hmany").unwrap().len(), 3);
        assert!(!uris(&conn, "hmany").contains(&"sip:hmany@127.0.0.1:5303".to_string()));
        conn.execute(
            "UPDATE ps_aors SET remove_existing = 'yes', max_contacts = 2 WHERE id = 'hmany'",
            [],
        )
        .unwrap();
        asterisk_adds(&conn, "hmany", "e", 5305, 900);
        // The soonest to expire went; the newest and the latest-expiring other one stay.
        assert_eq!(contacts(&conn, "hmany").unwrap().len(), 2);
        assert!(uris(&conn, "hmany").contains(&"sip:hmany@127.0.0.1:5305".to_string()));
    }

    #[test]
    fn a_contact_asterisk_removed_can_register_again_with_the_same_uri() {
        let mut conn = test_conn();
        write_in(&mut conn, |tx| create(tx, &spec("hback"))).unwrap();
        asterisk_adds(&conn, "hback", "same", 5301, -5);
        // Asterisk found it expired, "deleted" it (a no-op) and inserts it anew: without the
        // trigger this INSERT fails on the primary key and the REGISTER with it.
        asterisk_adds(&conn, "hback", "same", 5301, 600);
        let c = contacts(&conn, "hback").unwrap();
        assert_eq!(c.len(), 1);
        assert!(c[0].expiration_time > crate::db::now());
    }

    #[test]
    fn callerid_escapes_quotes() {
        assert_eq!(callerid("Alice", "4711"), "\"Alice\" <4711>");
        assert_eq!(callerid("A \"B\" \\", "1"), "\"A \\\"B\\\" \\\\\" <1>");
        assert_eq!(callerid("x\ny", "1"), "\"xy\" <1>");
    }

    fn contact_ids(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT id FROM ps_contacts ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Registers a contact the way Asterisk writes it: an INSERT, or an UPDATE on refresh.
    fn asterisk_writes(conn: &Connection, id: &str, uri: &str) {
        let n = conn
            .execute(
                "UPDATE ps_contacts SET uri = ?2, expiration_time = '1900000000' WHERE id = ?1",
                params![id, uri],
            )
            .unwrap();
        if n == 0 {
            conn.execute(
                "INSERT INTO ps_contacts (id, uri, expiration_time) VALUES (?1, ?2, '1900000000')",
                params![id, uri],
            )
            .unwrap();
        }
    }

    fn written_at(conn: &Connection, id: &str) -> i64 {
        conn.query_row(
            "SELECT written_at_ms FROM eventpbx_contact_writes WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn a_removed_contact_is_deleted_unless_it_was_written_again_since() {
        let mut conn = test_conn();
        asterisk_writes(&conn, "hdev;@a", "sip:hdev-1@10.0.0.1:5060");
        asterisk_writes(&conn, "hdev;@b", "sip:hdev-2@10.0.0.1:5060");
        asterisk_writes(&conn, "hother;@a", "sip:hdev-1@10.0.0.1:5060");
        let written = written_at(&conn, "hdev;@a");
        let now_ms = crate::db::now() * 1000;
        assert!((written - now_ms).abs() < 5_000, "{written} vs {now_ms}");

        // Removed before it was last written: that write is a new registration, kept.
        let n = write_in(&mut conn, |tx| {
            forget_removed_contact(tx, "hdev", "sip:hdev-1@10.0.0.1:5060", written - 1)
        })
        .unwrap();
        assert_eq!(n, 0);
        // Removed in the very millisecond of the write: which came first is unknown, kept.
        let n = write_in(&mut conn, |tx| {
            forget_removed_contact(tx, "hdev", "sip:hdev-1@10.0.0.1:5060", written)
        })
        .unwrap();
        assert_eq!(n, 0);
        // Removed after: only that contact of that AOR goes, and its write record with it.
        let n = write_in(&mut conn, |tx| {
            forget_removed_contact(tx, "hdev", "sip:hdev-1@10.0.0.1:5060", written + 1)
        })
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(contact_ids(&conn), ["hdev;@b", "hother;@a"]);
        let left: i64 = conn
            .query_row(
                "SELECT count(*) FROM eventpbx_contact_writes WHERE id = 'hdev;@a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn a_refresh_moves_the_write_time_and_a_row_without_one_counts_as_old() {
        let mut conn = test_conn();
        asterisk_writes(&conn, "hdev;@a", "sip:hdev-1@10.0.0.1:5060");
        conn.execute(
            "UPDATE eventpbx_contact_writes SET written_at_ms = 1000 WHERE id = 'hdev;@a'",
            [],
        )
        .unwrap();
        asterisk_writes(&conn, "hdev;@a", "sip:hdev-1@10.0.0.1:5060");
        let refreshed = written_at(&conn, "hdev;@a");
        assert!(
            refreshed > 1000,
            "the refresh dated the row anew: {refreshed}"
        );

        // A row from before the write records existed (no record) is older than any removal.
        conn.execute("DELETE FROM eventpbx_contact_writes", [])
            .unwrap();
        let n = write_in(&mut conn, |tx| {
            forget_removed_contact(tx, "hdev", "sip:hdev-1@10.0.0.1:5060", 2000)
        })
        .unwrap();
        assert_eq!(n, 1);
        assert!(contact_ids(&conn).is_empty());
    }

    #[test]
    fn unqualified_registrations_lists_live_contacts_of_aors_with_qualify_off() {
        let mut conn = test_conn();
        let mut off = spec("hoff");
        off.defaults.qualify_frequency = 0;
        let mut off_expired = spec("hoffx");
        off_expired.defaults.qualify_frequency = 0;
        write_in(&mut conn, |tx| {
            create(tx, &off)?;
            create(tx, &off_expired)?;
            create(tx, &spec("hon"))
        })
        .unwrap();
        // One contact per AOR: each AOR keeps max_contacts = 1 (migration 009's trigger).
        for (id, uri, exp) in [
            ("hoff;@a", "sip:hoff-1@10.0.0.1", 2000),
            ("hoffx;@b", "sip:hoffx-1@10.0.0.1", 500),
            ("hon;@a", "sip:hon-1@10.0.0.1", 2000),
        ] {
            conn.execute(
                "INSERT INTO ps_contacts (id, uri, expiration_time) VALUES (?1, ?2, ?3)",
                params![id, uri, exp.to_string()],
            )
            .unwrap();
        }
        let regs = unqualified_registrations(&conn, 1000).unwrap();
        assert_eq!(regs.len(), 1, "{regs:?}");
        assert_eq!(
            regs["hoff"],
            ["sip:hoff-1@10.0.0.1"],
            "expired and qualified ones left out"
        );
    }
}
