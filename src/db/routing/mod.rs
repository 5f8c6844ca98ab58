//! Routing rows (docs/routing.md): what users set (`routing`, `group_members`,
//! `group_invitations`) and the plan compiled from it (`routes`, `route_legs`, read by
//! Asterisk). [`recompile`] runs in the transaction of every change that affects a route: a
//! change of routing settings or memberships, and every move of a device between numbers
//! (claim, bind, unbind, release, delete), so Asterisk never reads a plan older than the data.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::DbError;
use crate::domain::routing::{
    self, Compiled, Forwarding, Graph, LegRow, Member, Node, Preferences, RouteRow, RoutingError,
    Target,
};
use crate::domain::ExtensionKind;

mod invitations;
pub use invitations::{
    invitation, invitations_for_owner, invitations_of, invite, memberships_for_owner,
    remove_invitation, Invitation, Membership,
};

/// A list of numbers as the one JSON parameter `json_each` reads.
fn json_list<'a>(numbers: impl IntoIterator<Item = &'a str>) -> String {
    let list: Vec<&str> = numbers.into_iter().collect();
    // A Vec of &str always serialises.
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

/// `numbers` and every group containing any of them, transitively (paused memberships too:
/// a route's rows do not depend on whether the path to it is paused, its ancestors' do).
pub fn with_ancestors(conn: &Connection, numbers: &[&str]) -> Result<BTreeSet<String>, DbError> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE up(number) AS (
             SELECT value FROM json_each(?1)
             UNION
             SELECT m.group_number FROM group_members m JOIN up ON m.member_number = up.number
         )
         SELECT number FROM up",
    )?;
    let rows = stmt.query_map([json_list(numbers.iter().copied())], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// The last column is the extension's browser phone (migration 019), rung beside its device.
const NODE_COLUMNS: &str = "e.number, e.name, e.kind, e.device_id, r.dnd, r.call_waiting,
    r.fwd_always, r.fwd_always_after, r.fwd_busy, r.fwd_no_answer, r.fwd_no_answer_after,
    r.fwd_unavailable, r.ring_timeout, r.fallback,
    (SELECT b.device_id FROM browser_phones b WHERE b.number = e.number)";

fn node_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Node> {
    let kind: String = r.get(2)?;
    let is_group = kind == ExtensionKind::Group.as_str();
    let is_conference = kind == ExtensionKind::Conference.as_str();
    let defaults = Preferences::default();
    let prefs = Preferences {
        dnd: r.get::<_, Option<bool>>(4)?.unwrap_or(defaults.dnd),
        call_waiting: r
            .get::<_, Option<bool>>(5)?
            .unwrap_or(defaults.call_waiting),
        forward: Forwarding {
            always: r.get(6)?,
            always_after: r.get(7)?,
            busy: r.get(8)?,
            no_answer: r.get(9)?,
            no_answer_after: r
                .get::<_, Option<u32>>(10)?
                .unwrap_or(defaults.forward.no_answer_after),
            unavailable: r.get(11)?,
        },
        ring_timeout: r
            .get::<_, Option<u32>>(12)?
            .unwrap_or(defaults.ring_timeout),
        fallback: r.get(13)?,
    };
    Ok(Node {
        number: r.get(0)?,
        name: r.get(1)?,
        target: if is_group {
            Target::Group(Vec::new())
        } else if is_conference {
            Target::Conference
        } else {
            Target::Device(r.get(3)?)
        },
        browser: r.get(14)?,
        prefs,
    })
}

/// Fills the member lists of the groups in `graph` from membership rows
/// `(group, member, delay, active)`.
fn add_members(
    graph: &mut Graph,
    rows: impl Iterator<Item = rusqlite::Result<(String, Member)>>,
) -> Result<(), DbError> {
    for row in rows {
        let (group, member) = row?;
        if let Some(Node {
            target: Target::Group(members),
            ..
        }) = graph.get_mut(&group)
        {
            members.push(member);
        }
    }
    Ok(())
}

fn member_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Member)> {
    Ok((
        r.get(0)?,
        Member {
            number: r.get(1)?,
            delay: r.get(2)?,
            active: r.get(3)?,
        },
    ))
}

/// The numbers below the roots (`?1`, a JSON list), the roots included.
const BELOW: &str = "WITH RECURSIVE below(number) AS (
         SELECT value FROM json_each(?1)
         UNION
         SELECT m.member_number FROM group_members m JOIN below b ON m.group_number = b.number
     )";

// CROSS JOIN keeps `below` (a handful of rows) the outer loop of both queries: with a plain
// JOIN the bundled SQLite scanned every extension and probed `below` through an automatic
// index, so each recompile (every bind, DND change, ...) cost time in proportion to the whole
// table (examples/bind_cost: 0.6 ms per bind with 2,500 extensions, 0.3 ms without the scan).
fn below_nodes_sql() -> String {
    format!(
        "{BELOW} SELECT {NODE_COLUMNS} FROM below b CROSS JOIN extensions e ON e.number = b.number
         LEFT JOIN routing r ON r.number = e.number"
    )
}

fn below_members_sql() -> String {
    format!(
        "{BELOW} SELECT m.group_number, m.member_number, m.delay, m.active
         FROM below b CROSS JOIN group_members m ON m.group_number = b.number
         ORDER BY m.group_number, m.delay, m.member_number"
    )
}

/// The graph below `roots`: the roots, every member of theirs transitively, with settings and
/// memberships; exactly what compiling or checking the roots needs.
pub fn load_below(conn: &Connection, roots: &BTreeSet<String>) -> Result<Graph, DbError> {
    let list = json_list(roots.iter().map(String::as_str));
    let mut graph = Graph::new();
    let mut stmt = conn.prepare_cached(&below_nodes_sql())?;
    for node in stmt.query_map([&list], node_from_row)? {
        graph.insert(node?);
    }
    let mut stmt = conn.prepare_cached(&below_members_sql())?;
    add_members(&mut graph, stmt.query_map([&list], member_from_row)?)?;
    Ok(graph)
}

/// The whole graph.
pub fn load_all(conn: &Connection) -> Result<Graph, DbError> {
    let mut graph = Graph::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NODE_COLUMNS} FROM extensions e LEFT JOIN routing r ON r.number = e.number"
    ))?;
    for node in stmt.query_map([], node_from_row)? {
        graph.insert(node?);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT group_number, member_number, delay, active FROM group_members
         ORDER BY group_number, delay, member_number",
    )?;
    add_members(&mut graph, stmt.query_map([], member_from_row)?)?;
    Ok(graph)
}

/// Replaces the rows of `numbers` by `plans` (numbers without a plan lose their rows).
fn write_plans(
    tx: &Transaction<'_>,
    numbers: &BTreeSet<String>,
    plans: &[Compiled],
) -> Result<(), DbError> {
    let list = json_list(numbers.iter().map(String::as_str));
    // Legs first: explicit, not left to the foreign key's cascade, so a connection without
    // foreign keys (another tool) cannot leave stale legs behind.
    tx.prepare_cached("DELETE FROM route_legs WHERE number IN (SELECT value FROM json_each(?1))")?
        .execute([&list])?;
    tx.prepare_cached("DELETE FROM routes WHERE number IN (SELECT value FROM json_each(?1))")?
        .execute([&list])?;
    insert_plans(tx, plans)
}

fn insert_plans(tx: &Transaction<'_>, plans: &[Compiled]) -> Result<(), DbError> {
    let mut route = tx.prepare_cached(
        "INSERT INTO routes (number, forward, dial, timeout, via, busy_now, cw_line,
                             on_busy, on_noanswer, on_unavailable, conference)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut leg = tx.prepare_cached(
        "INSERT INTO route_legs (leg, number, line, endpoints, delay, timeout, cw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for plan in plans {
        let r = &plan.route;
        route.execute(params![
            r.number,
            r.forward,
            r.dial,
            r.timeout,
            r.via,
            r.busy_now,
            r.cw_line,
            r.on_busy,
            r.on_noanswer,
            r.on_unavailable,
            r.conference
        ])?;
        for l in &plan.legs {
            leg.execute(params![
                l.leg,
                l.number,
                l.line,
                l.endpoints.join("&"),
                l.delay,
                l.timeout,
                l.cw
            ])?;
        }
    }
    Ok(())
}

/// Rewrites the routes of `changed` and of every group containing them, transitively, from
/// the data as it is in `tx`. A number that is no longer an extension loses its rows.
/// Returns how many routes were written.
pub fn recompile(tx: &Transaction<'_>, changed: &[&str]) -> Result<usize, DbError> {
    let affected = with_ancestors(tx, changed)?;
    let graph = load_below(tx, &affected)?;
    let plans: Vec<Compiled> = affected
        .iter()
        .filter_map(|n| routing::compile(&graph, n))
        .collect();
    write_plans(tx, &affected, &plans)?;
    Ok(plans.len())
}

/// Rewrites every route (after the migration that made the tables, and for the CLI).
pub fn recompile_all(tx: &Transaction<'_>) -> Result<usize, DbError> {
    let graph = load_all(tx)?;
    let plans: Vec<Compiled> = graph
        .nodes()
        .filter_map(|n| routing::compile(&graph, &n.number))
        .collect();
    tx.execute("DELETE FROM route_legs", [])?;
    tx.execute("DELETE FROM routes", [])?;
    insert_plans(tx, &plans)?;
    Ok(plans.len())
}

/// Numbers whose routes name `target` (forwarding or fallback): they change when it goes.
pub fn pointing_at(conn: &Connection, target: &str) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT number FROM routing WHERE ?1 IN (fwd_always, fwd_busy, fwd_no_answer,
                                                 fwd_unavailable, fallback)",
    )?;
    let rows = stmt.query_map([target], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The settings of `number` (defaults if it never set any).
pub fn preferences(conn: &Connection, number: &str) -> Result<Preferences, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NODE_COLUMNS} FROM extensions e LEFT JOIN routing r ON r.number = e.number
         WHERE e.number = ?1"
    ))?;
    Ok(stmt.query_row([number], node_from_row)?.prefs)
}

/// Stores the settings of `number`.
pub fn set_preferences(tx: &Transaction<'_>, number: &str, p: &Preferences) -> Result<(), DbError> {
    let f = &p.forward;
    tx.prepare_cached(
        "INSERT INTO routing (number, dnd, call_waiting, fwd_always, fwd_always_after, fwd_busy,
                              fwd_no_answer, fwd_no_answer_after, fwd_unavailable,
                              ring_timeout, fallback)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (number) DO UPDATE SET
             dnd = excluded.dnd, call_waiting = excluded.call_waiting,
             fwd_always = excluded.fwd_always, fwd_always_after = excluded.fwd_always_after,
             fwd_busy = excluded.fwd_busy, fwd_no_answer = excluded.fwd_no_answer,
             fwd_no_answer_after = excluded.fwd_no_answer_after,
             fwd_unavailable = excluded.fwd_unavailable,
             ring_timeout = excluded.ring_timeout, fallback = excluded.fallback",
    )?
    .execute(params![
        number,
        p.dnd,
        p.call_waiting,
        f.always,
        f.always_after,
        f.busy,
        f.no_answer,
        f.no_answer_after,
        f.unavailable,
        p.ring_timeout,
        p.fallback
    ])?;
    Ok(())
}

/// The members of `group`, by delay then number.
pub fn members(conn: &Connection, group: &str) -> Result<Vec<Member>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_number, member_number, delay, active FROM group_members
         WHERE group_number = ?1 ORDER BY delay, member_number",
    )?;
    let rows = stmt.query_map([group], member_from_row)?;
    Ok(rows.map(|r| r.map(|(_, m)| m)).collect::<Result<_, _>>()?)
}

/// Makes `members` the member list of `group`: others are removed, these added or updated
/// (an unchanged row writes no event).
pub fn replace_members(
    tx: &Transaction<'_>,
    group: &str,
    members: &[Member],
) -> Result<(), DbError> {
    let keep = json_list(members.iter().map(|m| m.number.as_str()));
    tx.prepare_cached(
        "DELETE FROM group_members WHERE group_number = ?1
             AND member_number NOT IN (SELECT value FROM json_each(?2))",
    )?
    .execute(params![group, keep])?;
    for m in members {
        upsert_member(tx, group, m)?;
    }
    Ok(())
}

/// Adds `member` to `group`, or updates its delay and state.
pub fn upsert_member(tx: &Transaction<'_>, group: &str, m: &Member) -> Result<(), DbError> {
    tx.prepare_cached(
        "INSERT INTO group_members (group_number, member_number, delay, active)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (group_number, member_number) DO UPDATE SET
             delay = excluded.delay, active = excluded.active",
    )?
    .execute(params![group, m.number, m.delay, m.active])?;
    Ok(())
}

/// Pauses or resumes a membership; false if there is none.
pub fn set_member_active(
    tx: &Transaction<'_>,
    group: &str,
    member: &str,
    active: bool,
) -> Result<bool, DbError> {
    Ok(tx
        .prepare_cached(
            "UPDATE group_members SET active = ?3 WHERE group_number = ?1 AND member_number = ?2",
        )?
        .execute(params![group, member, active])?
        > 0)
}

/// Whether `number` is a routing target (an extension or group: temporary numbers are not).
fn is_extension(conn: &Connection, number: &str) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM extensions WHERE number = ?1")?
        .query_row([number], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The one checked write of routing settings: `prefs` for extension `number` (a group if
/// `is_group`) against the rules of `domain::routing` (forwarding targets must be extensions
/// or groups), then stored and recompiled in `tx`. Refused: nothing written.
pub fn write_preferences(
    tx: &Transaction<'_>,
    number: &str,
    is_group: bool,
    prefs: &Preferences,
) -> Result<Result<(), RoutingError>, DbError> {
    let f = &prefs.forward;
    let mut known = BTreeSet::new();
    for target in [
        &f.always,
        &f.busy,
        &f.no_answer,
        &f.unavailable,
        &prefs.fallback,
    ]
    .into_iter()
    .flatten()
    {
        if is_extension(tx, target)? {
            known.insert(target.clone());
        }
    }
    let kind: Option<String> = tx
        .prepare_cached("SELECT kind FROM extensions WHERE number = ?1")?
        .query_row([number], |r| r.get(0))
        .optional()?;
    if kind.as_deref() == Some(ExtensionKind::Conference.as_str()) {
        return Ok(Err(RoutingError::ConferenceRoom(number.to_string())));
    }
    if let Err(e) = routing::check_preferences(number, is_group, prefs, &|n| known.contains(n)) {
        return Ok(Err(e));
    }
    set_preferences(tx, number, prefs)?;
    recompile(tx, &[number])?;
    Ok(Ok(()))
}

/// The settings of extension `number` and whether it is a group; None if no such extension.
fn node_settings(conn: &Connection, number: &str) -> Result<Option<Node>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NODE_COLUMNS} FROM extensions e LEFT JOIN routing r ON r.number = e.number
         WHERE e.number = ?1"
    ))?;
    Ok(stmt.query_row([number], node_from_row).optional()?)
}

/// Changes the settings of extension `number` with `change` through [`write_preferences`];
/// answers the settings as they are now. `Ok(None)`: no such extension.
pub fn change_preferences(
    tx: &Transaction<'_>,
    number: &str,
    change: impl FnOnce(&mut Preferences),
) -> Result<Option<Result<Preferences, RoutingError>>, DbError> {
    let Some(node) = node_settings(tx, number)? else {
        return Ok(None);
    };
    let mut prefs = node.prefs.clone();
    change(&mut prefs);
    Ok(Some(
        write_preferences(tx, number, node.is_group(), &prefs)?.map(|()| prefs),
    ))
}

/// Toggles do-not-disturb of `number` (the feature code); answers the new state.
pub fn toggle_dnd(
    tx: &Transaction<'_>,
    number: &str,
) -> Result<Option<Result<bool, RoutingError>>, DbError> {
    Ok(change_preferences(tx, number, |p| p.dnd = !p.dnd)?.map(|r| r.map(|p| p.dnd)))
}

/// Forwarding always of `number` to `target` at once, or off (None; a delay set with it goes
/// too, it means nothing without a target).
pub fn forward_always(
    tx: &Transaction<'_>,
    number: &str,
    target: Option<&str>,
) -> Result<Option<Result<Preferences, RoutingError>>, DbError> {
    change_preferences(tx, number, |p| {
        p.forward.always = target.map(str::to_string);
        p.forward.always_after = None;
    })
}

/// Pauses or resumes `member` in `group` and recompiles the group; false if it is no
/// member (nothing written then).
pub fn set_member_active_and_recompile(
    tx: &Transaction<'_>,
    group: &str,
    member: &str,
    active: bool,
) -> Result<bool, DbError> {
    if !set_member_active(tx, group, member, active)? {
        return Ok(false);
    }
    recompile(tx, &[group])?;
    Ok(true)
}

/// Toggles the membership of `member` in `group` (pause/resume); answers the new state
/// (true = active), or None if it is no member (nothing written then).
pub fn toggle_membership(
    tx: &Transaction<'_>,
    group: &str,
    member: &str,
) -> Result<Option<bool>, DbError> {
    let Some(active) = membership(tx, group, member)? else {
        return Ok(None);
    };
    set_member_active_and_recompile(tx, group, member, !active)?;
    Ok(Some(!active))
}

/// Whether `member` is a member of `group`, and if so whether active.
pub fn membership(conn: &Connection, group: &str, member: &str) -> Result<Option<bool>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT active FROM group_members WHERE group_number = ?1 AND member_number = ?2",
        )?
        .query_row(params![group, member], |r| r.get(0))
        .optional()?)
}

/// The groups `member` belongs to, by group number, each with whether it is active there.
pub fn groups_of_member(conn: &Connection, member: &str) -> Result<Vec<(String, bool)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_number, active FROM group_members WHERE member_number = ?1
         ORDER BY group_number",
    )?;
    let rows = stmt.query_map([member], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The extension (number, name) whose device or browser phone is `endpoint`, if any.
pub fn extension_of_device(
    conn: &Connection,
    endpoint: &str,
) -> Result<Option<(String, String)>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT number, name FROM extensions WHERE device_id = ?1
             UNION ALL
             SELECT e.number, e.name FROM browser_phones b JOIN extensions e ON e.number = b.number
             WHERE b.device_id = ?1",
        )?
        .query_row([endpoint], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The stored plan of `number` (what Asterisk executes), if it has one.
pub fn stored(conn: &Connection, number: &str) -> Result<Option<Compiled>, DbError> {
    let route = conn
        .prepare_cached(
            "SELECT number, forward, dial, timeout, via, busy_now, cw_line, on_busy,
                    on_noanswer, on_unavailable, conference FROM routes WHERE number = ?1",
        )?
        .query_row([number], |r| {
            Ok(RouteRow {
                number: r.get(0)?,
                forward: r.get(1)?,
                dial: r.get(2)?,
                timeout: r.get(3)?,
                via: r.get(4)?,
                busy_now: r.get(5)?,
                cw_line: r.get(6)?,
                on_busy: r.get(7)?,
                on_noanswer: r.get(8)?,
                on_unavailable: r.get(9)?,
                conference: r.get(10)?,
            })
        })
        .optional()?;
    let Some(route) = route else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT leg, number, line, endpoints, delay, timeout, cw FROM route_legs
         WHERE number = ?1 ORDER BY leg",
    )?;
    let legs = stmt
        .query_map([number], |r| {
            Ok(LegRow {
                leg: r.get(0)?,
                number: r.get(1)?,
                line: r.get(2)?,
                endpoints: r
                    .get::<_, String>(3)?
                    .split('&')
                    .map(str::to_string)
                    .collect(),
                delay: r.get(4)?,
                timeout: r.get(5)?,
                cw: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Compiled { route, legs }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::db::extensions::{self, NewExtension};
    use crate::db::{handsets, test_conn, write_in, write_in_as};
    use crate::domain::numbering::Authority;

    /// What SQLite plans for `sql`, one line per step.
    fn query_plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map([r#"["2000"]"#], |r| r.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn loading_below_a_number_never_scans_the_whole_extensions_or_members_table() {
        let mut conn = test_conn();
        for i in 0..50 {
            claim(&mut conn, &format!("{}", 2000 + i), ExtensionKind::Sip);
        }
        for sql in [below_nodes_sql(), below_members_sql()] {
            let plan = query_plan(&conn, &sql);
            assert!(
                !plan
                    .iter()
                    .any(|step| step.starts_with("SCAN e") || step.starts_with("SCAN m")),
                "{plan:#?}"
            );
            assert!(
                plan.iter().any(|step| step.starts_with("SEARCH")),
                "{plan:#?}"
            );
        }
    }

    fn claim(conn: &mut Connection, number: &str, kind: ExtensionKind) -> extensions::Created {
        let s = Settings::default();
        let new = NewExtension {
            owner_id: None,
            number: number.into(),
            name: format!("N {number}"),
            kind,
            public: true,
            authority: Authority::Attendee,
        };
        write_in_as(conn, |tx| extensions::create(tx, &s, &new)).unwrap()
    }

    fn endpoint(conn: &Connection, number: &str) -> String {
        extensions::get(conn, number).unwrap().device_id.unwrap()
    }

    fn dial(conn: &Connection, number: &str) -> Option<String> {
        stored(conn, number).unwrap().map(|c| c.route.dial)
    }

    fn member(number: &str, delay: u32) -> Member {
        Member {
            number: number.into(),
            delay,
            active: true,
        }
    }

    fn set_members(conn: &mut Connection, group: &str, members: &[Member]) {
        write_in(conn, |tx| {
            replace_members(tx, group, members)?;
            recompile(tx, &[group])
        })
        .unwrap();
    }

    #[test]
    fn the_migration_keeps_the_extensions_table_whole() {
        let conn = test_conn();
        let triggers: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'extensions' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            triggers,
            [
                "outbox_extension_created",
                "outbox_extension_deleted",
                "outbox_extension_updated",
                "outbox_handset_bound",
                "outbox_handset_unbound",
                "phonebook_extension_added",
                "phonebook_extension_changed",
                "phonebook_extension_removed"
            ]
        );
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'extensions'
                 AND name IN ('extensions_owner', 'extensions_public')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 2);
        let fks: Vec<String> = conn
            .prepare("SELECT \"table\" FROM pragma_foreign_key_list('extensions') ORDER BY 1")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(fks, ["api_keys", "devices", "users"]);
    }

    #[test]
    fn migrating_an_existing_database_keeps_its_rows_and_compiles_their_routes() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::configure(&conn, std::time::Duration::from_millis(100)).unwrap();
        crate::db::migrations().to_version(&mut conn, 10).unwrap();
        let s = Settings::default();
        write_in(&mut conn, |tx| {
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, created_at)
                 VALUES ('ann', 'Ann', 'x', 0)",
                [],
            )?;
            let creds = crate::db::devices::create(
                tx,
                crate::db::devices::DeviceKind::Sip,
                crate::domain::CONTEXT_EXTENSIONS,
                "\"A\" <2001>",
                &crate::db::pjsip::EndpointDefaults::from_settings(&s),
            )?;
            crate::db::numbers::assign(tx, "2001", &creds.username, crate::db::numbers::NumberKind::Extension)?;
            tx.execute(
                "INSERT INTO extensions (number, name, kind, owner_id, device_id, created_at, updated_at)
                 VALUES ('2001', 'A', 'sip', 1, ?1, 5, 6)",
                [&creds.username],
            )?;
            tx.execute(
                "INSERT INTO extensions (number, name, kind, token, created_at, updated_at)
                 VALUES ('2002', 'B', 'handset', '12345678', 5, 6)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
        let events_before: i64 = conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        // 011 and every migration after it.
        assert_eq!(
            crate::db::migrate(&mut conn).unwrap(),
            crate::db::MIGRATIONS.len() - 10
        );
        let problems: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(problems, 0, "every foreign key still holds");
        let a = extensions::get(&conn, "2001").unwrap();
        assert_eq!(
            (a.owner_username.as_deref(), a.created_at),
            (Some("ann"), 5)
        );
        assert_eq!(
            dial(&conn, "2001"),
            Some(format!("PJSIP/{}", a.device_id.unwrap()))
        );
        assert_eq!(
            dial(&conn, "2002"),
            Some(String::new()),
            "unbound: nothing to ring"
        );
        let events_after: i64 = conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(events_before, events_after, "copying the rows is no event");
        // The rebuilt table still fires its triggers.
        claim(&mut conn, "2003", ExtensionKind::Group);
        let kind: String = conn
            .query_row(
                "SELECT json_extract(data, '$.kind') FROM outbox ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kind, "group");
    }

    #[test]
    fn a_desk_group_warns_until_a_member_can_ring_and_is_listed_as_a_group() {
        let mut conn = test_conn();
        let s = Settings::default();
        claim(&mut conn, "2001", ExtensionKind::Sip);
        let desk = NewExtension {
            owner_id: None,
            number: "112".into(),
            name: "Emergency".into(),
            kind: ExtensionKind::Group,
            public: true,
            authority: Authority::Admin,
        };
        write_in_as(&mut conn, |tx| extensions::create(tx, &s, &desk)).unwrap();
        let warnings = crate::db::numbering::desk_warnings(&conn, &s).unwrap();
        let w = warnings.iter().find(|w| w.number == "112").unwrap();
        assert_eq!(w.state, crate::domain::numbering::DeskState::GroupUnstaffed);
        set_members(&mut conn, "112", &[member("2001", 0)]);
        let warnings = crate::db::numbering::desk_warnings(&conn, &s).unwrap();
        assert!(warnings.iter().all(|w| w.number != "112"), "{warnings:?}");
        let (_, book) = crate::db::phonebook::load(&conn).unwrap();
        let kinds: Vec<_> = book
            .entries()
            .iter()
            .map(|e| (e.number.as_str(), e.kind))
            .collect();
        assert!(
            kinds.contains(&("112", crate::phonebook::EntryKind::Group)),
            "{kinds:?}"
        );
        assert!(kinds.contains(&("2001", crate::phonebook::EntryKind::Extension)));
    }

    #[test]
    fn a_group_can_never_get_a_device_or_token() {
        let mut conn = test_conn();
        claim(&mut conn, "2001", ExtensionKind::Group);
        let bad = conn.execute(
            "UPDATE extensions SET token = '12345678' WHERE number = '2001'",
            [],
        );
        assert!(bad.is_err());
    }

    #[test]
    fn changes_recompile_the_number_and_every_group_above_it() {
        let mut conn = test_conn();
        let s = Settings::default();
        claim(&mut conn, "2001", ExtensionKind::Sip);
        let extensions::Created::Handset { token } =
            claim(&mut conn, "2002", ExtensionKind::Handset)
        else {
            panic!("handset")
        };
        claim(&mut conn, "2100", ExtensionKind::Group);
        claim(&mut conn, "2200", ExtensionKind::Group);
        set_members(&mut conn, "2100", &[member("2001", 0), member("2002", 5)]);
        set_members(&mut conn, "2200", &[member("2100", 10)]);
        let e1 = endpoint(&conn, "2001");
        assert_eq!(dial(&conn, "2100"), Some(format!("PJSIP/{e1}")));
        assert_eq!(
            dial(&conn, "2200"),
            Some("Local/042200000@eventpbx-leg/n".into())
        );

        // Binding the handset of 2002 makes both groups ring it.
        let plan = handsets::TemporaryPlan::from_settings(&s);
        let h = write_in(&mut conn, |tx| handsets::create_temporary(tx, &plan)).unwrap();
        let e2 = h.credentials.username.clone();
        write_in(&mut conn, |tx| handsets::bind(tx, &e2, &token, 1)).unwrap();
        assert_eq!(dial(&conn, "2002"), Some(format!("PJSIP/{e2}")));
        let inner = stored(&conn, "2100").unwrap().unwrap();
        assert_eq!(inner.legs.len(), 1);
        assert_eq!(
            (inner.legs[0].endpoints.join("&"), inner.legs[0].delay),
            (e2.clone(), 5)
        );
        let outer = stored(&conn, "2200").unwrap().unwrap();
        assert_eq!(
            outer.legs.iter().map(|l| l.delay).collect::<Vec<_>>(),
            [10, 15]
        );

        // Unbinding takes it out again, everywhere.
        write_in(&mut conn, |tx| handsets::unbind(tx, "2002", &plan, 10)).unwrap();
        assert_eq!(dial(&conn, "2002"), Some(String::new()));
        assert_eq!(stored(&conn, "2200").unwrap().unwrap().legs.len(), 1);

        // Settings of a member change its own route, not the groups' (forwarding is not
        // followed inside groups), but its DND does.
        let mut p = preferences(&conn, "2001").unwrap();
        p.dnd = true;
        write_in(&mut conn, |tx| {
            set_preferences(tx, "2001", &p)?;
            recompile(tx, &["2001"])
        })
        .unwrap();
        assert!(stored(&conn, "2001").unwrap().unwrap().route.busy_now);
        assert_eq!(dial(&conn, "2100"), Some(String::new()));
        assert_eq!(dial(&conn, "2200"), Some(String::new()));
    }

    #[test]
    fn deleting_an_extension_recompiles_its_groups_and_who_forwarded_to_it() {
        let mut conn = test_conn();
        let s = Settings::default();
        claim(&mut conn, "2001", ExtensionKind::Sip);
        claim(&mut conn, "2002", ExtensionKind::Sip);
        claim(&mut conn, "2100", ExtensionKind::Group);
        set_members(&mut conn, "2100", &[member("2001", 0), member("2002", 0)]);
        let mut p = preferences(&conn, "2002").unwrap();
        p.forward.busy = Some("2001".into());
        write_in(&mut conn, |tx| {
            set_preferences(tx, "2002", &p)?;
            recompile(tx, &["2002"])
        })
        .unwrap();
        assert_eq!(
            stored(&conn, "2002").unwrap().unwrap().route.on_busy,
            "2001"
        );
        write_in(&mut conn, |tx| extensions::delete(tx, &s, "2001")).unwrap();
        assert_eq!(stored(&conn, "2001").unwrap(), None);
        assert_eq!(stored(&conn, "2002").unwrap().unwrap().route.on_busy, "");
        assert_eq!(preferences(&conn, "2002").unwrap().forward.busy, None);
        let e2 = endpoint(&conn, "2002");
        assert_eq!(dial(&conn, "2100"), Some(format!("PJSIP/{e2}")));
        assert_eq!(members(&conn, "2100").unwrap(), [member("2002", 0)]);
        // A deleted group's legs go with its route.
        write_in(&mut conn, |tx| extensions::delete(tx, &s, "2100")).unwrap();
        let legs: i64 = conn
            .query_row("SELECT count(*) FROM route_legs", [], |r| r.get(0))
            .unwrap();
        assert_eq!((dial(&conn, "2100"), legs), (None, 0));
    }

    #[test]
    fn recompile_all_agrees_with_the_incremental_rows() {
        let mut conn = test_conn();
        for n in ["2001", "2002", "2003"] {
            claim(&mut conn, n, ExtensionKind::Sip);
        }
        claim(&mut conn, "2100", ExtensionKind::Group);
        claim(&mut conn, "2200", ExtensionKind::Group);
        set_members(&mut conn, "2100", &[member("2001", 0), member("2002", 3)]);
        set_members(&mut conn, "2200", &[member("2100", 2), member("2003", 0)]);
        let snapshot = |conn: &Connection| {
            ["2001", "2002", "2003", "2100", "2200"]
                .map(|n| stored(conn, n).unwrap())
                .to_vec()
        };
        let incremental = snapshot(&conn);
        assert_eq!(write_in(&mut conn, recompile_all).unwrap(), 5);
        assert_eq!(snapshot(&conn), incremental);
        assert_eq!(with_ancestors(&conn, &["2001"]).unwrap().len(), 3);
    }

    #[test]
    fn membership_rows_and_invitations() {
        let mut conn = test_conn();
        claim(&mut conn, "2001", ExtensionKind::Sip);
        claim(&mut conn, "2002", ExtensionKind::Sip);
        claim(&mut conn, "2100", ExtensionKind::Group);
        set_members(&mut conn, "2100", &[member("2001", 0), member("2002", 5)]);
        set_members(&mut conn, "2100", &[member("2002", 7)]);
        assert_eq!(members(&conn, "2100").unwrap(), [member("2002", 7)]);
        assert!(write_in(&mut conn, |tx| set_member_active(tx, "2100", "2002", false)).unwrap());
        assert_eq!(membership(&conn, "2100", "2002").unwrap(), Some(false));
        assert!(!write_in(&mut conn, |tx| set_member_active(tx, "2100", "2001", false)).unwrap());
        write_in(&mut conn, |tx| invite(tx, "2100", "2001", 4)).unwrap();
        write_in(&mut conn, |tx| invite(tx, "2100", "2001", 9)).unwrap();
        let inv = invitation(&conn, "2100", "2001").unwrap().unwrap();
        assert_eq!(inv.delay, 9);
        assert_eq!(invitations_of(&conn, "2100").unwrap().len(), 1);
        assert!(write_in(&mut conn, |tx| remove_invitation(tx, "2100", "2001")).unwrap());
        assert!(!write_in(&mut conn, |tx| remove_invitation(tx, "2100", "2001")).unwrap());
        let kinds: Vec<String> = conn
            .prepare("SELECT type FROM outbox WHERE type LIKE 'group.%' ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            kinds,
            [
                "group.member_added",
                "group.member_added",
                "group.member_removed",
                "group.member_updated",
                "group.member_updated",
                "group.invitation_created",
                "group.invitation_removed"
            ]
        );
    }
}
