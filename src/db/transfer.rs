//! The export of a database and the import of one into the next event's (fresh) database.
//! What the file holds and the checks it passes first are in `domain::export`.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, Transaction};

use super::handsets::{free_temporary_number, temporary_callerid, TemporaryPlan};
use super::numbers::{self, NumberKind};
use super::{events, numbering, pjsip, routing, users, DbError};
use crate::config::Settings;
use crate::domain::accounts::{Role, Username};
use crate::domain::conference::RoomSettings;
use crate::domain::export::{self, Export, Invalid};
use crate::domain::lang::Lang;
use crate::domain::numbering::Authority;
use crate::domain::routing::Member;
use crate::domain::{ExtensionKind, CONTEXT_EXTENSIONS, CONTEXT_TEMPORARY};

/// Reads everything an export holds, in one read transaction's snapshot (the caller's).
pub fn read(conn: &Connection, now: i64) -> Result<Export, DbError> {
    let users = conn
        .prepare(
            "SELECT username, display_name, password_hash, role, disabled, language
             FROM users ORDER BY id",
        )?
        .query_map([], |r| {
            Ok(export::User {
                username: r.get(0)?,
                display_name: r.get(1)?,
                password_hash: r.get(2)?,
                role: r.get(3)?,
                disabled: r.get::<_, i64>(4)? != 0,
                language: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let extensions = conn
        .prepare(
            "SELECT e.number, e.name, e.kind, u.username, e.public, e.device_id,
                    c.number IS NOT NULL, coalesce(c.pin, ''), coalesce(c.max_participants, 0),
                    EXISTS (SELECT 1 FROM browser_phones b WHERE b.number = e.number)
             FROM extensions e LEFT JOIN users u ON u.id = e.owner_id
             LEFT JOIN conferences c ON c.number = e.number ORDER BY e.number",
        )?
        .query_map([], |r| {
            let pin: String = r.get(7)?;
            let max: u32 = r.get(8)?;
            let room = r.get::<_, bool>(6)?.then(|| export::Room {
                pin: (!pin.is_empty()).then_some(pin),
                max_participants: (max > 0).then_some(max),
            });
            Ok(export::Extension {
                number: r.get(0)?,
                name: r.get(1)?,
                kind: r.get(2)?,
                owner: r.get(3)?,
                public: r.get::<_, i64>(4)? != 0,
                device: r.get(5)?,
                room,
                browser_phone: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut groups = Vec::new();
    for x in extensions.iter().filter(|x| x.kind == "group") {
        let members = routing::members(conn, &x.number)?
            .into_iter()
            .map(|m| export::GroupMember {
                number: m.number,
                delay: m.delay,
                active: m.active,
            })
            .collect();
        groups.push(export::Group {
            number: x.number.clone(),
            members,
        });
    }
    let with_settings: Vec<String> = conn
        .prepare("SELECT number FROM routing ORDER BY number")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut forwarding = Vec::new();
    for number in with_settings {
        let prefs = routing::preferences(conn, &number)?;
        forwarding.push(export::Settings::of(&number, &prefs));
    }
    let phonebook = conn
        .prepare("SELECT name, number FROM phonebook_entries ORDER BY id")?
        .query_map([], |r| {
            Ok(export::PhonebookEntry {
                name: r.get(0)?,
                number: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let devices = conn
        .prepare(
            "SELECT d.id, d.kind, a.password, h.ipei, h.uak FROM devices d
             JOIN ps_auths a ON a.id = d.id
             LEFT JOIN dect_handsets h ON h.device_id = d.id
             -- Browser phones get a fresh identity on import: their secret stays here.
             WHERE d.id NOT IN (SELECT device_id FROM browser_phones)
             ORDER BY d.id",
        )?
        .query_map([], |r| {
            let (ipei, uak): (Option<String>, Option<String>) = (r.get(3)?, r.get(4)?);
            Ok(export::Device {
                sip_username: r.get(0)?,
                kind: r.get(1)?,
                password: r.get(2)?,
                dect: ipei.map(|ipei| export::Dect { ipei, uak }),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Export {
        format: export::FORMAT.into(),
        version: export::VERSION,
        exported_at: now,
        event: events::get(conn)?.map(|e| e.name),
        users,
        extensions,
        groups,
        forwarding,
        phonebook,
        devices,
    })
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file, or one of its values under this database's rules.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The database already holds an event's data.
    #[error("the database is not empty ({0}); import the next event into a fresh one")]
    NotEmpty(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Db(e.into())
    }
}

/// What an import created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub users: usize,
    /// Extensions held for their owners until the deadline.
    pub held: usize,
    /// Extensions without an owner (services', desks), ready at once.
    pub unowned: usize,
    /// Handsets remembered as temporary handsets (same SIP identity, fresh number).
    pub handsets: usize,
    /// SIP phones remembered with their extension (same SIP identity and password).
    pub sip_phones: usize,
    /// Browser phones given back to their extension (with a fresh SIP identity).
    pub browser_phones: usize,
    pub phonebook: usize,
}

/// A refusal at a place of the file, from a rule of this database.
fn at(place: String) -> impl FnOnce(DbError) -> ImportError {
    move |e| match e {
        DbError::Conflict(_) | DbError::Refused(_) => ImportError::Invalid(Invalid {
            place,
            problem: e.to_string(),
        }),
        other => ImportError::Db(other),
    }
}

/// Creates the next event from a checked export, in the caller's transaction, into a
/// database without users, extensions or devices. Users come back as they were; their
/// extensions are held for them until `hold_until` (they take them back by claiming them,
/// else they are released); handsets come back as temporary handsets with their SIP
/// identity, so they register at once and bind with a fresh token; SIP phones keep their
/// identity and password with their extension; browser phones come back with a fresh
/// identity (the account page gives it to the browser). Tokens and temporary numbers are new.
pub fn import_next_event(
    tx: &Transaction<'_>,
    settings: &Settings,
    file: &Export,
    hold_until: i64,
) -> Result<Imported, ImportError> {
    export::check(file)?;
    let present: (i64, i64, i64) = tx.query_row(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM extensions),
                (SELECT count(*) FROM devices)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if present != (0, 0, 0) {
        return Err(ImportError::NotEmpty(format!(
            "{} users, {} extensions, {} devices",
            present.0, present.1, present.2
        )));
    }
    let mut done = Imported::default();
    let mut ids = BTreeMap::new();
    for (i, u) in file.users.iter().enumerate() {
        let bad = |p: &str, problem: String| Invalid {
            place: format!("users[{i}].{p}"),
            problem,
        };
        let name = Username::parse(&u.username).map_err(|e| bad("username", e.to_string()))?;
        let role = Role::parse(&u.role).map_err(|e| bad("role", e.to_string()))?;
        let user = users::insert(tx, &name, &u.display_name, &u.password_hash, role)
            .map_err(at(format!("users[{i}].username")))?;
        if u.disabled {
            users::set_disabled(tx, user.id, true)?;
        }
        if let Some(code) = &u.language {
            let lang = Lang::ALL
                .into_iter()
                .find(|l| l.code() == code)
                .ok_or_else(|| bad("language", format!("{code:?} is not one of \"en\", \"de\"")))?;
            users::set_language(tx, user.id, Some(lang))?;
        }
        ids.insert(u.username.to_lowercase(), user.id);
        done.users += 1;
    }
    let plan = numbering::plan(tx, settings)?;
    let temporary = TemporaryPlan::from_settings(settings);
    let device_of: BTreeMap<&str, &export::Device> = file
        .devices
        .iter()
        .map(|d| (d.sip_username.as_str(), d))
        .collect();
    let t = super::now();
    for (i, x) in file.extensions.iter().enumerate() {
        let place = |f: &str| format!("extensions[{i}].{f}");
        plan.check_as(&x.number, Authority::Admin)
            .map_err(|e| Invalid {
                place: place("number"),
                problem: e.to_string(),
            })?;
        let owner = x
            .owner
            .as_ref()
            .and_then(|o| ids.get(&o.to_lowercase()).copied());
        let held = owner.map(|_| hold_until);
        let kind = ExtensionKind::parse(&x.kind).unwrap_or(ExtensionKind::Group);
        let (device, token) = match kind {
            ExtensionKind::Sip => {
                let d = x
                    .device
                    .as_deref()
                    .and_then(|d| device_of.get(d))
                    .ok_or_else(|| Invalid {
                        place: place("device"),
                        problem: "missing".into(),
                    })?;
                remember(
                    tx,
                    d,
                    CONTEXT_EXTENSIONS,
                    &pjsip::callerid(&x.name, &x.number),
                    &temporary,
                )
                .map_err(at(place("device")))?;
                numbers::assign(tx, &x.number, &d.sip_username, NumberKind::Extension)
                    .map_err(at(place("number")))?;
                done.sip_phones += 1;
                (Some(d.sip_username.clone()), None)
            }
            ExtensionKind::Handset => (
                None,
                Some(super::handsets::unique_token(
                    tx,
                    settings.numbering.token_length,
                )?),
            ),
            ExtensionKind::Group | ExtensionKind::Conference => (None, None),
        };
        tx.execute(
            "INSERT INTO extensions (number, name, kind, owner_id, public, device_id, token,
                                     created_at, updated_at, held_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
            params![
                x.number,
                x.name,
                kind.as_str(),
                owner,
                x.public,
                device,
                token,
                t,
                held
            ],
        )
        .map_err(|e| at(place("number"))(e.into()))?;
        // A room keeps its PIN and maximum (checked with the file).
        if kind == ExtensionKind::Conference {
            super::conferences::create(tx, &x.number).map_err(at(place("number")))?;
            if let Some(room) = &x.room {
                let settings = RoomSettings {
                    pin: room.pin.clone(),
                    max_participants: room.max_participants,
                };
                super::conferences::set(tx, &x.number, &settings).map_err(at(place("room")))?;
            }
        }
        if held.is_some() {
            done.held += 1;
        } else {
            done.unowned += 1;
        }
    }
    for (i, d) in file
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind == "handset")
    {
        let number = free_temporary_number(tx, &temporary).map_err(at(format!("devices[{i}]")))?;
        remember(
            tx,
            d,
            CONTEXT_TEMPORARY,
            &temporary_callerid(&number),
            &temporary,
        )
        .map_err(at(format!("devices[{i}].sip_username")))?;
        numbers::assign(tx, &number, &d.sip_username, NumberKind::Temporary)?;
        done.handsets += 1;
    }
    for (i, g) in file.groups.iter().enumerate() {
        for (j, m) in g.members.iter().enumerate() {
            let member = Member {
                number: m.number.clone(),
                delay: m.delay,
                active: m.active,
            };
            routing::upsert_member(tx, &g.number, &member)
                .map_err(at(format!("groups[{i}].members[{j}]")))?;
        }
    }
    for (i, s) in file.forwarding.iter().enumerate() {
        routing::set_preferences(tx, &s.number, &s.into())
            .map_err(at(format!("forwarding[{i}]")))?;
    }
    let defaults = pjsip::EndpointDefaults::from_settings(settings);
    for (i, x) in file
        .extensions
        .iter()
        .enumerate()
        .filter(|(_, x)| x.browser_phone)
    {
        super::browser::create(tx, &x.number, &defaults)
            .map_err(at(format!("extensions[{i}].browser_phone")))?;
        done.browser_phones += 1;
    }
    // Loops and depth are properties of the whole graph: checked once everything is in.
    let graph = routing::load_all(tx)?;
    for (i, g) in file.groups.iter().enumerate() {
        crate::domain::routing::check_structure(&graph, &g.number).map_err(|e| Invalid {
            place: format!("groups[{i}]"),
            problem: e.to_string(),
        })?;
    }
    for (i, p) in file.phonebook.iter().enumerate() {
        super::phonebook::add_service_entry(tx, &p.name, &p.number)
            .map_err(at(format!("phonebook[{i}]")))?;
        done.phonebook += 1;
    }
    routing::recompile_all(tx)?;
    Ok(done)
}

/// Creates a device with the SIP identity and password it had.
fn remember(
    tx: &Transaction<'_>,
    d: &export::Device,
    context: &str,
    callerid: &str,
    plan: &TemporaryPlan,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO devices (id, kind, created_at) VALUES (?1, ?2, ?3)",
        params![d.sip_username, d.kind, super::now()],
    )?;
    // The OMM's ids are last event's; the sync finds the handset again by its IPEI.
    if let Some(dect) = &d.dect {
        tx.execute(
            "INSERT INTO dect_handsets (device_id, ipei, uak, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![d.sip_username, dect.ipei, dect.uak, super::now()],
        )?;
    }
    pjsip::create(
        tx,
        &pjsip::EndpointSpec {
            id: d.sip_username.clone(),
            password: d.password.clone(),
            context: context.to_string(),
            callerid: callerid.to_string(),
            defaults: plan.defaults.clone(),
        },
    )
}

/// Deletes the held extensions whose owners did not take them back by now; returns their
/// numbers.
pub fn release_expired_holds(
    tx: &Transaction<'_>,
    settings: &Settings,
    now: i64,
) -> Result<Vec<String>, DbError> {
    let expired: Vec<String> = tx
        .prepare("SELECT number FROM extensions WHERE held_until IS NOT NULL AND held_until <= ?1")?
        .query_map([now], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for number in &expired {
        super::extensions::delete(tx, settings, number)?;
    }
    Ok(expired)
}

/// Takes a held extension back for its owner: it is an ordinary extension from now on.
/// False when `number` is not held for `owner`.
pub fn take_back(
    tx: &Transaction<'_>,
    number: &str,
    owner: i64,
    now: i64,
) -> Result<bool, DbError> {
    Ok(tx.execute(
        "UPDATE extensions SET held_until = NULL, updated_at = ?3
         WHERE number = ?1 AND owner_id = ?2 AND held_until > ?3",
        params![number, owner, now],
    )? == 1)
}
