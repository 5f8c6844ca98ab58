//! The audit log of the help desk (migration 016): one line per action, newest first for
//! the admins' page. The lines hold who, when, what and about whom, never a secret: the
//! service layer (`service::helpdesk`) builds them and has no secret to put in.

use rusqlite::{params, Connection, Row, Transaction};

use super::DbError;

/// One line to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The user who acted.
    pub actor_id: i64,
    /// Their username, copied (the line keeps saying who).
    pub actor: String,
    /// What they did, as `service::helpdesk::Action::as_str` names it.
    pub action: &'static str,
    /// The account it was about, if any (a username).
    pub target_user: Option<String>,
    /// The extension, if any.
    pub number: Option<String>,
    /// The handset (SIP username), if any.
    pub handset: Option<String>,
    /// Plain words for the rest; never a secret.
    pub detail: String,
}

/// One line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Row id, growing.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who (username at the time).
    pub actor: String,
    /// What, as stored.
    pub action: String,
    /// About which account.
    pub target_user: Option<String>,
    /// About which extension.
    pub number: Option<String>,
    /// About which handset.
    pub handset: Option<String>,
    /// The rest in words.
    pub detail: String,
}

/// Writes one line in the caller's transaction, so an action and its line commit together
/// or not at all.
pub fn record(tx: &Transaction<'_>, entry: &Entry, at: i64) -> Result<(), DbError> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor, action, target_user, number, handset, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        at,
        entry.actor_id,
        entry.actor,
        entry.action,
        entry.target_user,
        entry.number,
        entry.handset,
        entry.detail,
    ])?;
    Ok(())
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Line> {
    Ok(Line {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        target_user: r.get(4)?,
        number: r.get(5)?,
        handset: r.get(6)?,
        detail: r.get(7)?,
    })
}

/// Lines newest first, `limit` from `offset`, and how many there are in all.
pub fn list(conn: &Connection, limit: u32, offset: u32) -> Result<(Vec<Line>, u32), DbError> {
    let total: u32 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor, action, target_user, number, handset, detail
         FROM audit_log ORDER BY id DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt.query_map(params![limit, offset], from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{migrate, write_in};

    #[test]
    fn lines_come_back_newest_first_and_paged() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO users (username, display_name, password_hash, role, created_at)
             VALUES ('helen', 'Helen', 'h', 'helpdesk', 0)",
            [],
        )
        .unwrap();
        for (i, action) in ["first", "second", "third"].into_iter().enumerate() {
            let entry = Entry {
                actor_id: 1,
                actor: "helen".into(),
                action,
                target_user: None,
                number: Some(format!("400{i}")),
                handset: None,
                detail: String::new(),
            };
            write_in(&mut conn, |tx| record(tx, &entry, 100 + i as i64)).unwrap();
        }
        let (lines, total) = list(&conn, 2, 0).unwrap();
        assert_eq!(total, 3);
        let actions: Vec<&str> = lines.iter().map(|l| l.action.as_str()).collect();
        assert_eq!(actions, ["third", "second"]);
        let (rest, _) = list(&conn, 2, 2).unwrap();
        assert_eq!(rest[0].number.as_deref(), Some("4000"));
    }
}
