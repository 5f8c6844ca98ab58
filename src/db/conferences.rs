//! Conference rooms' settings (`conferences`, migration 020): the PIN and the maximum of
//! participants of each extension of kind `conference`.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::DbError;
use crate::domain::conference::RoomSettings;

/// A room as stored: its extension's number, name and owner with its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// The room's number.
    pub number: String,
    /// Its name (the phonebook's).
    pub name: String,
    /// Who owns it (sees and manages its participants).
    pub owner_id: Option<i64>,
    /// The API key that created it, if one did.
    pub created_by_key: Option<i64>,
    /// PIN and maximum.
    pub settings: RoomSettings,
}

/// Gives a new room its settings row (no PIN, no limit).
pub(super) fn create(tx: &Transaction<'_>, number: &str) -> Result<(), DbError> {
    tx.execute("INSERT INTO conferences (number) VALUES (?1)", [number])?;
    Ok(())
}

/// The room `number`; None if it is no conference room.
pub fn get(conn: &Connection, number: &str) -> Result<Option<Room>, DbError> {
    let room = conn
        .prepare_cached(
            "SELECT e.number, e.name, e.owner_id, e.created_by_key, c.pin, c.max_participants
             FROM conferences c JOIN extensions e ON e.number = c.number
             WHERE c.number = ?1 AND e.kind = 'conference'",
        )?
        .query_row([number], |r| {
            let pin: String = r.get(4)?;
            let max: u32 = r.get(5)?;
            Ok(Room {
                number: r.get(0)?,
                name: r.get(1)?,
                owner_id: r.get(2)?,
                created_by_key: r.get(3)?,
                settings: RoomSettings {
                    pin: (!pin.is_empty()).then_some(pin),
                    max_participants: (max > 0).then_some(max),
                },
            })
        })
        .optional()?;
    Ok(room)
}

/// Stores a room's settings; false if `number` is no room.
pub fn set(tx: &Transaction<'_>, number: &str, s: &RoomSettings) -> Result<bool, DbError> {
    let n = tx.execute(
        "UPDATE conferences SET pin = ?2, max_participants = ?3 WHERE number = ?1",
        params![
            number,
            s.pin.as_deref().unwrap_or(""),
            s.max_participants.unwrap_or(0)
        ],
    )?;
    Ok(n == 1)
}

/// The rooms of `owner_id`, by number.
pub fn owned_by(conn: &Connection, owner_id: i64) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.number FROM extensions e JOIN conferences c ON c.number = e.number
         WHERE e.owner_id = ?1 ORDER BY e.number",
    )?;
    let rows = stmt.query_map([owner_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::db::extensions::{self, NewExtension};
    use crate::domain::numbering::Authority;
    use crate::domain::ExtensionKind;

    fn claim(c: &mut Connection, number: &str, kind: ExtensionKind) {
        let tx = c.transaction().unwrap();
        let new = NewExtension {
            owner_id: None,
            number: number.into(),
            name: "Room".into(),
            kind,
            public: true,
            authority: Authority::Admin,
        };
        extensions::create(&tx, &Settings::default(), &new).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn a_room_has_settings_a_plan_flag_and_goes_with_its_extension() {
        let mut c = crate::db::test_conn();
        claim(&mut c, "2800", ExtensionKind::Conference);
        claim(&mut c, "2001", ExtensionKind::Sip);
        let room = get(&c, "2800").unwrap().unwrap();
        assert_eq!(room.settings, RoomSettings::default());
        assert_eq!(get(&c, "2001").unwrap(), None);
        let flag: bool = c
            .query_row(
                "SELECT conference FROM routes WHERE number = '2800'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(flag);
        let tx = c.transaction().unwrap();
        let s = RoomSettings::parse(Some("4711"), Some(5)).unwrap();
        assert!(set(&tx, "2800", &s).unwrap());
        assert!(!set(&tx, "2001", &s).unwrap());
        tx.commit().unwrap();
        assert_eq!(get(&c, "2800").unwrap().unwrap().settings, s);
        c.execute("DELETE FROM extensions WHERE number = '2800'", [])
            .unwrap();
        let left: i64 = c
            .query_row("SELECT count(*) FROM conferences", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn the_schema_refuses_bad_settings_and_a_room_with_a_device() {
        let mut c = crate::db::test_conn();
        claim(&mut c, "2800", ExtensionKind::Conference);
        for bad in [
            "UPDATE conferences SET pin = '12' WHERE number = '2800'",
            "UPDATE conferences SET pin = '12ab' WHERE number = '2800'",
            "UPDATE conferences SET max_participants = 1 WHERE number = '2800'",
            "UPDATE extensions SET token = '12345678' WHERE number = '2800'",
            "UPDATE extensions SET kind = 'room' WHERE number = '2800'",
        ] {
            assert!(c.execute(bad, []).is_err(), "{bad}");
        }
    }
}
