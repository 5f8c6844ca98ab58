//! Browser phones (issue 16): an extension's second device, a WebRTC endpoint the account
//! page's phone registers as over the proxied websocket (`web::ws_proxy`).
//!
//! The device is a device like any other: a random SIP identity (`w` + 10 characters; endpoint
//! id = auth id = AOR id = username, never the number), with the extension's caller id and
//! context, so calls from the browser show the extension's number. `numbers` keeps pointing at
//! the extension's phone; `browser_phones` says the device belongs to the extension, and the
//! routing compiler rings it beside the phone (`db::routing`). Every change recompiles the
//! extension's route and those of the groups containing it.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::devices::Credentials;
use super::extensions::{self, ExtensionKind};
use super::{now, pjsip, DbError, Refusal};
use crate::domain::{secrets, CONTEXT_EXTENSIONS};

/// The prefix of a browser phone's SIP username (phones have `s`, handsets `h`).
const USERNAME_PREFIX: char = 'w';

/// An extension's browser phone: what the phone page registers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserPhone {
    /// The extension it belongs to.
    pub number: String,
    /// SIP username and digest password.
    pub credentials: Credentials,
}

/// Gives extension `number` a browser phone. Groups have no devices of their own; an
/// extension has at most one browser phone.
pub fn create(
    tx: &Transaction<'_>,
    number: &str,
    defaults: &pjsip::EndpointDefaults,
) -> Result<Credentials, DbError> {
    let ext = extensions::get(tx, number)?;
    if ext.kind == ExtensionKind::Group {
        return Err(DbError::Refused(Refusal::GroupHasNoPhone(number.into())));
    }
    if ext.kind == ExtensionKind::Conference {
        return Err(DbError::Refused(Refusal::RoomHasNoPhone(number.into())));
    }
    if device_of(tx, number)?.is_some() {
        return Err(DbError::Refused(Refusal::BrowserPhoneExists(number.into())));
    }
    let creds = Credentials {
        username: secrets::sip_username(USERNAME_PREFIX),
        password: secrets::sip_password(),
    };
    // Kind 'sip': a SIP identity its owner's browser is configured with, as a phone is.
    tx.execute(
        "INSERT INTO devices (id, kind, created_at) VALUES (?1, 'sip', ?2)",
        params![creds.username, now()],
    )?;
    pjsip::create(
        tx,
        &pjsip::EndpointSpec {
            id: creds.username.clone(),
            password: creds.password.clone(),
            context: CONTEXT_EXTENSIONS.to_string(),
            callerid: pjsip::callerid(&ext.name, number),
            defaults: defaults.clone(),
        },
    )?;
    pjsip::make_webrtc(tx, &creds.username)?;
    tx.execute(
        "INSERT INTO browser_phones (number, device_id, created_at) VALUES (?1, ?2, ?3)",
        params![number, creds.username, now()],
    )?;
    super::routing::recompile(tx, &[number])?;
    Ok(creds)
}

/// Removes extension `number`'s browser phone: its device, PJSIP rows and registration.
pub fn remove(tx: &Transaction<'_>, number: &str) -> Result<(), DbError> {
    let device = device_of(tx, number)?
        .ok_or_else(|| DbError::Refused(Refusal::NoBrowserPhone(number.into())))?;
    tx.execute(
        "DELETE FROM browser_phones WHERE number = ?1",
        params![number],
    )?;
    super::devices::delete(tx, &device)?;
    super::routing::recompile(tx, &[number])?;
    Ok(())
}

/// The browser phone's device id of extension `number`, if it has one.
pub fn device_of(conn: &Connection, number: &str) -> Result<Option<String>, DbError> {
    Ok(conn
        .prepare_cached("SELECT device_id FROM browser_phones WHERE number = ?1")?
        .query_row(params![number], |r| r.get(0))
        .optional()?)
}

/// Extension `number`'s browser phone with its credentials, if it has one.
pub fn get(conn: &Connection, number: &str) -> Result<Option<BrowserPhone>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT b.number, b.device_id, a.password FROM browser_phones b
             JOIN ps_auths a ON a.id = b.device_id WHERE b.number = ?1",
        )?
        .query_row(params![number], |r| {
            Ok(BrowserPhone {
                number: r.get(0)?,
                credentials: Credentials {
                    username: r.get(1)?,
                    password: r.get(2)?,
                },
            })
        })
        .optional()?)
}

/// Gives the browser phone of `number` (if any) the extension's caller id `callerid`, after a
/// rename: its next call shows it.
pub fn set_callerid(tx: &Transaction<'_>, number: &str, callerid: &str) -> Result<(), DbError> {
    if let Some(device) = device_of(tx, number)? {
        pjsip::set_identity(tx, &device, CONTEXT_EXTENSIONS, callerid)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in};

    fn defaults() -> pjsip::EndpointDefaults {
        pjsip::EndpointDefaults {
            language: "en".into(),
            qualify_frequency: 60,
        }
    }

    fn add_extension(conn: &mut Connection, number: &str, kind: &str) {
        let kind = kind.to_string();
        let number = number.to_string();
        write_in(conn, |tx| {
            let device = if kind == "sip" {
                let c = super::super::devices::create(
                    tx,
                    super::super::devices::DeviceKind::Sip,
                    CONTEXT_EXTENSIONS,
                    "\"A\" <2000>",
                    &defaults(),
                )?;
                super::super::numbers::assign(
                    tx,
                    &number,
                    &c.username,
                    super::super::numbers::NumberKind::Extension,
                )?;
                Some(c.username)
            } else {
                None
            };
            tx.execute(
                "INSERT INTO extensions (number, name, kind, device_id, created_at, updated_at)
                 VALUES (?1, 'Ann \"A\"', ?2, ?3, 0, 0)",
                params![number, kind, device],
            )?;
            super::super::routing::recompile(tx, &[number.as_str()])?;
            Ok(())
        })
        .unwrap();
    }

    fn endpoint_row(conn: &Connection, id: &str) -> (String, String, String, String) {
        conn.query_row(
            "SELECT webrtc, allow, callerid, context FROM ps_endpoints WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    }

    fn dial(conn: &Connection, number: &str) -> String {
        conn.query_row("SELECT dial FROM routes WHERE number = ?1", [number], |r| {
            r.get(0)
        })
        .unwrap()
    }

    /// SIP extension 2000 with a browser phone: the connection, the phone's endpoint and the
    /// browser phone's credentials.
    fn sip_extension_with_browser_phone() -> (Connection, String, Credentials) {
        let mut conn = test_conn();
        add_extension(&mut conn, "2000", "sip");
        let phone = crate::db::extensions::get(&conn, "2000")
            .unwrap()
            .device_id
            .unwrap();
        let creds = write_in(&mut conn, |tx| create(tx, "2000", &defaults())).unwrap();
        (conn, phone, creds)
    }

    #[test]
    fn metrics_count_a_browser_phone_as_webrtc_and_the_phone_as_sip() {
        let (mut conn, phone, creds) = sip_extension_with_browser_phone();
        let kinds: std::collections::BTreeMap<String, String> = crate::db::devices::kinds(&conn)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            kinds.get(&creds.username).map(String::as_str),
            Some("webrtc")
        );
        assert_eq!(kinds.get(&phone).map(String::as_str), Some("sip"));
        write_in(&mut conn, |tx| remove(tx, "2000")).unwrap();
        let kinds = crate::db::devices::kinds(&conn).unwrap();
        assert!(!kinds.iter().any(|(id, _)| *id == creds.username));
    }

    #[test]
    fn a_browser_phone_is_its_own_webrtc_device_ringing_beside_the_phone() {
        let (mut conn, phone, creds) = sip_extension_with_browser_phone();
        assert!(creds.username.starts_with('w'));
        assert_ne!(creds.username, "2000", "never the number");
        let (ep, aor, auth): (String, String, String) = conn
            .query_row(
                "SELECT e.aors, (SELECT id FROM ps_aors WHERE id = e.id), a.username
                 FROM ps_endpoints e JOIN ps_auths a ON a.id = e.auth WHERE e.id = ?1",
                [&creds.username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (ep.as_str(), aor.as_str(), auth.as_str()),
            (
                creds.username.as_str(),
                creds.username.as_str(),
                creds.username.as_str()
            )
        );
        let (webrtc, allow, callerid, context) = endpoint_row(&conn, &creds.username);
        assert_eq!(webrtc, "yes");
        assert_eq!(allow, "opus,ulaw,alaw");
        assert_eq!(
            callerid, "\"Ann \\\"A\\\"\" <2000>",
            "the extension's number"
        );
        assert_eq!(context, CONTEXT_EXTENSIONS);
        assert_eq!(
            endpoint_row(&conn, &phone).0,
            "no",
            "the phone stays as it was"
        );
        assert_eq!(
            dial(&conn, "2000"),
            format!("PJSIP/{phone}&PJSIP/{}", creds.username)
        );
        // The number still names the phone: the browser phone is the extension's, not the number's.
        assert_eq!(
            crate::db::numbers::endpoint_of(&conn, "2000").unwrap(),
            Some(phone.clone())
        );
        assert_eq!(get(&conn, "2000").unwrap().unwrap().credentials, creds);
        assert_eq!(
            crate::db::routing::extension_of_device(&conn, &creds.username)
                .unwrap()
                .map(|(n, _)| n)
                .as_deref(),
            Some("2000"),
            "feature codes dialled from the browser act on the extension"
        );

        let again = write_in(&mut conn, |tx| create(tx, "2000", &defaults()));
        assert!(matches!(
            again,
            Err(DbError::Refused(Refusal::BrowserPhoneExists(_)))
        ));

        write_in(&mut conn, |tx| remove(tx, "2000")).unwrap();
        assert_eq!(dial(&conn, "2000"), format!("PJSIP/{phone}"));
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM ps_endpoints WHERE id = ?1)
                      + (SELECT count(*) FROM ps_auths WHERE id = ?1)
                      + (SELECT count(*) FROM ps_aors WHERE id = ?1)
                      + (SELECT count(*) FROM devices WHERE id = ?1)",
                [&creds.username],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
        let twice = write_in(&mut conn, |tx| remove(tx, "2000"));
        assert!(matches!(
            twice,
            Err(DbError::Refused(Refusal::NoBrowserPhone(_)))
        ));
    }

    #[test]
    fn call_waiting_off_counts_the_line_with_both_devices_in_one_leg() {
        let (mut conn, phone, creds) = sip_extension_with_browser_phone();
        // The view the dialplan marks outgoing calls with: both devices are line 2000.
        let line = |endpoint: &str| -> Option<String> {
            conn.query_row(
                "SELECT number FROM lines WHERE endpoint = ?1",
                [endpoint],
                |r| r.get(0),
            )
            .optional()
            .unwrap()
        };
        assert_eq!(line(&phone).as_deref(), Some("2000"));
        assert_eq!(line(&creds.username).as_deref(), Some("2000"));
        assert_eq!(line("nobody"), None);
        write_in(&mut conn, |tx| {
            tx.execute(
                "INSERT INTO routing (number, call_waiting) VALUES ('2000', 0)",
                [],
            )?;
            super::super::routing::recompile(tx, &["2000"]).map(|_| ())
        })
        .unwrap();
        let plan = crate::db::routing::stored(&conn, "2000").unwrap().unwrap();
        assert_eq!(plan.route.cw_line, "2000");
        assert_eq!(plan.route.dial, "Local/042000000@eventpbx-leg/n");
        assert_eq!(plan.legs.len(), 1, "one leg for the line");
        assert_eq!(plan.legs[0].line, "2000");
        assert_eq!(plan.legs[0].endpoints, [phone, creds.username]);
    }

    #[test]
    fn an_unbound_handset_extension_rings_its_browser_phone_alone() {
        let mut conn = test_conn();
        add_extension(&mut conn, "2001", "handset");
        assert_eq!(dial(&conn, "2001"), "");
        let creds = write_in(&mut conn, |tx| create(tx, "2001", &defaults())).unwrap();
        assert_eq!(dial(&conn, "2001"), format!("PJSIP/{}", creds.username));
    }

    #[test]
    fn groups_and_unknown_numbers_get_no_browser_phone_and_nothing_changes() {
        let mut conn = test_conn();
        write_in(&mut conn, |tx| {
            tx.execute(
                "INSERT INTO extensions (number, name, kind, created_at, updated_at)
                 VALUES ('500', 'Desk', 'group', 0, 0)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
        let group = write_in(&mut conn, |tx| create(tx, "500", &defaults()));
        assert!(matches!(
            group,
            Err(DbError::Refused(Refusal::GroupHasNoPhone(_)))
        ));
        write_in(&mut conn, |tx| {
            tx.execute(
                "INSERT INTO extensions (number, name, kind, created_at, updated_at)
                 VALUES ('2060', 'Plenum', 'conference', 0, 0)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
        let room = write_in(&mut conn, |tx| create(tx, "2060", &defaults()));
        assert!(matches!(
            room,
            Err(DbError::Refused(Refusal::RoomHasNoPhone(_)))
        ));
        let unknown = write_in(&mut conn, |tx| create(tx, "2999", &defaults()));
        assert!(matches!(unknown, Err(DbError::NotFound)));
        let devices: i64 = conn
            .query_row("SELECT count(*) FROM devices", [], |r| r.get(0))
            .unwrap();
        assert_eq!(devices, 0);
    }

    #[test]
    fn renaming_and_deleting_the_extension_carry_over_to_its_browser_phone() {
        let mut conn = test_conn();
        add_extension(&mut conn, "2002", "sip");
        let creds = write_in(&mut conn, |tx| create(tx, "2002", &defaults())).unwrap();
        write_in(&mut conn, |tx| {
            crate::db::extensions::update(tx, "2002", "Bea", true)
        })
        .unwrap();
        assert_eq!(endpoint_row(&conn, &creds.username).2, "\"Bea\" <2002>");
        let settings = crate::config::Settings::default();
        write_in(&mut conn, |tx| {
            crate::db::extensions::delete(tx, &settings, "2002")
        })
        .unwrap();
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM ps_endpoints) + (SELECT count(*) FROM devices)
                      + (SELECT count(*) FROM browser_phones)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0, "nothing of the browser phone is left");
    }
}
