//! DECT handsets the OMM reported (`dect_handsets`, migration 013): each remembered with its
//! device by IPEI, with the OMM's ids and the label last sent to the OMM; and the released
//! ones whose OMM records are still to be removed (`dect_releases`, migration 015).

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::devices::Credentials;
use super::{now, DbError};

/// What the sync needs to keep a handset's OMM user right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DectHandset {
    /// The device (= SIP username = endpoint id).
    pub device_id: String,
    /// The handset's IPEI.
    pub ipei: String,
    /// The OMM's device id, as last seen.
    pub omm_ppn: Option<u32>,
    /// The OMM's user id, once created.
    pub omm_uid: Option<u32>,
    /// The device's number now (its extension when bound, else its temporary number).
    pub number: Option<String>,
    /// The bound extension's name; `None` while temporary.
    pub extension_name: Option<String>,
    /// The label last sent to the OMM.
    pub shown_label: Option<String>,
}

impl DectHandset {
    /// Bound to an extension by token.
    pub fn is_bound(&self) -> bool {
        self.extension_name.is_some()
    }
}

const SELECT: &str = "SELECT d.device_id, d.ipei, d.omm_ppn, d.omm_uid,
        COALESCE(e.number, (SELECT min(n.number) FROM numbers n WHERE n.endpoint = d.device_id)),
        e.name, d.shown_label
    FROM dect_handsets d LEFT JOIN extensions e ON e.device_id = d.device_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DectHandset> {
    Ok(DectHandset {
        device_id: r.get(0)?,
        ipei: r.get(1)?,
        omm_ppn: r.get(2)?,
        omm_uid: r.get(3)?,
        number: r.get(4)?,
        extension_name: r.get(5)?,
        shown_label: r.get(6)?,
    })
}

/// Every remembered handset, by IPEI.
pub fn list(conn: &Connection) -> Result<Vec<DectHandset>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY d.ipei"))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The handset remembered under this IPEI.
pub fn by_ipei(conn: &Connection, ipei: &str) -> Result<Option<DectHandset>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE d.ipei = ?1"))?;
    Ok(stmt.query_row(params![ipei], row).optional()?)
}

/// Remembers a new handset with its (just minted) device.
pub fn remember(
    tx: &Transaction<'_>,
    device_id: &str,
    ipei: &str,
    uak: Option<&str>,
    omm_ppn: u32,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO dect_handsets (device_id, ipei, uak, omm_ppn, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![device_id, ipei, uak, omm_ppn, now()],
    )?;
    Ok(())
}

/// Records what the OMM calls the handset now; a UAK the OMM gave replaces the stored one.
pub fn set_omm_ids(
    tx: &Transaction<'_>,
    device_id: &str,
    omm_ppn: u32,
    omm_uid: Option<u32>,
    uak: Option<&str>,
) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE dect_handsets SET omm_ppn = ?2, omm_uid = COALESCE(?3, omm_uid),
             uak = COALESCE(?4, uak)
         WHERE device_id = ?1",
        params![device_id, omm_ppn, omm_uid, uak],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Records the label the OMM now has.
pub fn set_shown_label(tx: &Transaction<'_>, device_id: &str, label: &str) -> Result<(), DbError> {
    tx.execute(
        "UPDATE dect_handsets SET shown_label = ?2 WHERE device_id = ?1",
        params![device_id, label],
    )?;
    Ok(())
}

/// The device's SIP credentials (to give the OMM user that logs the handset in).
pub fn credentials(conn: &Connection, device_id: &str) -> Result<Option<Credentials>, DbError> {
    Ok(conn
        .query_row(
            "SELECT username, password FROM ps_auths WHERE id = ?1",
            params![device_id],
            |r| {
                Ok(Credentials {
                    username: r.get(0)?,
                    password: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// A released handset whose OMM user (and subscription) the sync still has to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The queue entry.
    pub id: i64,
    /// The deleted device: the OMM user's number.
    pub device_id: String,
    /// The handset's IPEI, to check the OMM record before deleting it.
    pub ipei: String,
    /// The OMM's device id as last seen.
    pub omm_ppn: Option<u32>,
}

/// The releases still to do, oldest first. Filled by the trigger of migration 015 whenever a
/// remembered handset's device is deleted.
pub fn pending_releases(conn: &Connection) -> Result<Vec<Release>, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, device_id, ipei, omm_ppn FROM dect_releases ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Release {
            id: r.get(0)?,
            device_id: r.get(1)?,
            ipei: r.get(2)?,
            omm_ppn: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The OMM confirmed the release (or had nothing left to remove).
pub fn release_done(tx: &Transaction<'_>, id: i64) -> Result<(), DbError> {
    tx.execute("DELETE FROM dect_releases WHERE id = ?1", params![id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::handsets::{self, TemporaryPlan};
    use crate::db::{pjsip, test_conn, write_in};

    fn plan() -> TemporaryPlan {
        TemporaryPlan {
            first: "99560000".into(),
            last: "99569999".into(),
            defaults: pjsip::EndpointDefaults {
                language: "en".into(),
                qualify_frequency: 60,
            },
        }
    }

    #[test]
    fn remembers_a_handset_by_ipei_with_its_number() {
        let mut conn = test_conn();
        let h = write_in(&mut conn, |tx| {
            let h = handsets::create_temporary(tx, &plan())?;
            remember(tx, &h.credentials.username, "03103 0024641 3", None, 7)?;
            Ok(h)
        })
        .unwrap();
        let found = by_ipei(&conn, "03103 0024641 3").unwrap().unwrap();
        assert_eq!(found.device_id, h.credentials.username);
        assert_eq!(found.number.as_deref(), Some(h.number.as_str()));
        assert!(!found.is_bound());
        assert_eq!(found.omm_ppn, Some(7));
        assert_eq!(by_ipei(&conn, "00000 0000000 0").unwrap(), None);
        let creds = credentials(&conn, &h.credentials.username)
            .unwrap()
            .unwrap();
        assert_eq!(creds, h.credentials);
        // One IPEI, one device.
        let again = write_in(&mut conn, |tx| {
            let other = handsets::create_temporary(tx, &plan())?;
            remember(tx, &other.credentials.username, "03103 0024641 3", None, 8)
        });
        assert!(matches!(again, Err(DbError::Conflict(_))), "{again:?}");
        write_in(&mut conn, |tx| {
            set_omm_ids(tx, &h.credentials.username, 9, Some(3), Some("AB"))?;
            set_shown_label(tx, &h.credentials.username, "New 9956")
        })
        .unwrap();
        let all = list(&conn).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].omm_ppn, all[0].omm_uid), (Some(9), Some(3)));
        assert_eq!(all[0].shown_label.as_deref(), Some("New 9956"));
        assert!(pending_releases(&conn).unwrap().is_empty());
        // Deleting the device forgets the handset and queues its release in the OMM.
        write_in(&mut conn, |tx| {
            handsets::delete(tx, &h.credentials.username, 6).map(drop)
        })
        .unwrap();
        assert!(list(&conn).unwrap().is_empty());
        let queued = pending_releases(&conn).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].device_id, h.credentials.username);
        assert_eq!(queued[0].ipei, "03103 0024641 3");
        assert_eq!(queued[0].omm_ppn, Some(9));
        write_in(&mut conn, |tx| release_done(tx, queued[0].id)).unwrap();
        assert!(pending_releases(&conn).unwrap().is_empty());
    }
}
