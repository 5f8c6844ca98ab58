//! How long recompiling routing takes after one change, with 5,000 extensions and 200 groups
//! (issue 12: target < 50 ms): `cargo run --release --example routing_recompile`.
//!
//! Builds a database file in a temporary folder: 5,000 SIP extensions, 200 groups of 25
//! members each (every tenth group also holds two other groups, so changes ripple upwards),
//! then times transactions that change one thing and recompile what it affects, commit
//! included, as the service does: a member's DND (its route and every group above it), a
//! group's member list, and a handset bind/unbind of a group member. Also times recompile_all.
//! ROUTING_ROUNDS (default 50) sets how many of each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use eventpbx::config::Settings;
use eventpbx::db::extensions::{self, NewExtension};
use eventpbx::db::routing;
use eventpbx::db::{write_in, DbError};
use eventpbx::domain::numbering::Authority;
use eventpbx::domain::routing::Member;
use eventpbx::domain::ExtensionKind;

const EXTENSIONS: usize = 5_000;
const GROUPS: usize = 200;
const MEMBERS: usize = 25;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what:<44} median {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn main() {
    let rounds: usize = std::env::var("ROUTING_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::default();
    let path = dir.path().join("eventpbx.db");
    let (mut conn, _) = eventpbx::db::open_and_migrate(&path, Duration::from_secs(5)).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();

    let started = Instant::now();
    let new = |number: String, kind| NewExtension {
        owner_id: None,
        number,
        name: "Member".into(),
        kind,
        public: true,
        authority: Authority::Attendee,
    };
    write_in(&mut conn, |tx| {
        for i in 0..EXTENSIONS {
            let kind = if i % 10 == 0 {
                ExtensionKind::Handset
            } else {
                ExtensionKind::Sip
            };
            extensions::create(tx, &settings, &new(format!("{}", 2_000 + i), kind))
                .map_err(|e| DbError::Conflict(e.to_string()))?;
        }
        for g in 0..GROUPS {
            let group = format!("{}", 7_000 + g);
            extensions::create(tx, &settings, &new(group.clone(), ExtensionKind::Group))
                .map_err(|e| DbError::Conflict(e.to_string()))?;
            let mut members: Vec<Member> = (0..MEMBERS)
                .map(|m| Member {
                    number: format!("{}", 2_000 + (g * MEMBERS + m) % EXTENSIONS),
                    delay: u32::try_from(m % 4 * 5).unwrap(),
                    active: m % 7 != 0,
                })
                .collect();
            if g % 10 == 9 {
                for below in [g - 1, g - 2] {
                    members.push(Member {
                        number: format!("{}", 7_000 + below),
                        delay: 10,
                        active: true,
                    });
                }
            }
            routing::replace_members(tx, &group, &members)?;
            routing::recompile(tx, &[&group])?;
        }
        Ok(())
    })
    .unwrap();
    println!(
        "{EXTENSIONS} extensions, {GROUPS} groups of {MEMBERS} built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")
        .unwrap();

    // A member of nested groups: 2,000 + (g*25 + m) for g = 7 (inside 7,009).
    let member = format!("{}", 2_000 + 7 * MEMBERS + 1);
    let mut dnd_times = Vec::new();
    for round in 0..rounds {
        let t = Instant::now();
        let touched = write_in(&mut conn, |tx| {
            let mut p = routing::preferences(tx, &member)?;
            p.dnd = round % 2 == 0;
            routing::set_preferences(tx, &member, &p)?;
            routing::recompile(tx, &[&member])
        })
        .unwrap();
        dnd_times.push(t.elapsed());
        assert!(touched >= 3, "the member, its group and the group above");
    }
    report("member DND on/off (+ its groups)", dnd_times);

    let group = format!("{}", 7_000 + 8);
    let mut member_times = Vec::new();
    for round in 0..rounds {
        let t = Instant::now();
        write_in(&mut conn, |tx| {
            let mut members = routing::members(tx, &group)?;
            members[0].delay = u32::try_from(round % 2).unwrap();
            routing::replace_members(tx, &group, &members)?;
            routing::recompile(tx, &[&group])
        })
        .unwrap();
        member_times.push(t.elapsed());
    }
    report("a group's member list (+ the group above)", member_times);

    let mut all_times = Vec::new();
    for _ in 0..rounds.min(10) {
        let t = Instant::now();
        write_in(&mut conn, routing::recompile_all).unwrap();
        all_times.push(t.elapsed());
    }
    report("recompile_all (5,200 routes)", all_times);
    let (routes, legs): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM routes), (SELECT count(*) FROM route_legs)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!("{routes} routes, {legs} legs");
}
