//! The readable plan of a number, from the stored rows Asterisk executes ("why did it ring
//! there?").

use super::{Result, RouteChangeError};
use crate::db::extensions;
use crate::db::routing as store;
use crate::db::{Db, DbError};
use crate::domain::routing::{self, Compiled, Member, Preferences};
use crate::domain::ExtensionKind;

/// One device a number rings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring {
    /// The extension whose device it is.
    pub number: String,
    /// Its name.
    pub name: String,
    /// The device's endpoint id.
    pub endpoint: String,
    /// Seconds after the call starts.
    pub delay: u32,
    /// Seconds it rings after that.
    pub rings_for: u32,
    /// Its call waiting: off means it is left out while in a call.
    pub call_waiting: bool,
}

/// What calling a number does, read from the stored plan Asterisk executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePlan {
    /// The number.
    pub number: String,
    /// Extension or group.
    pub kind: ExtensionKind,
    /// Always forwarded at once to this number (nothing rings).
    pub forward: Option<String>,
    /// Do-not-disturb: straight to `on_busy`.
    pub busy_now: bool,
    /// Who rings when, earliest first.
    pub rings: Vec<Ring>,
    /// Seconds the whole call rings before `on_noanswer`.
    pub timeout: u32,
    /// A group's name as its members see it.
    pub via: Option<String>,
    /// Where a busy call goes (None: busy tone).
    pub on_busy: Option<String>,
    /// Where an unanswered call goes (None: busy for groups, hang up for extensions).
    pub on_noanswer: Option<String>,
    /// Where a call goes when nothing could ring (None: "not reachable").
    pub on_unavailable: Option<String>,
    /// The settings behind it.
    pub preferences: Preferences,
    /// Members and pending invitations, for groups.
    pub members: Vec<Member>,
}

/// The readable plan of `number`: who rings when, and what busy, no answer and nobody
/// reachable do, read from the stored rows Asterisk executes.
pub async fn route(db: &Db, number: &str) -> Result<RoutePlan> {
    let number = number.to_string();
    let missing = number.clone();
    let plan = db
        .read(move |c| {
            let ext = extensions::get(c, &number)?;
            let Some(Compiled { route, legs }) = store::stored(c, &number)? else {
                return Ok(None);
            };
            let mut rings = rings(&route.dial, route.timeout, &legs);
            for ring in &mut rings {
                if let Some(owner) = store::extension_of_device(c, &ring.endpoint)? {
                    (ring.number, ring.name) = owner;
                }
            }
            let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
            Ok(Some(RoutePlan {
                number: route.number.clone(),
                kind: ext.kind,
                forward: some(&route.forward),
                busy_now: route.busy_now,
                rings,
                timeout: route.timeout,
                via: some(&route.via),
                on_busy: some(&route.on_busy),
                on_noanswer: some(&route.on_noanswer),
                on_unavailable: some(&route.on_unavailable),
                preferences: store::preferences(c, &number)?,
                members: store::members(c, &number)?,
            }))
        })
        .await
        .map_err(|e| match e {
            DbError::NotFound => RouteChangeError::NotFound(missing.clone()),
            other => other.into(),
        })?;
    plan.ok_or(RouteChangeError::NotFound(missing))
}

/// The rings of a dial list, without names yet.
/// A leg rings each of its endpoints (an extension's phone and browser phone) as one ring each.
fn rings(dial: &str, timeout: u32, legs: &[routing::LegRow]) -> Vec<Ring> {
    let ring = |endpoint: &str, delay, rings_for, call_waiting| Ring {
        number: String::new(),
        name: String::new(),
        endpoint: endpoint.to_string(),
        delay,
        rings_for,
        call_waiting,
    };
    dial.split('&')
        .filter(|t| !t.is_empty())
        .flat_map(|target| {
            if let Some(endpoint) = target.strip_prefix("PJSIP/") {
                return vec![ring(endpoint, 0, timeout, true)];
            }
            let leg = target
                .strip_prefix("Local/")
                .and_then(|t| t.split('@').next());
            legs.iter()
                .filter(|l| Some(l.leg.as_str()) == leg)
                .flat_map(|l| {
                    l.endpoints
                        .iter()
                        .map(|e| ring(e, l.delay, l.timeout, l.cw))
                })
                .collect()
        })
        .collect()
}
