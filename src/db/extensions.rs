//! Extensions: numbers people own, as a SIP phone account or as a handset awaiting its token.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::devices::{self, Credentials, DeviceKind};
use super::numbers::{self, NumberKind};
use super::{now, numbering, pjsip, DbError};
use crate::config::Settings;
use crate::domain::numbering::{Authority, ClaimError};
use crate::domain::{secrets, CONTEXT_EXTENSIONS};

// Re-exported so `db::extensions::ExtensionKind` keeps naming the one domain type.
pub use crate::domain::ExtensionKind;

/// One extension as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The number (primary key).
    pub number: String,
    /// Phonebook name, also the caller id name.
    pub name: String,
    /// SIP phone or handset.
    pub kind: ExtensionKind,
    /// The owning user, if any (API-made extensions may have none).
    pub owner_id: Option<i64>,
    /// The owner's username, for admin lists.
    pub owner_username: Option<String>,
    /// Listed in the public phonebook.
    pub public: bool,
    /// The device that rings: always set for SIP, set for a handset once bound.
    pub device_id: Option<String>,
    /// A handset's registration token while unbound.
    pub token: Option<String>,
    /// When a handset bound, unix seconds.
    pub bound_at: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Carried over from the last event and held for its owner until then (unix seconds):
    /// claiming it takes it back, else it is released at that time.
    pub held_until: Option<i64>,
}

/// What a freshly made extension hands its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// SIP credentials for the owner's phone.
    Sip(Credentials),
    /// The token to dial from the handset.
    Handset {
        /// Registration token (digits).
        token: String,
    },
    /// A group: nothing secret, its members are set next (docs/routing.md).
    Group,
    /// A conference room, open to every caller until its owner sets a PIN.
    Conference,
}

/// A new extension, as asked for.
#[derive(Debug, Clone)]
pub struct NewExtension {
    /// The owner, if a person claims it.
    pub owner_id: Option<i64>,
    /// The number as typed; the claim rules check it.
    pub number: String,
    /// Phonebook name, already validated.
    pub name: String,
    /// SIP or handset.
    pub kind: ExtensionKind,
    /// Listed in the phonebook.
    pub public: bool,
    /// Who asks: only an admin may claim an emergency or help-desk number.
    pub authority: Authority,
}

/// Which extensions to list: the pages' and the API's one filter. Every condition left at its
/// default means "any", and the set ones combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this owner's.
    pub owner_id: Option<i64>,
    /// Only those owned by this username (case-insensitively, like logins).
    pub owner_username: Option<String>,
    /// Substring of number or name.
    pub search: String,
    /// Only those listed in the phonebook.
    pub public_only: bool,
    /// Only SIP or only handset extensions.
    pub kind: Option<ExtensionKind>,
    /// Only handset extensions with (true) or without (false) a bound handset. SIP
    /// extensions have no binding, so either value leaves them out.
    pub bound: Option<bool>,
}

const COLUMNS: &str = "e.number, e.name, e.kind, e.owner_id, u.username, e.public, e.device_id,
                       e.token, e.bound_at, e.created_at, e.held_until";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Extension> {
    let kind: String = r.get(2)?;
    Ok(Extension {
        number: r.get(0)?,
        name: r.get(1)?,
        kind: ExtensionKind::parse(&kind).unwrap_or(ExtensionKind::Handset),
        owner_id: r.get(3)?,
        owner_username: r.get(4)?,
        public: r.get::<_, i64>(5)? != 0,
        device_id: r.get(6)?,
        token: r.get(7)?,
        bound_at: r.get(8)?,
        created_at: r.get(9)?,
        held_until: r.get(10)?,
    })
}

/// A LIKE pattern matching `search` as a plain substring (`%`, `_` and `\` escaped).
pub fn like_pattern(search: &str) -> String {
    let mut p = String::from("%");
    for c in search.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Why [`create`] created nothing: a numbering rule refused the number (the person is told
/// which), or storage failed. One flat error, so a caller's transaction rolls back on either
/// through `?` alone (`Db::write_as`).
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// A numbering rule or the per-user limit refused the number.
    #[error(transparent)]
    Rule(#[from] ClaimError),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for CreateError {
    fn from(e: rusqlite::Error) -> Self {
        CreateError::Db(e.into())
    }
}

/// Checks the claim rules and creates the extension in the caller's transaction.
pub fn create(
    tx: &Transaction<'_>,
    settings: &Settings,
    new: &NewExtension,
) -> Result<Created, CreateError> {
    let plan = numbering::plan(tx, settings)?;
    let number = plan.check_as(&new.number, new.authority)?;
    // A desk is the event's, not a personal extension of the admin who set it up.
    let desk = plan.desk(number.as_str()).is_some();
    if let (Some(owner), false) = (new.owner_id, desk) {
        plan.check_limit(count_owned(tx, owner)?)?;
    }
    let number = number.as_str();
    let t = now();
    let created = match new.kind {
        ExtensionKind::Sip => {
            let creds = devices::create(
                tx,
                DeviceKind::Sip,
                CONTEXT_EXTENSIONS,
                &pjsip::callerid(&new.name, number),
                &super::pjsip::EndpointDefaults::from_settings(settings),
            )?;
            numbers::assign(tx, number, &creds.username, NumberKind::Extension)?;
            tx.execute(
                "INSERT INTO extensions (number, name, kind, owner_id, public, device_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![number, new.name, ExtensionKind::Sip.as_str(), new.owner_id, new.public, creds.username, t],
            )?;
            Created::Sip(creds)
        }
        ExtensionKind::Handset => {
            let token = super::handsets::unique_token(tx, settings.numbering.token_length)?;
            tx.execute(
                "INSERT INTO extensions (number, name, kind, owner_id, public, token, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![number, new.name, ExtensionKind::Handset.as_str(), new.owner_id, new.public, token, t],
            )?;
            Created::Handset { token }
        }
        ExtensionKind::Group => {
            tx.execute(
                "INSERT INTO extensions (number, name, kind, owner_id, public, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![number, new.name, ExtensionKind::Group.as_str(), new.owner_id, new.public, t],
            )?;
            Created::Group
        }
        ExtensionKind::Conference => {
            tx.execute(
                "INSERT INTO extensions (number, name, kind, owner_id, public, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![number, new.name, ExtensionKind::Conference.as_str(), new.owner_id, new.public, t],
            )?;
            super::conferences::create(tx, number)?;
            Created::Conference
        }
    };
    super::routing::recompile(tx, &[number])?;
    Ok(created)
}

/// How many extensions a user owns.
pub fn count_owned(conn: &Connection, owner_id: i64) -> Result<u32, DbError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM extensions WHERE owner_id = ?1",
        params![owner_id],
        |r| r.get(0),
    )?)
}

/// Extensions matching the filter, ordered by number, and the total count.
///
/// The WHERE clause holds only the conditions in use, so SQLite can pick an index for each
/// shape (the public phonebook counts and pages on `extensions_public` alone).
pub fn list(
    conn: &Connection,
    filter: &Filter,
    limit: u32,
    offset: u32,
) -> Result<(Vec<Extension>, u32), DbError> {
    let search = filter.search.trim();
    let mut clause = String::from("1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(owner) = filter.owner_id {
        args.push(owner.into());
        clause.push_str(&format!(" AND e.owner_id = ?{}", args.len()));
    }
    if let Some(owner) = &filter.owner_username {
        args.push(owner.clone().into());
        clause.push_str(&format!(
            " AND e.owner_id = (SELECT id FROM users WHERE username = ?{})",
            args.len()
        ));
    }
    if filter.public_only {
        clause.push_str(" AND e.public = 1");
    }
    if let Some(kind) = filter.kind {
        args.push(kind.as_str().to_string().into());
        clause.push_str(&format!(" AND e.kind = ?{}", args.len()));
    }
    if let Some(bound) = filter.bound {
        args.push(ExtensionKind::Handset.as_str().to_string().into());
        let device = if bound { "IS NOT NULL" } else { "IS NULL" };
        clause.push_str(&format!(
            " AND e.kind = ?{} AND e.device_id {device}",
            args.len()
        ));
    }
    if !search.is_empty() {
        args.push(like_pattern(search).into());
        let n = args.len();
        clause.push_str(&format!(
            " AND (e.number LIKE ?{n} ESCAPE '\\' OR e.name LIKE ?{n} ESCAPE '\\')"
        ));
    }
    let total: u32 = conn
        .prepare_cached(&format!("SELECT count(*) FROM extensions e WHERE {clause}"))?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    let n = args.len();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM extensions e LEFT JOIN users u ON u.id = e.owner_id
         WHERE {clause} ORDER BY e.number LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    ))?;
    args.push(i64::from(limit).into());
    args.push(i64::from(offset).into());
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// One extension by number.
pub fn get(conn: &Connection, number: &str) -> Result<Extension, DbError> {
    Ok(conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM extensions e LEFT JOIN users u ON u.id = e.owner_id
             WHERE e.number = ?1"
        ),
        params![number],
        from_row,
    )?)
}

/// Changes the phonebook name and listing. A device that serves the extension gets the new
/// caller id at once (Asterisk reads realtime endpoints per call).
pub fn update(tx: &Transaction<'_>, number: &str, name: &str, public: bool) -> Result<(), DbError> {
    let ext = get(tx, number)?;
    tx.execute(
        "UPDATE extensions SET name = ?2, public = ?3, updated_at = ?4 WHERE number = ?1",
        params![number, name, public, now()],
    )?;
    if let Some(device) = &ext.device_id {
        pjsip::set_identity(
            tx,
            device,
            CONTEXT_EXTENSIONS,
            &pjsip::callerid(name, number),
        )?;
    }
    super::browser::set_callerid(tx, number, &pjsip::callerid(name, number))?;
    // A group's name is its `via`.
    if ext.kind == ExtensionKind::Group {
        super::routing::recompile(tx, &[number])?;
    }
    Ok(())
}

/// Deletes an extension and its number. A SIP extension's device goes with it; a bound handset
/// is released first and stays as a temporary handset, so the hardware can be bound again.
/// Its memberships, invitations and the forwarding to it go too, and the routes that named
/// it are recompiled.
pub fn delete(tx: &Transaction<'_>, settings: &Settings, number: &str) -> Result<(), DbError> {
    let ext = get(tx, number)?;
    if let (ExtensionKind::Handset, Some(_)) = (ext.kind, &ext.device_id) {
        let plan = super::handsets::TemporaryPlan::from_settings(settings);
        super::handsets::unbind(tx, number, &plan, settings.numbering.token_length)?;
    }
    let ext = get(tx, number)?;
    // The groups it was in and the numbers forwarding to it route differently without it
    // (the cascades and SET NULLs of migration 011 change their rows).
    let mut affected: Vec<String> = super::routing::with_ancestors(tx, &[number])?
        .into_iter()
        .filter(|n| n != number)
        .collect();
    affected.extend(super::routing::pointing_at(tx, number)?);
    if super::browser::device_of(tx, number)?.is_some() {
        super::browser::remove(tx, number)?;
    }
    tx.execute("DELETE FROM extensions WHERE number = ?1", params![number])?;
    numbers::release(tx, number)?;
    if let Some(device) = &ext.device_id {
        devices::delete(tx, device)?;
    }
    let affected: Vec<&str> = affected.iter().map(String::as_str).collect();
    super::routing::recompile(tx, &affected)?;
    Ok(())
}

/// Gives a SIP extension's device a new password; its registrations are dropped, so the phone
/// must be set up again with the new one.
pub fn new_sip_password(tx: &Transaction<'_>, number: &str) -> Result<String, DbError> {
    let ext = get(tx, number)?;
    let device = match (ext.kind, ext.device_id) {
        (ExtensionKind::Sip, Some(d)) => d,
        _ => return Err(DbError::NotFound),
    };
    let password = secrets::sip_password();
    pjsip::set_password(tx, &device, &password)?;
    Ok(password)
}

/// The digest password of a device, to show to its owner (it must be stored in the clear for
/// digest auth anyway).
pub fn sip_password(conn: &Connection, device_id: &str) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row(
            "SELECT password FROM ps_auths WHERE id = ?1",
            params![device_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records that the API key `key_id` created extension `number`: such a key may read that
/// extension's SIP password later, and no other extension's.
pub fn record_creator_key(tx: &Transaction<'_>, number: &str, key_id: i64) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE extensions SET created_by_key = ?2 WHERE number = ?1",
        params![number, key_id],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The API key that created extension `number`, if a key did; NotFound for no extension.
pub fn creator_key(conn: &Connection, number: &str) -> Result<Option<i64>, DbError> {
    conn.query_row(
        "SELECT created_by_key FROM extensions WHERE number = ?1",
        params![number],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(DbError::NotFound)
}

/// The API key that created the SIP extension whose device is `device_id`, if a key did.
/// Handset devices have none: their passwords came with the temporary handset, not with the
/// extension, so only admin keys read them back.
pub fn creator_key_of_device(conn: &Connection, device_id: &str) -> Result<Option<i64>, DbError> {
    Ok(conn
        .query_row(
            "SELECT created_by_key FROM extensions WHERE device_id = ?1 AND kind = 'sip'",
            params![device_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Numbers the operator page shows above the live view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Devices with at least one registration.
    pub registered_devices: u32,
    /// Temporary handsets waiting to be bound (they hold a temporary number).
    pub temporary_waiting: u32,
    /// Failed registration attempts in the last 10 minutes.
    pub failed_token_attempts: u32,
}

/// Counts for the operator page, read from the tables Asterisk and eventpbx keep.
pub fn counters(conn: &Connection) -> Result<Counters, DbError> {
    Ok(conn.query_row(
        "SELECT (SELECT count(DISTINCT endpoint) FROM ps_contacts WHERE endpoint IS NOT NULL),
                (SELECT count(*) FROM numbers WHERE kind = 'temporary'),
                (SELECT count(*) FROM token_attempts WHERE at >= ?1
                    AND outcome IN ('unknown', 'used', 'malformed', 'locked_out'))",
        [now() - crate::domain::lockout::LOCKOUT_WINDOW_SECS],
        |r| {
            Ok(Counters {
                registered_devices: r.get(0)?,
                temporary_waiting: r.get(1)?,
                failed_token_attempts: r.get(2)?,
            })
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in, write_in_as};

    fn new(number: &str, kind: ExtensionKind) -> NewExtension {
        NewExtension {
            owner_id: None,
            number: number.into(),
            name: "Alice \"A\"".into(),
            kind,
            public: true,
            authority: crate::domain::numbering::Authority::Attendee,
        }
    }

    #[test]
    fn sip_extension_lifecycle() {
        let mut conn = test_conn();
        let s = Settings::default();
        let created = write_in_as(&mut conn, |tx| {
            create(tx, &s, &new("4711", ExtensionKind::Sip))
        })
        .unwrap();
        let Created::Sip(creds) = created else {
            panic!("sip")
        };
        assert_eq!(
            numbers::endpoint_of(&conn, "4711").unwrap().as_deref(),
            Some(creds.username.as_str())
        );
        let (_, callerid) = pjsip::identity(&conn, &creds.username).unwrap().unwrap();
        assert_eq!(callerid, "\"Alice \\\"A\\\"\" <4711>");
        write_in(&mut conn, |tx| update(tx, "4711", "Bob", false)).unwrap();
        let (_, callerid) = pjsip::identity(&conn, &creds.username).unwrap().unwrap();
        assert_eq!(callerid, "\"Bob\" <4711>");
        assert_eq!(creator_key(&conn, "4711").unwrap(), None);
        let key = write_in(&mut conn, |tx| {
            crate::db::api_keys::create(tx, "prov", crate::db::api_keys::Scope::ReadWrite)
        })
        .unwrap();
        let key_id = crate::db::api_keys::verify(&conn, &key)
            .unwrap()
            .unwrap()
            .id;
        write_in(&mut conn, |tx| record_creator_key(tx, "4711", key_id)).unwrap();
        assert_eq!(creator_key(&conn, "4711").unwrap(), Some(key_id));
        assert_eq!(
            creator_key_of_device(&conn, &creds.username).unwrap(),
            Some(key_id)
        );
        assert_eq!(creator_key_of_device(&conn, "nobody").unwrap(), None);
        assert!(matches!(
            write_in(&mut conn, |tx| record_creator_key(tx, "4799", key_id)),
            Err(DbError::NotFound)
        ));
        let pw = write_in(&mut conn, |tx| new_sip_password(tx, "4711")).unwrap();
        assert_eq!(
            sip_password(&conn, &creds.username).unwrap().as_deref(),
            Some(pw.as_str())
        );
        // A taken number and its prefixes are refused, and nothing is written.
        let again = write_in_as(&mut conn, |tx| {
            create(tx, &s, &new("4711", ExtensionKind::Handset))
        });
        assert!(matches!(
            again,
            Err(CreateError::Rule(ClaimError::Taken(_)))
        ));
        let prefix = write_in_as(&mut conn, |tx| {
            create(tx, &s, &new("471", ExtensionKind::Handset))
        });
        assert!(matches!(
            prefix,
            Err(CreateError::Rule(ClaimError::OutOfRange { .. }))
        ));
        write_in(&mut conn, |tx| delete(tx, &s, "4711")).unwrap();
        assert_eq!(numbers::endpoint_of(&conn, "4711").unwrap(), None);
        assert!(pjsip::identity(&conn, &creds.username).unwrap().is_none());
        assert!(matches!(get(&conn, "4711"), Err(DbError::NotFound)));
    }

    #[test]
    fn deleting_a_bound_handset_extension_keeps_the_handset_as_temporary() {
        use crate::db::handsets;
        let mut conn = test_conn();
        let s = Settings::default();
        let created = write_in_as(&mut conn, |tx| {
            create(tx, &s, &new("4711", ExtensionKind::Handset))
        })
        .unwrap();
        let Created::Handset { token } = created else {
            panic!("handset expected")
        };
        let plan = handsets::TemporaryPlan::from_settings(&s);
        let h = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        let id = h.credentials.username.clone();
        write_in(&mut conn, |tx| handsets::bind(tx, &id, &token, 1)).unwrap();
        write_in(&mut conn, |tx| delete(tx, &s, "4711")).unwrap();
        assert!(matches!(get(&conn, "4711"), Err(DbError::NotFound)));
        let info = handsets::get(&conn, &id).unwrap().unwrap();
        assert!(info.temporary_number.is_some(), "{info:?}");
        let (context, _) = pjsip::identity(&conn, &id).unwrap().unwrap();
        assert_eq!(context, crate::domain::CONTEXT_TEMPORARY);
    }

    #[test]
    fn handset_gets_a_token_and_no_device() {
        let mut conn = test_conn();
        let s = Settings::default();
        let created = write_in_as(&mut conn, |tx| {
            create(tx, &s, &new("2001", ExtensionKind::Handset))
        })
        .unwrap();
        let Created::Handset { token } = created else {
            panic!("handset")
        };
        assert_eq!(token.len(), s.numbering.token_length);
        let e = get(&conn, "2001").unwrap();
        assert_eq!(e.token.as_deref(), Some(token.as_str()));
        assert_eq!(e.device_id, None);
        let (list, total) = list(
            &conn,
            &Filter {
                search: "200".into(),
                ..Filter::default()
            },
            10,
            0,
        )
        .unwrap();
        assert_eq!((list.len(), total), (1, 1));
        assert_eq!(like_pattern("5%_"), "%5\\%\\_%");
    }

    #[test]
    fn per_user_limit() {
        let mut conn = test_conn();
        let s = Settings::default();
        let uid = write_in(&mut conn, |tx| {
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, created_at) VALUES ('a', 'A', 'x', 0)",
                [],
            )?;
            numbering::set_max_per_user(tx, 1)?;
            Ok(tx.last_insert_rowid())
        })
        .unwrap();
        let mut n = new("3000", ExtensionKind::Handset);
        n.owner_id = Some(uid);
        write_in_as(&mut conn, |tx| create(tx, &s, &n)).unwrap();
        n.number = "3001".into();
        let r = write_in_as(&mut conn, |tx| create(tx, &s, &n));
        assert!(matches!(
            r,
            Err(CreateError::Rule(ClaimError::Limit { max: 1 }))
        ));
    }

    #[test]
    fn api_filters_combine_and_count_everything_that_matches() {
        use crate::db::handsets;
        let mut conn = test_conn();
        let s = Settings::default();
        let uid = write_in(&mut conn, |tx| {
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, created_at)
                 VALUES ('Alice', 'Alice', 'x', 0)",
                [],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .unwrap();
        let mut tokens = Vec::new();
        for (number, kind, owner) in [
            ("2000", ExtensionKind::Sip, Some(uid)),
            ("2001", ExtensionKind::Handset, Some(uid)),
            ("2002", ExtensionKind::Handset, None),
            ("2003", ExtensionKind::Handset, None),
        ] {
            let new = NewExtension {
                owner_id: owner,
                number: number.into(),
                name: format!("N{number}"),
                kind,
                public: true,
                authority: crate::domain::numbering::Authority::Attendee,
            };
            let created = write_in_as(&mut conn, |tx| create(tx, &s, &new)).unwrap();
            if let Created::Handset { token } = created {
                tokens.push(token);
            }
        }
        let plan = handsets::TemporaryPlan::from_settings(&s);
        let h = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        let id = h.credentials.username;
        let token = tokens[1].clone();
        write_in(&mut conn, |tx| handsets::bind(tx, &id, &token, 1)).unwrap();

        let numbers = |f: Filter, limit, offset| {
            let (rows, total) = list(&conn, &f, limit, offset).unwrap();
            (
                rows.into_iter().map(|e| e.number).collect::<Vec<_>>(),
                total,
            )
        };
        assert_eq!(numbers(Filter::default(), 2, 1).0, ["2001", "2002"]);
        assert_eq!(numbers(Filter::default(), 2, 1).1, 4);
        let handsets_only = Filter {
            kind: Some(ExtensionKind::Handset),
            ..Default::default()
        };
        assert_eq!(numbers(handsets_only, 10, 0).1, 3);
        let bound = Filter {
            bound: Some(true),
            ..Default::default()
        };
        assert_eq!(numbers(bound, 10, 0).0, ["2002"]);
        let unbound = Filter {
            bound: Some(false),
            ..Default::default()
        };
        assert_eq!(numbers(unbound, 10, 0).0, ["2001", "2003"]);
        let alices = Filter {
            owner_username: Some("alice".into()),
            kind: Some(ExtensionKind::Sip),
            ..Default::default()
        };
        let (rows, total) = list(&conn, &alices, 10, 0).unwrap();
        assert_eq!(total, 1);
        assert_eq!(rows[0].owner_username.as_deref(), Some("Alice"));
        let nobody = Filter {
            owner_username: Some("nobody".into()),
            ..Default::default()
        };
        assert_eq!(numbers(nobody, 10, 0), (vec![], 0));
    }
}
