//! The DECT sync under load: `scripts/bench dect` runs this beside a real `eventpbx serve`
//! whose `[omm] url` points here. It serves the fake OMM of the tests (tests/omm/fake_omm.rs,
//! the same code) and lets OMM_LOAD_HANDSETS new handsets (default 500) subscribe, evenly
//! spread over OMM_LOAD_SECONDS (default 60), each with its `EventPPDevCnf` as a real OMM
//! sends it.
//!
//! A handset can dial the registration code once its OMM user, holding its SIP credentials,
//! is tied to it (`SetPP`): eventpbx commits the temporary account before it creates that
//! user, so the time from the subscription event to that `SetPP` is what is measured. Prints
//! p50/p99/max of it, checks afterwards that every OMM user's SIP password is the one in
//! eventpbx's database (OMM_LOAD_DB) and that each handset got its own device, and with
//! OMM_LOAD_PID_FILE (a file holding eventpbx's process id, read once eventpbx subscribed) the
//! CPU seconds that process spent from the first subscription to the last login.
//!
//! OMM_LOAD_LISTEN (default 127.0.0.1:12621), OMM_LOAD_WAIT (seconds to wait for eventpbx to
//! log in and subscribe, default 30).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/omm/fake_omm.rs"]
mod fake_omm;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use fake_omm::FakeOmm;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The process's user + system CPU seconds, from /proc (None without a process id).
fn cpu_seconds(pid: Option<&str>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = &stat[stat.rfind(") ")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().ok()? + fields[12].parse::<f64>().ok()?;
    // CLK_TCK is 100 on Linux x86_64 and arm64.
    Some(ticks / 100.0)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p).div_ceil(100).max(1) - 1]
}

#[tokio::main]
async fn main() {
    let n: u32 = env_or("OMM_LOAD_HANDSETS", "500").parse().unwrap();
    let spread = Duration::from_secs_f64(env_or("OMM_LOAD_SECONDS", "60").parse().unwrap());
    let wait = Duration::from_secs(env_or("OMM_LOAD_WAIT", "30").parse().unwrap());
    let omm = FakeOmm::start_on(&env_or("OMM_LOAD_LISTEN", "127.0.0.1:12621"), false).await;
    println!("fake OMM listening on {}", omm.addr);

    let until = Instant::now() + wait;
    while !omm.requests().iter().any(|r| r == "Subscribe") {
        assert!(
            Instant::now() < until,
            "eventpbx never subscribed to the OMM's events"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let the first walk over the (empty) device list finish.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = std::env::var("OMM_LOAD_PID_FILE")
        .ok()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .map(|p| p.trim().to_string());

    let cpu0 = cpu_seconds(pid.as_deref());
    let started = Instant::now();
    let gap = spread / n.max(1);
    for i in 0..n {
        omm.subscribe_handset(&format!("0310{i:09}"));
        tokio::time::sleep_until((started + gap * (i + 1)).into()).await;
    }
    let arrived = started.elapsed();
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting = omm
            .devices()
            .iter()
            .filter(|d| d.logged_in_at.is_none())
            .count();
        if waiting == 0 || Instant::now() > until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu1 = cpu_seconds(pid.as_deref());

    let devices = omm.devices();
    let mut latencies: Vec<Duration> = devices
        .iter()
        .filter_map(|d| Some(d.logged_in_at? - d.subscribed_at))
        .collect();
    latencies.sort();
    println!(
        "handsets: {n} subscribed within {:.1} s, {} logged in, {} not",
        arrived.as_secs_f64(),
        latencies.len(),
        devices.len() - latencies.len()
    );
    if !latencies.is_empty() {
        println!(
            "subscription event -> can dial the registration code: p50 {} ms, p99 {} ms, max {} ms",
            percentile(&latencies, 50).as_millis(),
            percentile(&latencies, 99).as_millis(),
            latencies[latencies.len() - 1].as_millis()
        );
    }
    if let (Some(a), Some(b)) = (cpu0, cpu1) {
        println!(
            "eventpbx CPU from the first subscription to the last login: {:.2} s",
            b - a
        );
    }

    // Every handset its own device, and the OMM holds exactly the password Asterisk checks.
    let users = omm.users();
    let mut bad = 0;
    let distinct: HashSet<&str> = users.iter().map(|u| u.num.as_str()).collect();
    if let Ok(path) = std::env::var("OMM_LOAD_DB") {
        let db =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        for u in &users {
            let stored: Option<String> = db
                .query_row(
                    "SELECT password FROM ps_auths WHERE id = ?1",
                    [&u.num],
                    |r| r.get(0),
                )
                .ok();
            if stored.is_none() || stored != u.sip_password || u.sip_auth_id != u.num {
                bad += 1;
            }
        }
    }
    println!(
        "OMM users: {}, distinct devices: {}, credentials not matching eventpbx's: {bad}",
        users.len(),
        distinct.len()
    );
    let ok = latencies.len() == n as usize
        && users.len() == n as usize
        && distinct.len() == n as usize
        && bad == 0;
    if !ok {
        std::process::exit(1);
    }
}
