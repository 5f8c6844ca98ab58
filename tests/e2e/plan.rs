//! The compiled routing plan (docs/routing.md) as the e2e tests write it, and test phones that
//! ring, answer late or refuse, with the times they saw each request.

use std::time::{Duration, Instant};

use eventpbx::config::Settings;
use eventpbx::db::DbError;

use crate::support::{root, sipp, sipp_file, Device, Sandbox, Sipp};

/// TEMPORARY, until migration 011 (the core engineer's, with the routing compiler) lands: the
/// plan tables exactly as docs/routing.md describes them, so the dialplan can be proven
/// against the real Asterisk before the compiler exists. Once 011 creates them, this is a
/// no-op (the sandbox migrates before any test runs) and should be deleted.
pub fn create_route_tables_if_missing(tx: &rusqlite::Transaction<'_>) -> Result<(), DbError> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS routes (
             number TEXT PRIMARY KEY NOT NULL,
             forward TEXT NOT NULL DEFAULT '',
             dial TEXT NOT NULL DEFAULT '',
             timeout INTEGER NOT NULL DEFAULT 0,
             via TEXT NOT NULL DEFAULT '',
             busy_now INTEGER NOT NULL DEFAULT 0,
             cw_endpoint TEXT NOT NULL DEFAULT '',
             on_busy TEXT NOT NULL DEFAULT '',
             on_noanswer TEXT NOT NULL DEFAULT '',
             on_unavailable TEXT NOT NULL DEFAULT ''
         );
         CREATE TABLE IF NOT EXISTS route_legs (
             leg TEXT PRIMARY KEY NOT NULL,
             number TEXT NOT NULL DEFAULT '',
             endpoint TEXT NOT NULL DEFAULT '',
             delay INTEGER NOT NULL DEFAULT 0,
             timeout INTEGER NOT NULL DEFAULT 0,
             cw INTEGER NOT NULL DEFAULT 0
         );",
    )?;
    Ok(())
}

/// One `routes` row, as the compiler would write it.
#[derive(Debug, Clone, Default)]
pub struct Route {
    pub number: String,
    pub forward: String,
    pub dial: String,
    pub timeout: u32,
    pub via: String,
    pub busy_now: bool,
    pub cw_endpoint: String,
    pub on_busy: String,
    pub on_noanswer: String,
    pub on_unavailable: String,
}

impl Route {
    /// A route for `number` that rings `dial` for `timeout` seconds and does nothing else.
    pub fn ring(number: &str, dial: &[String], timeout: u32) -> Route {
        Route {
            number: number.into(),
            dial: dial.join("&"),
            timeout,
            ..Route::default()
        }
    }
}

/// One `route_legs` row.
#[derive(Debug, Clone)]
pub struct Leg {
    pub leg: String,
    pub number: String,
    pub endpoint: String,
    pub delay: u32,
    pub timeout: u32,
    pub cw: bool,
}

impl Leg {
    /// Leg `index` of route `number` for `endpoint`.
    pub fn new(number: &str, index: u32, endpoint: &str, delay: u32, timeout: u32) -> Leg {
        Leg {
            leg: leg_id(number, index),
            number: number.into(),
            endpoint: endpoint.into(),
            delay,
            timeout,
            cw: true,
        }
    }

    /// The Dial target that runs this leg.
    pub fn target(&self) -> String {
        format!("Local/{}@eventpbx-leg/n", self.leg)
    }
}

/// docs/routing.md: two digits of the number's length, the number, a three-digit index.
pub fn leg_id(number: &str, index: u32) -> String {
    format!("{:02}{number}{index:03}", number.len())
}

/// The Dial target of a device that rings at once.
pub fn pjsip(device: &Device) -> String {
    format!("PJSIP/{}", device.username)
}

impl Sandbox {
    /// Writes plan rows, replacing rows of the same numbers and legs.
    pub async fn plan(&self, routes: Vec<Route>, legs: Vec<Leg>) {
        self.db
            .write(move |tx| {
                for r in &routes {
                    tx.execute(
                        "INSERT OR REPLACE INTO routes (number, forward, dial, timeout, via,
                             busy_now, cw_endpoint, on_busy, on_noanswer, on_unavailable)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        rusqlite::params![
                            r.number,
                            r.forward,
                            r.dial,
                            r.timeout,
                            r.via,
                            i64::from(r.busy_now),
                            r.cw_endpoint,
                            r.on_busy,
                            r.on_noanswer,
                            r.on_unavailable
                        ],
                    )?;
                }
                for l in &legs {
                    tx.execute(
                        "INSERT OR REPLACE INTO route_legs (leg, number, endpoint, delay, timeout, cw)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        rusqlite::params![
                            l.leg,
                            l.number,
                            l.endpoint,
                            l.delay,
                            l.timeout,
                            i64::from(l.cw)
                        ],
                    )?;
                }
                Ok(())
            })
            .await
            .expect("write plan rows");
    }
}

/// What a test phone does with the one call it gets.
#[derive(Debug, Clone, Copy)]
pub enum Phone {
    /// Rings until the caller cancels.
    Ring,
    /// Rings, answers after this many milliseconds, stays in the call until a BYE.
    AnswerAfter(u32),
    /// Answers with this final response (486 busy, 603 decline).
    Refuse(u16),
}

/// Registers `device` and starts a phone on its address that answers qualify OPTIONS and
/// treats one call as `phone` says; returns once Asterisk has qualified it (the member legs
/// ask DEVICE_STATE, which says UNAVAILABLE until then).
pub async fn registered(sb: &Sandbox, device: &Device, phone: Phone) -> Sipp {
    sipp(&sb.settings, "register", device, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    let run = listen(&sb.settings, device, phone);
    sb.wait_endpoint_state(&device.username, "online").await;
    run
}

/// A phone on the device's registered address (it must be registered already).
pub fn listen(settings: &Settings, device: &Device, phone: Phone) -> Sipp {
    match phone {
        Phone::Ring => sipp(settings, "ring", device, &[]),
        Phone::AnswerAfter(ms) => sipp(settings, "answer_after", device, &["-d", &ms.to_string()]),
        Phone::Refuse(code) => {
            // sipp checks response codes when it loads a scenario, so -key cannot give one.
            let (dir, path) = rendered("refuse.xml", "[code]", &code.to_string());
            sipp_file(settings, &path, device, device.port, &[]).keep(dir)
        }
    }
}

/// A scenario from tests/sipp with `marker` replaced, in a folder the run must keep.
fn rendered(name: &str, marker: &str, value: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let text =
        std::fs::read_to_string(root().join("tests/sipp").join(name)).expect("scenario template");
    assert!(text.contains(marker), "{name} has no {marker}");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, text.replace(marker, value)).expect("write scenario");
    (dir, path)
}

/// Calls `to` as `device` and expects the final response `code` (a refused call).
pub fn call_refused(settings: &Settings, device: &Device, to: &str, code: u16) -> Sipp {
    let (dir, path) = rendered("call_refused.xml", "EXPECTED", &code.to_string());
    let run = sipp_file(
        settings,
        &path,
        device,
        device.port + 1,
        &["-m", "1", "-key", "dial", to],
    );
    run.keep(dir)
}

/// Times (seconds, on the local clock sipp logs) at which `method` requests were received.
pub fn received_at(messages: &str, method: &str) -> Vec<f64> {
    messages
        .split("----------------------------------------------- ")
        .filter_map(|block| {
            let mut parts = block.splitn(3, '\n');
            let stamp = parts.next()?;
            let what = parts.next()?;
            let body = parts.next()?.trim_start();
            (what.contains("message received") && body.starts_with(&format!("{method} ")))
                .then(|| seconds(stamp.trim()))
                .flatten()
        })
        .collect()
}

/// "2026-12-02 04:20:51.754211" as seconds since 1970 (days counted from the civil date).
fn seconds(stamp: &str) -> Option<f64> {
    let (date, time) = stamp.split_once([' ', '\t'])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.trim().split(':');
    let (h, min, s) = (
        t.next()?.parse::<f64>().ok()?,
        t.next()?.parse::<f64>().ok()?,
        t.next()?.parse::<f64>().ok()?,
    );
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + s)
}

/// Waits until the running phone has received `method`, up to `within`.
pub async fn wait_request(run: &Sipp, method: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let text = run.messages_so_far();
        if !received_at(&text, method).is_empty() {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} got no {method} within {within:?}:\n{text}",
            run.name
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn sipp_timestamps_parse() {
    let a = seconds("2026-12-02 04:20:51.754211").unwrap();
    let b = seconds("2026-12-03 00:00:01.000000").unwrap();
    assert!((b - a - (86_400.0 - 4.0 * 3600.0 - 20.0 * 60.0 - 51.754211 + 1.0)).abs() < 1e-3);
    assert!((seconds("1970-01-01 00:00:00.5").unwrap() - 0.5).abs() < 1e-9);
}
