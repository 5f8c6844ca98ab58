//! The list of migrations embedded in the binary (`migrations/NNN_name.sql`), and the one
//! hook a migration needs beyond its SQL.

use rusqlite::Transaction;
use rusqlite_migration::{Migrations, M};

/// Migrations in order, embedded in the binary. File names are `NNN_name.sql`.
pub(crate) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "001_initial",
        include_str!("../../migrations/001_initial.sql"),
    ),
    (
        "002_handsets",
        include_str!("../../migrations/002_handsets.sql"),
    ),
    ("003_web", include_str!("../../migrations/003_web.sql")),
    (
        "004_phonebook",
        include_str!("../../migrations/004_phonebook.sql"),
    ),
    (
        "005_outbox",
        include_str!("../../migrations/005_outbox.sql"),
    ),
    (
        "006_key_scopes",
        include_str!("../../migrations/006_key_scopes.sql"),
    ),
    (
        "007_web_limits",
        include_str!("../../migrations/007_web_limits.sql"),
    ),
    (
        "008_transfers",
        include_str!("../../migrations/008_transfers.sql"),
    ),
    (
        "009_contact_removal",
        include_str!("../../migrations/009_contact_removal.sql"),
    ),
    (
        "010_contact_writes",
        include_str!("../../migrations/010_contact_writes.sql"),
    ),
    (
        "011_routing",
        include_str!("../../migrations/011_routing.sql"),
    ),
    (
        "012_events",
        include_str!("../../migrations/012_events.sql"),
    ),
    ("013_omm", include_str!("../../migrations/013_omm.sql")),
    (
        "014_call_history",
        include_str!("../../migrations/014_call_history.sql"),
    ),
    (
        "015_omm_releases",
        include_str!("../../migrations/015_omm_releases.sql"),
    ),
    (
        "016_helpdesk",
        include_str!("../../migrations/016_helpdesk.sql"),
    ),
    ("017_stats", include_str!("../../migrations/017_stats.sql")),
    (
        "018_user_language",
        include_str!("../../migrations/018_user_language.sql"),
    ),
    (
        "019_webrtc",
        include_str!("../../migrations/019_webrtc.sql"),
    ),
    (
        "020_conferences",
        include_str!("../../migrations/020_conferences.sql"),
    ),
    (
        "021_call_waiting_lines",
        include_str!("../../migrations/021_call_waiting_lines.sql"),
    ),
];

/// The migrations that edit a table's stored definition (016: `users`, the help-desk role;
/// 020: `extensions`, conference rooms): their hook makes every connection reload the schema.
/// Found by name, not position, so the list may grow before them.
const SCHEMA_EDITS: &[&str] = &["016_helpdesk", "020_conferences"];

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .map(|(name, sql)| {
                if SCHEMA_EDITS.contains(name) {
                    M::up_with_hook(sql, bump_schema_version)
                } else {
                    M::up(sql)
                }
            })
            .collect(),
    )
}

/// After an edit of `sqlite_schema` (migrations 016 and 020), SQLite's documented last step: a new
/// schema version, so this and every other connection reload the tables' definitions.
fn bump_schema_version(tx: &Transaction<'_>) -> rusqlite_migration::HookResult {
    let version: i64 = tx.pragma_query_value(None, "schema_version", |r| r.get(0))?;
    tx.pragma_update(None, "schema_version", version + 1)?;
    Ok(())
}
