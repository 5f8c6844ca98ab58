//! What one handset bind costs the database, without Asterisk (issue 11's registration
//! figure): `cargo run --release --example bind_cost`.
//!
//! Builds a database file in a temporary folder with 2,000 SIP extensions, then BIND_ROUNDS
//! (default 500) handset extensions and as many temporary handsets, and binds each handset to
//! its extension in its own `BEGIN IMMEDIATE` transaction, commit included, as the call task
//! does (`db::handsets::bind`). Prints the thread CPU time per bind (p50, p99) and the pages
//! one bind appends to the WAL (every page is a 4 KiB `pwrite` at commit).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eventpbx::config::Settings;
use eventpbx::db::extensions::{self, Created, NewExtension};
use eventpbx::db::handsets::{self, BindOutcome, TemporaryPlan};
use eventpbx::db::{write_in, DbError};
use eventpbx::domain::numbering::Authority;
use eventpbx::domain::ExtensionKind;

const EXTENSIONS: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Frames in the WAL right now (the second column of a checkpoint's answer); the loop below
/// truncates the WAL after each bind, so the difference is that bind's pages.
fn wal_frames(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
        .unwrap()
}

fn main() {
    let rounds: usize = std::env::var("BIND_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::default();
    let plan = TemporaryPlan::from_settings(&settings);
    let path = dir.path().join("eventpbx.db");
    let (mut conn, _) = eventpbx::db::open_and_migrate(&path, Duration::from_secs(5)).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();

    let new = |number: String, kind| NewExtension {
        owner_id: None,
        number,
        name: "Attendee".into(),
        kind,
        public: true,
        authority: Authority::Attendee,
    };
    let pairs: Vec<(String, String)> = write_in(&mut conn, |tx| {
        for i in 0..EXTENSIONS {
            extensions::create(
                tx,
                &settings,
                &new(format!("{}", 2_000 + i), ExtensionKind::Sip),
            )
            .map_err(|e| DbError::Conflict(e.to_string()))?;
        }
        let mut pairs = Vec::new();
        for i in 0..rounds {
            let created = extensions::create(
                tx,
                &settings,
                &new(format!("{}", 5_000 + i), ExtensionKind::Handset),
            )
            .map_err(|e| DbError::Conflict(e.to_string()))?;
            let Created::Handset { token } = created else {
                unreachable!()
            };
            let handset = handsets::create_temporary(tx, &plan)?;
            pairs.push((handset.credentials.username, token));
        }
        Ok(pairs)
    })
    .unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let mut cpu = Vec::new();
    let mut frames = Vec::new();
    for (endpoint, token) in &pairs {
        let before = wal_frames(&conn);
        let started = cpu_time::ThreadTime::now();
        let outcome = write_in(&mut conn, |tx| {
            handsets::bind(tx, endpoint, token, eventpbx::db::now())
        })
        .unwrap();
        cpu.push(started.elapsed());
        assert!(matches!(outcome, BindOutcome::Bound { .. }), "{outcome:?}");
        frames.push(wal_frames(&conn) - before);
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    cpu.sort();
    frames.sort();
    println!(
        "{rounds} binds: CPU per bind p50 {} us, p99 {} us; WAL pages per bind p50 {}, max {}",
        percentile(&cpu, 0.5).as_micros(),
        percentile(&cpu, 0.99).as_micros(),
        frames[frames.len() / 2],
        frames.last().unwrap()
    );
}
