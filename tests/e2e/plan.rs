//! Routing set up the way eventpbx sets it up (the routing service on the shared database,
//! which compiles the plan of docs/routing.md), and test phones that ring, answer late or
//! refuse, with the times they saw each request.

use std::time::{Duration, Instant};

use std::sync::Arc;

use eventpbx::config::Settings;
use eventpbx::domain::numbering::Authority;
use eventpbx::service::extensions::{Actor, Owner};
use eventpbx::service::routing::{
    self, ForwardingChange, MemberRequest, NewGroup, RouteChangeError, RoutingChange,
};

use crate::support::{root, sipp, sipp_file, Device, Sandbox, Sipp};

/// One member of a group as the tests set it up: number, delay, active.
pub type M<'a> = (&'a str, u32, bool);

impl Sandbox {
    /// Creates group `number` called `name` through the routing service (as staff), which
    /// checks the rules and compiles the plan Asterisk then executes.
    pub async fn try_group(
        &self,
        number: &str,
        name: &str,
        members: &[M<'_>],
        ring_timeout: Option<u32>,
        fallback: Option<&str>,
    ) -> Result<(), RouteChangeError> {
        let group = NewGroup {
            owner: Owner::Nobody,
            number: number.into(),
            name: name.into(),
            public: true,
            members: requests(members),
            ring_timeout,
            fallback: fallback.map(str::to_string),
            authority: Authority::Admin,
            by: Actor::Staff,
            by_key: None,
        };
        routing::create_group(&self.db, Arc::new(self.settings.clone()), group).await
    }

    /// [`Sandbox::try_group`] that must succeed.
    pub async fn group(
        &self,
        number: &str,
        name: &str,
        members: &[M<'_>],
        ring_timeout: Option<u32>,
        fallback: Option<&str>,
    ) {
        self.try_group(number, name, members, ring_timeout, fallback)
            .await
            .unwrap_or_else(|e| panic!("group {number}: {e}"));
    }

    /// Replaces the members of `group` through the service.
    pub async fn try_members(
        &self,
        group: &str,
        members: &[M<'_>],
    ) -> Result<(), RouteChangeError> {
        routing::set_members(&self.db, group, requests(members), Actor::Staff)
            .await
            .map(|_| ())
    }

    /// Changes the routing settings of `number` through the service (as staff).
    pub async fn route_change(&self, number: &str, change: RoutingChange) {
        routing::change_routing(&self.db, number, change, Actor::Staff)
            .await
            .unwrap_or_else(|e| panic!("routing of {number}: {e}"));
    }

    /// Sets forwarding of `number` through the service.
    pub async fn forward(&self, number: &str, forward: ForwardingChange) {
        self.route_change(
            number,
            RoutingChange {
                forward,
                ..RoutingChange::default()
            },
        )
        .await;
    }

    /// Everything routing wrote: settings, memberships and the compiled plan, as text.
    pub async fn routing_state(&self) -> Vec<String> {
        self.db
            .read(|c| {
                let mut out = Vec::new();
                for q in [
                    "SELECT group_number || '>' || member_number || '|' || delay || '|' || active FROM group_members ORDER BY 1",
                    "SELECT number || '|' || forward || '|' || dial || '|' || timeout || '|' || via || '|' || busy_now || '|' || cw_line || '|' || on_busy || '|' || on_noanswer || '|' || on_unavailable FROM routes ORDER BY 1",
                    "SELECT leg || '|' || number || '|' || line || '|' || endpoints || '|' || delay || '|' || timeout || '|' || cw FROM route_legs ORDER BY 1",
                ] {
                    let mut stmt = c.prepare(q)?;
                    let rows: Vec<String> = stmt
                        .query_map([], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    out.push(rows.join("\n"));
                }
                Ok(out)
            })
            .await
            .expect("routing state")
    }
}

fn requests(members: &[M<'_>]) -> Vec<MemberRequest> {
    members
        .iter()
        .map(|&(number, delay, active)| MemberRequest {
            number: number.into(),
            delay,
            active,
        })
        .collect()
}

/// `Some(Some(n))`: a forwarding target to set.
pub fn to(number: &str) -> Option<Option<String>> {
    Some(Some(number.to_string()))
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
