//! Reads that only the JSON API needs: extension lists filtered the way other services ask
//! (kind, bound, owner) and users addressed by name.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::extensions::{Extension, ExtensionKind};
use super::DbError;

/// Which extensions an API client asked for; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionFilter {
    /// Only SIP or only handset extensions.
    pub kind: Option<ExtensionKind>,
    /// Only handset extensions with (true) or without (false) a bound handset. SIP
    /// extensions have no binding, so either value leaves them out.
    pub bound: Option<bool>,
    /// Only extensions owned by this username (case-insensitively, like logins).
    pub owner: Option<String>,
}

// Same columns and order as db::extensions, so rows map to the same `Extension`.
const COLUMNS: &str = "e.number, e.name, e.kind, e.owner_id, u.username, e.public, e.device_id,
                       e.token, e.bound_at, e.created_at";

fn extension_from_row(r: &Row<'_>) -> rusqlite::Result<Extension> {
    let kind: String = r.get(2)?;
    Ok(Extension {
        number: r.get(0)?,
        name: r.get(1)?,
        // The CHECK constraint allows only the two kinds.
        kind: ExtensionKind::parse(&kind).unwrap_or(ExtensionKind::Handset),
        owner_id: r.get(3)?,
        owner_username: r.get(4)?,
        public: r.get::<_, i64>(5)? != 0,
        device_id: r.get(6)?,
        token: r.get(7)?,
        bound_at: r.get(8)?,
        created_at: r.get(9)?,
    })
}

/// Extensions matching `filter`, ordered by number, `limit` from `offset`, and how many match
/// in all.
pub fn list_extensions(
    conn: &Connection,
    filter: &ExtensionFilter,
    limit: u32,
    offset: u32,
) -> Result<(Vec<Extension>, u32), DbError> {
    // Only the conditions in use go into the WHERE clause, so each shape gets its own cached
    // statement and SQLite can plan it on its own.
    let mut clause = String::from("1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(kind) = filter.kind {
        args.push(kind.as_str().to_string().into());
        clause.push_str(&format!(" AND e.kind = ?{}", args.len()));
    }
    match filter.bound {
        Some(true) => clause.push_str(" AND e.kind = 'handset' AND e.device_id IS NOT NULL"),
        Some(false) => clause.push_str(" AND e.kind = 'handset' AND e.device_id IS NULL"),
        None => {}
    }
    if let Some(owner) = &filter.owner {
        args.push(owner.clone().into());
        clause.push_str(&format!(
            " AND e.owner_id = (SELECT id FROM users WHERE username = ?{})",
            args.len()
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
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), extension_from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// The id of the user called `username` (case-insensitively), if there is one.
pub fn user_id(conn: &Connection, username: &str) -> Result<Option<i64>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            params![username],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::db::extensions::{self, NewExtension};
    use crate::db::{handsets, test_conn, write_in};

    #[test]
    fn filters_combine_and_count_everything_that_matches() {
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
            let created = write_in(&mut conn, |tx| extensions::create(tx, &s, &new))
                .unwrap()
                .unwrap();
            if let extensions::Created::Handset { token } = created {
                tokens.push(token);
            }
        }
        let plan = handsets::TemporaryPlan::from_settings(&s);
        let h = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        let id = h.credentials.username;
        let token = tokens[1].clone();
        write_in(&mut conn, |tx| handsets::bind(tx, &id, &token, 1)).unwrap();

        let numbers = |f: ExtensionFilter, limit, offset| {
            let (rows, total) = list_extensions(&conn, &f, limit, offset).unwrap();
            (
                rows.into_iter().map(|e| e.number).collect::<Vec<_>>(),
                total,
            )
        };
        assert_eq!(
            numbers(ExtensionFilter::default(), 2, 1).0,
            ["2001", "2002"]
        );
        assert_eq!(numbers(ExtensionFilter::default(), 2, 1).1, 4);
        let handsets_only = ExtensionFilter {
            kind: Some(ExtensionKind::Handset),
            ..Default::default()
        };
        assert_eq!(numbers(handsets_only, 10, 0).1, 3);
        let bound = ExtensionFilter {
            bound: Some(true),
            ..Default::default()
        };
        assert_eq!(numbers(bound, 10, 0).0, ["2002"]);
        let unbound = ExtensionFilter {
            bound: Some(false),
            ..Default::default()
        };
        assert_eq!(numbers(unbound, 10, 0).0, ["2001", "2003"]);
        let alices = ExtensionFilter {
            owner: Some("alice".into()),
            kind: Some(ExtensionKind::Sip),
            ..Default::default()
        };
        let (rows, total) = list_extensions(&conn, &alices, 10, 0).unwrap();
        assert_eq!(total, 1);
        assert_eq!(rows[0].owner_username.as_deref(), Some("Alice"));
        let nobody = ExtensionFilter {
            owner: Some("nobody".into()),
            ..Default::default()
        };
        assert_eq!(numbers(nobody, 10, 0), (vec![], 0));
        assert_eq!(user_id(&conn, "ALICE").unwrap(), Some(uid));
        assert_eq!(user_id(&conn, "bob").unwrap(), None);
    }
}
