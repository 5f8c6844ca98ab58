//! The admin-editable numbering rules (ranges, reserved numbers, per-user maximum) and the
//! snapshot [`Plan`] the claim rules check against.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::DbError;
use crate::config::Settings;
use crate::domain::numbering::{DeskState, DeskWarning, Plan, Range};

/// The `app_settings` key of the per-user maximum.
const MAX_KEY: &str = "max_extensions_per_user";

/// A claimable range as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRange {
    /// Row id.
    pub id: i64,
    /// The range.
    pub range: Range,
}

/// Loads the whole plan: run it in the same transaction as the insert it guards.
pub fn plan(conn: &Connection, settings: &Settings) -> Result<Plan, DbError> {
    let mut plan = settings.numbering_plan();
    plan.ranges = ranges(conn)?.into_iter().map(|r| r.range).collect();
    plan.reserved = reserved(conn)?.into_iter().map(|(n, _)| n).collect();
    let mut stmt =
        conn.prepare_cached("SELECT number FROM numbers UNION SELECT number FROM extensions")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    plan.taken = rows.collect::<Result<_, _>>()?;
    plan.max_per_user = max_per_user(conn)?;
    Ok(plan)
}

/// The emergency and help-desk numbers that reach nobody: no row in `numbers` (which the
/// dialplan routes by), either because no desk claimed the number or because its desk is a
/// handset extension that no handset is bound to yet.
pub fn desk_warnings(conn: &Connection, settings: &Settings) -> Result<Vec<DeskWarning>, DbError> {
    let plan = settings.numbering_plan();
    // A desk that is a group is routed when its compiled route rings someone or forwards.
    let mut routed = conn.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM numbers WHERE number = ?1)
             OR EXISTS(SELECT 1 FROM routes WHERE number = ?1 AND (dial <> '' OR forward <> ''))",
    )?;
    let mut claimed = conn.prepare_cached("SELECT kind FROM extensions WHERE number = ?1")?;
    let mut out = Vec::new();
    for desk in plan.desks() {
        if routed.query_row(params![desk.number], |r| r.get::<_, bool>(0))? {
            continue;
        }
        let kind: Option<String> = claimed
            .query_row(params![desk.number], |r| r.get(0))
            .optional()?;
        let state = match kind.as_deref() {
            None => DeskState::NoDesk,
            Some("group") => DeskState::GroupUnstaffed,
            Some(_) => DeskState::HandsetNotBound,
        };
        out.push(DeskWarning {
            number: desk.number.clone(),
            kind: desk.kind,
            state,
        });
    }
    Ok(out)
}

/// Claimable ranges, in order.
pub fn ranges(conn: &Connection) -> Result<Vec<StoredRange>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, first, last FROM number_ranges ORDER BY length(first), first",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(StoredRange {
            id: r.get(0)?,
            range: Range {
                first: r.get(1)?,
                last: r.get(2)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Adds a claimable range.
pub fn add_range(tx: &Transaction<'_>, range: &Range) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO number_ranges (first, last) VALUES (?1, ?2)",
        params![range.first, range.last],
    )?;
    Ok(())
}

/// Removes a claimable range. Numbers already claimed in it stay.
pub fn delete_range(tx: &Transaction<'_>, id: i64) -> Result<(), DbError> {
    if tx.execute("DELETE FROM number_ranges WHERE id = ?1", params![id])? == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Reserved numbers with their reasons.
pub fn reserved(conn: &Connection) -> Result<Vec<(String, String)>, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT number, reason FROM reserved_numbers ORDER BY number")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Reserves a number (or updates its reason).
pub fn reserve(tx: &Transaction<'_>, number: &str, reason: &str) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO reserved_numbers (number, reason) VALUES (?1, ?2)
         ON CONFLICT (number) DO UPDATE SET reason = excluded.reason",
        params![number, reason],
    )?;
    Ok(())
}

/// Frees a reserved number for claiming.
pub fn unreserve(tx: &Transaction<'_>, number: &str) -> Result<(), DbError> {
    if tx.execute(
        "DELETE FROM reserved_numbers WHERE number = ?1",
        params![number],
    )? == 0
    {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Extensions one person may own (3 if the row is missing or unreadable).
pub fn max_per_user(conn: &Connection) -> Result<u32, DbError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM app_settings WHERE key = ?1",
            params![MAX_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.trim().parse().ok()).unwrap_or(3))
}

/// Sets the per-user maximum. Nobody loses extensions they already have.
pub fn set_max_per_user(tx: &Transaction<'_>, max: u32) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO app_settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![MAX_KEY, max.to_string()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in, write_in_as};

    #[test]
    fn desks_warn_until_a_number_routes_to_them() {
        use crate::db::extensions::{self, ExtensionKind, NewExtension};
        use crate::domain::numbering::{Authority, FixedKind};
        let mut conn = test_conn();
        let s = Settings::default();
        let warnings = desk_warnings(&conn, &s).unwrap();
        let numbers: Vec<_> = warnings
            .iter()
            .map(|w| (w.number.as_str(), w.kind))
            .collect();
        assert_eq!(
            numbers,
            [("112", FixedKind::Emergency), ("1000", FixedKind::Helpdesk)]
        );
        let new = |number: &str, kind, authority| NewExtension {
            owner_id: None,
            number: number.into(),
            name: "Desk".into(),
            kind,
            public: true,
            authority,
        };
        // An attendee gets today's clash; an admin gets the desk.
        let refused = write_in_as(&mut conn, |tx| {
            extensions::create(tx, &s, &new("112", ExtensionKind::Sip, Authority::Attendee))
        });
        assert!(matches!(refused, Err(extensions::CreateError::Rule(_))));
        write_in_as(&mut conn, |tx| {
            extensions::create(tx, &s, &new("112", ExtensionKind::Sip, Authority::Admin))
        })
        .unwrap();
        write_in_as(&mut conn, |tx| {
            extensions::create(
                tx,
                &s,
                &new("1000", ExtensionKind::Handset, Authority::Admin),
            )
        })
        .unwrap();
        let warnings = desk_warnings(&conn, &s).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].number, "1000");
        assert_eq!(warnings[0].state, DeskState::HandsetNotBound);
    }

    #[test]
    fn plan_reflects_the_tables() {
        let mut conn = test_conn();
        let range = Range::parse("100", "199").unwrap();
        write_in(&mut conn, |tx| {
            add_range(tx, &range)?;
            reserve(tx, "2000", "boss")?;
            set_max_per_user(tx, 5)?;
            Ok(())
        })
        .unwrap();
        let plan = plan(&conn, &Settings::default()).unwrap();
        assert_eq!(plan.ranges.len(), 2);
        assert_eq!(plan.ranges[0].first, "100");
        assert!(plan.reserved.contains("2000"));
        assert_eq!(plan.max_per_user, 5);
        assert!(plan.check("2000").is_err());
        assert!(plan.check("150").is_ok());
    }
}
