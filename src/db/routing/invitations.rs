//! Pending invitations to groups, and the memberships an owner's extensions hold: what the
//! account page lists for accepting, declining, pausing and resuming.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::member_from_row;
use crate::db::{now, DbError};
use crate::domain::routing::Member;

/// A pending invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The group.
    pub group: String,
    /// The invited extension or group.
    pub member: String,
    /// The delay it will ring with.
    pub delay: u32,
    /// Unix seconds.
    pub created_at: i64,
}

/// Invites `member` into `group` (a repeated invitation updates the delay).
pub fn invite(tx: &Transaction<'_>, group: &str, member: &str, delay: u32) -> Result<(), DbError> {
    tx.prepare_cached(
        "INSERT INTO group_invitations (group_number, member_number, delay, created_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (group_number, member_number) DO UPDATE SET delay = excluded.delay",
    )?
    .execute(params![group, member, delay, now()])?;
    Ok(())
}

/// The pending invitation of `member` into `group`, if any.
pub fn invitation(
    conn: &Connection,
    group: &str,
    member: &str,
) -> Result<Option<Invitation>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT group_number, member_number, delay, created_at FROM group_invitations
             WHERE group_number = ?1 AND member_number = ?2",
        )?
        .query_row(params![group, member], invitation_from_row)
        .optional()?)
}

fn invitation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        group: r.get(0)?,
        member: r.get(1)?,
        delay: r.get(2)?,
        created_at: r.get(3)?,
    })
}

/// Pending invitations into `group`.
pub fn invitations_of(conn: &Connection, group: &str) -> Result<Vec<Invitation>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_number, member_number, delay, created_at FROM group_invitations
         WHERE group_number = ?1 ORDER BY member_number",
    )?;
    let rows = stmt.query_map([group], invitation_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pending invitations of the extensions `owner` owns, with the group's name, oldest first:
/// what the account page asks them to accept or decline.
pub fn invitations_for_owner(
    conn: &Connection,
    owner: i64,
) -> Result<Vec<(Invitation, String)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.group_number, i.member_number, i.delay, i.created_at, g.name
         FROM group_invitations i
         JOIN extensions m ON m.number = i.member_number
         JOIN extensions g ON g.number = i.group_number
         WHERE m.owner_id = ?1 ORDER BY i.created_at, i.group_number, i.member_number",
    )?;
    let rows = stmt.query_map([owner], |r| Ok((invitation_from_row(r)?, r.get(4)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One membership of an extension someone owns, with the group's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The group.
    pub group: String,
    /// The group's name.
    pub group_name: String,
    /// The membership (its `number` is the member).
    pub member: Member,
}

/// The group memberships of the extensions `owner` owns, by group then member: what they
/// may pause and resume.
pub fn memberships_for_owner(conn: &Connection, owner: i64) -> Result<Vec<Membership>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT gm.group_number, gm.member_number, gm.delay, gm.active, g.name
         FROM group_members gm
         JOIN extensions m ON m.number = gm.member_number
         JOIN extensions g ON g.number = gm.group_number
         WHERE m.owner_id = ?1 ORDER BY gm.group_number, gm.member_number",
    )?;
    let rows = stmt.query_map([owner], |r| {
        let (group, member) = member_from_row(r)?;
        Ok(Membership {
            group,
            group_name: r.get(4)?,
            member,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Removes an invitation; false if there was none.
pub fn remove_invitation(tx: &Transaction<'_>, group: &str, member: &str) -> Result<bool, DbError> {
    Ok(tx
        .prepare_cached(
            "DELETE FROM group_invitations WHERE group_number = ?1 AND member_number = ?2",
        )?
        .execute(params![group, member])?
        > 0)
}
