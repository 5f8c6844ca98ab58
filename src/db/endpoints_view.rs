//! Read-only views of the PJSIP realtime rows for the API's `/endpoints`: which endpoints
//! exist, which numbers ring them, their AORs and registrations, and their rows as text.
//! Nothing here writes; `db::pjsip` stays the only writer of `ps_*` tables.

use std::collections::BTreeMap;

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};

use super::pjsip::Contact;
use super::DbError;

/// One endpoint of the list, with the numbers that ring it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    /// Endpoint id (= the device's SIP username).
    pub id: String,
    /// Numbers routed to it, ascending.
    pub numbers: Vec<String>,
}

/// A page of endpoints ordered by id, and how many there are in all.
pub fn list(
    conn: &Connection,
    limit: u32,
    offset: u32,
) -> Result<(Vec<EndpointRow>, u32), DbError> {
    let total: u32 = conn.query_row("SELECT count(*) FROM ps_endpoints", [], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT e.id,
                coalesce((SELECT group_concat(number, ',')
                          FROM (SELECT number FROM numbers n WHERE n.endpoint = e.id
                                ORDER BY number)), '')
         FROM ps_endpoints e ORDER BY e.id LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt.query_map(params![limit, offset], |r| {
        let numbers: String = r.get(1)?;
        Ok(EndpointRow {
            id: r.get(0)?,
            numbers: split_list(&numbers),
        })
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// What an id or number given by a client refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// This endpoint.
    Endpoint(String),
    /// A handset extension with no handset bound: a number, but nothing rings.
    Unbound,
    /// Neither a number nor an endpoint.
    NotFound,
}

/// Resolves an endpoint id, an extension number or a temporary number to an endpoint.
/// Numbers win over endpoint ids (eventpbx's ids are never all digits anyway).
pub fn resolve(conn: &Connection, key: &str) -> Result<Lookup, DbError> {
    let by_number: Option<String> = conn
        .query_row(
            "SELECT endpoint FROM numbers WHERE number = ?1",
            params![key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(endpoint) = by_number {
        return Ok(Lookup::Endpoint(endpoint));
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM ps_endpoints WHERE id = ?1)",
        params![key],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(Lookup::Endpoint(key.to_string()));
    }
    let unbound: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM extensions WHERE number = ?1 AND device_id IS NULL)",
        params![key],
        |r| r.get(0),
    )?;
    Ok(if unbound {
        Lookup::Unbound
    } else {
        Lookup::NotFound
    })
}

/// What a number rings, for originating a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberTarget {
    /// The number rings this endpoint.
    Endpoint {
        /// Endpoint id.
        id: String,
        /// The dialplan context its calls start in.
        context: String,
        /// Its caller id, e.g. `"Alice" <4711>`.
        callerid: String,
    },
    /// A handset extension with no handset bound.
    Unbound,
    /// Not a number in use.
    Unknown,
}

/// What `number` rings, with the endpoint's context and caller id.
pub fn number_target(conn: &Connection, number: &str) -> Result<NumberTarget, DbError> {
    let routed = conn
        .query_row(
            "SELECT n.endpoint, e.context, e.callerid
             FROM numbers n JOIN ps_endpoints e ON e.id = n.endpoint WHERE n.number = ?1",
            params![number],
            |r| {
                Ok(NumberTarget::Endpoint {
                    id: r.get(0)?,
                    context: r.get(1)?,
                    callerid: r.get(2)?,
                })
            },
        )
        .optional()?;
    if let Some(t) = routed {
        return Ok(t);
    }
    let unbound: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM extensions WHERE number = ?1 AND device_id IS NULL)",
        params![number],
        |r| r.get(0),
    )?;
    Ok(if unbound {
        NumberTarget::Unbound
    } else {
        NumberTarget::Unknown
    })
}

/// A number routed to an endpoint, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRow {
    /// The number.
    pub number: String,
    /// `extension` or `temporary`.
    pub kind: String,
}

/// An AOR of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AorRow {
    /// AOR id.
    pub id: String,
    /// How many registrations it keeps.
    pub max_contacts: i64,
    /// Seconds between qualify OPTIONS; 0 means qualify is off (no round-trip times).
    pub qualify_frequency: i64,
}

/// Everything the database knows about one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointDetail {
    /// Endpoint id.
    pub id: String,
    /// `sip` or `handset` from the devices table; None for an endpoint without a device row.
    pub device_kind: Option<String>,
    /// Caller id, e.g. `"Alice" <4711>`.
    pub callerid: String,
    /// Dialplan context its calls start in.
    pub context: String,
    /// Numbers routed to it, ascending.
    pub numbers: Vec<NumberRow>,
    /// Its AORs that exist, in the endpoint's order.
    pub aors: Vec<AorRow>,
    /// Registrations to those AORs.
    pub contacts: Vec<Contact>,
}

/// The endpoint's details, or None if there is no such endpoint.
pub fn detail(conn: &Connection, id: &str) -> Result<Option<EndpointDetail>, DbError> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT aors, callerid, context FROM ps_endpoints WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((aor_list, callerid, context)) = row else {
        return Ok(None);
    };
    let device_kind = conn
        .query_row("SELECT kind FROM devices WHERE id = ?1", params![id], |r| {
            r.get(0)
        })
        .optional()?;
    let mut stmt = conn
        .prepare_cached("SELECT number, kind FROM numbers WHERE endpoint = ?1 ORDER BY number")?;
    let numbers = stmt
        .query_map(params![id], |r| {
            Ok(NumberRow {
                number: r.get(0)?,
                kind: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut aors = Vec::new();
    let mut contacts = Vec::new();
    for aor in split_list(&aor_list) {
        let found = conn
            .query_row(
                "SELECT id, max_contacts, qualify_frequency FROM ps_aors WHERE id = ?1",
                params![aor],
                |r| {
                    Ok(AorRow {
                        id: r.get(0)?,
                        max_contacts: r.get(1)?,
                        qualify_frequency: r.get(2)?,
                    })
                },
            )
            .optional()?;
        if let Some(a) = found {
            aors.push(a);
        }
        contacts.extend(super::pjsip::contacts_of_aor(conn, &aor)?);
    }
    Ok(Some(EndpointDetail {
        id: id.to_string(),
        device_kind,
        callerid,
        context,
        numbers,
        aors,
        contacts,
    }))
}

/// One realtime row, every non-NULL column as text.
pub type ConfigRow = BTreeMap<String, String>;

/// The realtime rows Asterisk reads for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointConfig {
    /// Its ps_endpoints row.
    pub endpoint: ConfigRow,
    /// The ps_auths rows its `auth` names.
    pub auths: Vec<ConfigRow>,
    /// The ps_aors rows its `aors` names.
    pub aors: Vec<ConfigRow>,
}

/// Columns of ps_auths that are secrets: left out unless `with_secrets`.
const AUTH_SECRETS: [&str; 2] = ["password", "md5_cred"];

/// The endpoint's realtime rows, or None if there is no such endpoint. Auth secrets are only
/// read when `with_secrets` is set, so they cannot leak through a later mistake.
pub fn config(
    conn: &Connection,
    id: &str,
    with_secrets: bool,
) -> Result<Option<EndpointConfig>, DbError> {
    let Some(endpoint) = row_as_text(conn, "ps_endpoints", id)? else {
        return Ok(None);
    };
    let names = |column: &str| split_list(endpoint.get(column).map_or("", String::as_str));
    let mut auths = Vec::new();
    for auth in names("auth") {
        if let Some(mut row) = row_as_text(conn, "ps_auths", &auth)? {
            if !with_secrets {
                for secret in AUTH_SECRETS {
                    row.remove(secret);
                }
            }
            auths.push(row);
        }
    }
    let mut aors = Vec::new();
    for aor in names("aors") {
        if let Some(row) = row_as_text(conn, "ps_aors", &aor)? {
            aors.push(row);
        }
    }
    Ok(Some(EndpointConfig {
        endpoint,
        auths,
        aors,
    }))
}

/// Every column of one row of `table` (one of the ps_ tables; never client input) as text.
fn row_as_text(conn: &Connection, table: &str, id: &str) -> Result<Option<ConfigRow>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT * FROM {table} WHERE id = ?1"))?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
    let row = stmt
        .query_row(params![id], |r| {
            let mut out = ConfigRow::new();
            for (i, name) in columns.iter().enumerate() {
                let text = match r.get_ref(i)? {
                    ValueRef::Null => continue,
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                };
                out.insert(name.clone(), text);
            }
            Ok(out)
        })
        .optional()?;
    Ok(row)
}

/// Asterisk's comma-separated lists (`aors`, `auth`), trimmed, without empty items.
fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::pjsip::{callerid, create, EndpointDefaults, EndpointSpec};
    use crate::db::{test_conn, write_in};

    fn device(conn: &mut Connection, id: &str, numbers: &[(&str, &str)]) {
        let spec = EndpointSpec {
            id: id.into(),
            password: "abcdefghijklmnopqrst".into(),
            context: "eventpbx-extensions".into(),
            callerid: callerid("Alice", "4711"),
            defaults: EndpointDefaults {
                language: "en".into(),
                qualify_frequency: 30,
            },
        };
        let numbers: Vec<(String, String)> = numbers
            .iter()
            .map(|(n, k)| (n.to_string(), k.to_string()))
            .collect();
        let id = id.to_string();
        write_in(conn, move |tx| {
            create(tx, &spec)?;
            tx.execute(
                "INSERT INTO devices (id, kind, created_at) VALUES (?1, 'sip', 0)",
                params![id],
            )?;
            for (n, k) in &numbers {
                tx.execute(
                    "INSERT INTO numbers (number, endpoint, kind) VALUES (?1, ?2, ?3)",
                    params![n, id, k],
                )?;
            }
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn list_pages_by_id_with_numbers() {
        let mut conn = test_conn();
        device(&mut conn, "sbbb", &[("4712", "extension")]);
        device(
            &mut conn,
            "saaa",
            &[("4711", "extension"), ("99560001", "temporary")],
        );
        device(&mut conn, "sccc", &[]);
        let (page, total) = list(&conn, 2, 0).unwrap();
        assert_eq!(total, 3);
        assert_eq!(
            page,
            vec![
                EndpointRow {
                    id: "saaa".into(),
                    numbers: vec!["4711".into(), "99560001".into()]
                },
                EndpointRow {
                    id: "sbbb".into(),
                    numbers: vec!["4712".into()]
                },
            ]
        );
        let (page, _) = list(&conn, 2, 2).unwrap();
        assert_eq!(page[0].id, "sccc");
        assert!(page[0].numbers.is_empty());
    }

    #[test]
    fn resolve_numbers_ids_and_unbound_extensions() {
        let mut conn = test_conn();
        device(&mut conn, "saaa", &[("4711", "extension")]);
        conn.execute(
            "INSERT INTO extensions (number, name, kind, token, created_at, updated_at)
             VALUES ('4799', 'H', 'handset', '12345678', 0, 0)",
            [],
        )
        .unwrap();
        assert_eq!(
            resolve(&conn, "4711").unwrap(),
            Lookup::Endpoint("saaa".into())
        );
        assert_eq!(
            resolve(&conn, "saaa").unwrap(),
            Lookup::Endpoint("saaa".into())
        );
        assert_eq!(resolve(&conn, "4799").unwrap(), Lookup::Unbound);
        assert_eq!(resolve(&conn, "4700").unwrap(), Lookup::NotFound);
        assert_eq!(
            number_target(&conn, "4711").unwrap(),
            NumberTarget::Endpoint {
                id: "saaa".into(),
                context: "eventpbx-extensions".into(),
                callerid: "\"Alice\" <4711>".into()
            }
        );
        assert_eq!(number_target(&conn, "4799").unwrap(), NumberTarget::Unbound);
        assert_eq!(number_target(&conn, "saaa").unwrap(), NumberTarget::Unknown);
    }

    #[test]
    fn detail_has_numbers_aors_and_contacts_of_its_aors_only() {
        let mut conn = test_conn();
        device(&mut conn, "saaa", &[("4711", "extension")]);
        device(&mut conn, "saaab", &[]);
        conn.execute_batch(
            "INSERT INTO ps_contacts (id, uri, user_agent, expiration_time, qualify_frequency, endpoint)
             VALUES ('saaa;@abc', 'sip:saaa@127.0.0.1:5070', 'sipp', 1800000000, 30, 'saaa'),
                    ('saaab;@def', 'sip:saaab@127.0.0.1:5080', 'other', 1800000000, 30, 'saaab');",
        )
        .unwrap();
        let d = detail(&conn, "saaa").unwrap().unwrap();
        assert_eq!(d.device_kind.as_deref(), Some("sip"));
        assert_eq!(d.callerid, "\"Alice\" <4711>");
        assert_eq!(d.numbers[0].number, "4711");
        assert_eq!(d.numbers[0].kind, "extension");
        assert_eq!(d.aors.len(), 1);
        assert_eq!(d.aors[0].qualify_frequency, 30);
        assert_eq!(d.contacts.len(), 1, "{:?}", d.contacts);
        assert_eq!(d.contacts[0].uri, "sip:saaa@127.0.0.1:5070");
        assert_eq!(d.contacts[0].user_agent, "sipp");
        assert_eq!(d.contacts[0].expiration_time, 1_800_000_000);
        assert_eq!(detail(&conn, "nobody").unwrap(), None);
    }

    #[test]
    fn config_is_text_and_hides_the_password_unless_asked() {
        let mut conn = test_conn();
        device(&mut conn, "saaa", &[]);
        let c = config(&conn, "saaa", false).unwrap().unwrap();
        assert_eq!(c.endpoint["context"], "eventpbx-extensions");
        assert_eq!(c.endpoint["allow"], "ulaw,alaw,g722");
        assert_eq!(c.aors[0]["max_contacts"], "1");
        assert_eq!(c.aors[0]["qualify_frequency"], "30");
        assert_eq!(c.auths[0]["username"], "saaa");
        assert!(!c.auths[0].contains_key("password"));
        let c = config(&conn, "saaa", true).unwrap().unwrap();
        assert_eq!(c.auths[0]["password"], "abcdefghijklmnopqrst");
        assert_eq!(config(&conn, "nobody", true).unwrap(), None);
    }
}
