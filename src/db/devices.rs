//! Devices: one SIP identity each (SIP phone or handset), with its PJSIP rows.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{now, pjsip, DbError};
use crate::domain::secrets;

/// What kind of thing holds the SIP credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A SIP phone its owner configures with username and password.
    Sip,
    /// A handset that cannot be configured; it binds by dialling a token.
    Handset,
}

impl DeviceKind {
    /// The value stored in `devices.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Sip => "sip",
            DeviceKind::Handset => "handset",
        }
    }

    fn username_prefix(self) -> char {
        match self {
            DeviceKind::Sip => 's',
            DeviceKind::Handset => 'h',
        }
    }
}

/// Every device's id and what it is for `GET /metrics`: `sip`, `webrtc` (an extension's
/// browser phone: stored as kind `sip`, told apart by `browser_phones`), `handset` (bound to
/// an extension) or `temporary` (a handset bound to none).
pub fn kinds(conn: &Connection) -> Result<Vec<(String, String)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, CASE
             WHEN EXISTS (SELECT 1 FROM browser_phones b WHERE b.device_id = d.id) THEN 'webrtc'
             WHEN d.kind = 'handset'
                AND NOT EXISTS (SELECT 1 FROM extensions e WHERE e.device_id = d.id)
             THEN 'temporary' ELSE d.kind END
         FROM devices d",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The credentials of a new device, shown once to whoever configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// SIP username = endpoint id.
    pub username: String,
    /// Digest password.
    pub password: String,
}

/// Creates a device with a fresh random username and password, and its PJSIP rows.
pub fn create(
    tx: &Transaction<'_>,
    kind: DeviceKind,
    context: &str,
    callerid: &str,
    defaults: &pjsip::EndpointDefaults,
) -> Result<Credentials, DbError> {
    let creds = Credentials {
        username: secrets::sip_username(kind.username_prefix()),
        password: secrets::sip_password(),
    };
    tx.execute(
        "INSERT INTO devices (id, kind, created_at) VALUES (?1, ?2, ?3)",
        params![creds.username, kind.as_str(), now()],
    )?;
    pjsip::create(
        tx,
        &pjsip::EndpointSpec {
            id: creds.username.clone(),
            password: creds.password.clone(),
            context: context.to_string(),
            callerid: callerid.to_string(),
            defaults: defaults.clone(),
        },
    )?;
    Ok(creds)
}

/// Deletes a device, its PJSIP rows and registrations; its numbers go with it.
pub fn delete(tx: &Transaction<'_>, id: &str) -> Result<(), DbError> {
    pjsip::delete(tx, id)?;
    let n = tx.execute("DELETE FROM devices WHERE id = ?1", params![id])?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The device's kind, if it exists.
pub fn kind(conn: &Connection, id: &str) -> Result<Option<DeviceKind>, DbError> {
    let kind: Option<String> = conn
        .query_row("SELECT kind FROM devices WHERE id = ?1", params![id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(kind.map(|k| {
        if k == "sip" {
            DeviceKind::Sip
        } else {
            DeviceKind::Handset
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{numbers, test_conn, write_in};

    #[test]
    fn create_and_delete_keep_rows_consistent() {
        let mut conn = test_conn();
        let defaults = pjsip::EndpointDefaults {
            language: "en".into(),
            qualify_frequency: 60,
        };
        let creds = write_in(&mut conn, |tx| {
            let c = create(
                tx,
                DeviceKind::Sip,
                "eventpbx-extensions",
                "\"A\" <2000>",
                &defaults,
            )?;
            numbers::assign(tx, "2000", &c.username, numbers::NumberKind::Extension)?;
            Ok(c)
        })
        .unwrap();
        assert!(creds.username.starts_with('s'));
        assert_eq!(kind(&conn, &creds.username).unwrap(), Some(DeviceKind::Sip));
        assert_eq!(
            numbers::endpoint_of(&conn, "2000").unwrap().as_deref(),
            Some(creds.username.as_str())
        );
        write_in(&mut conn, |tx| delete(tx, &creds.username)).unwrap();
        assert_eq!(numbers::endpoint_of(&conn, "2000").unwrap(), None);
        assert_eq!(kind(&conn, &creds.username).unwrap(), None);
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM ps_endpoints) + (SELECT count(*) FROM ps_auths) + (SELECT count(*) FROM ps_aors)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
    }
}
