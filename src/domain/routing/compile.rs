//! The compiler: from the [`Graph`] to the rows of `routes` and `route_legs`
//! (docs/routing.md, "The compiled plan"), flattening groups.

use std::collections::BTreeMap;

use super::{
    Graph, Node, Target, DEVICE_RING_SECS, LEG_CONTEXT, MAX_DEPTH, MAX_RINGING, MAX_VIA_CHARS,
};

/// A `routes` row (docs/routing.md: "The compiled plan").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRow {
    /// The dialled number.
    pub number: String,
    /// Go to this number at once; '' otherwise.
    pub forward: String,
    /// The Dial target list, `&`-joined; '' when nothing can ring.
    pub dial: String,
    /// Seconds Dial rings.
    pub timeout: u32,
    /// Groups: the cleaned name shown as `<caller> via <via>`; '' for extensions.
    pub via: String,
    /// Do-not-disturb: straight to the busy branch.
    pub busy_now: bool,
    /// Extensions with call waiting off: their endpoint; ''.
    pub cw_endpoint: String,
    /// Number on BUSY; '' = busy tone.
    pub on_busy: String,
    /// Number on NOANSWER; '' = busy for groups, hang up for extensions.
    pub on_noanswer: String,
    /// Number when nothing was reachable; '' = today's "not reachable".
    pub on_unavailable: String,
    /// A conference room: the dialplan hands the call to eventpbx's conference flow, and
    /// nothing else of the row applies.
    pub conference: bool,
}

/// A `route_legs` row: a delayed or call-waiting-off leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegRow {
    /// `{len:02}{number}{index:03}`.
    pub leg: String,
    /// The route it belongs to.
    pub number: String,
    /// The device's endpoint.
    pub endpoint: String,
    /// Seconds to wait before ringing.
    pub delay: u32,
    /// Seconds to ring after the delay.
    pub timeout: u32,
    /// Call waiting on.
    pub cw: bool,
}

/// The compiled rows of one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// Its `routes` row.
    pub route: RouteRow,
    /// Its `route_legs` rows, by index.
    pub legs: Vec<LegRow>,
}

/// The leg id: two-digit length of the number, the number, three-digit index.
pub fn leg_id(number: &str, index: usize) -> String {
    format!("{:02}{number}{index:03}", number.len())
}

/// A group's name as Asterisk may show it: letters, digits, space and `.-_'` only, runs of
/// spaces made one, at most [`MAX_VIA_CHARS`]; the number when nothing is left.
pub fn clean_via(name: &str, number: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let keep = c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '\'');
        if keep {
            out.push(c);
        } else if c.is_whitespace() && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    let cleaned: String = out.trim_end().chars().take(MAX_VIA_CHARS).collect();
    let cleaned = cleaned.trim_end();
    if cleaned.is_empty() {
        number.to_string()
    } else {
        cleaned.to_string()
    }
}

/// An endpoint id eventpbx made (letters, digits, `_`, `-`): anything else never reaches a
/// Dial string.
fn safe_endpoint(endpoint: &str) -> bool {
    !endpoint.is_empty()
        && endpoint
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The endpoints an extension rings, its device's first, then its browser phone's; only ids
/// [`safe_endpoint`] accepts. None for a group or a room.
fn endpoints(node: &Node) -> Vec<&str> {
    match &node.target {
        Target::Device(device) => device
            .iter()
            .chain(node.browser.iter())
            .map(String::as_str)
            .filter(|e| safe_endpoint(e))
            .collect(),
        Target::Group(_) | Target::Conference => Vec::new(),
    }
}

/// One device a group rings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ringing {
    delay: u32,
    number: String,
    endpoint: String,
    call_waiting: bool,
}

/// Every device reachable from `group` through active memberships, with the summed delay;
/// a device reached twice keeps its smallest delay. Members with DND or without a device are
/// left out; members' forwarding is not followed, their call waiting is.
fn flatten(graph: &Graph, group: &Node) -> Vec<Ringing> {
    let mut best: BTreeMap<String, Ringing> = BTreeMap::new();
    let mut path = vec![group.number.clone()];
    walk(graph, group, 0, &mut path, &mut best);
    let mut ringing: Vec<Ringing> = best.into_values().collect();
    ringing
        .sort_by(|a, b| (a.delay, &a.number, &a.endpoint).cmp(&(b.delay, &b.number, &b.endpoint)));
    ringing
}

fn walk(
    graph: &Graph,
    group: &Node,
    base: u32,
    path: &mut Vec<String>,
    best: &mut BTreeMap<String, Ringing>,
) {
    for m in group.members().iter().filter(|m| m.active) {
        let Some(node) = graph.get(&m.number) else {
            continue;
        };
        if node.prefs.dnd || path.contains(&m.number) {
            continue;
        }
        let delay = base + m.delay;
        match &node.target {
            Target::Device(_) => {
                for endpoint in endpoints(node) {
                    let candidate = Ringing {
                        delay,
                        number: node.number.clone(),
                        endpoint: endpoint.to_string(),
                        call_waiting: node.prefs.call_waiting,
                    };
                    best.entry(endpoint.to_string())
                        .and_modify(|r| {
                            if delay < r.delay {
                                *r = candidate.clone();
                            }
                        })
                        .or_insert(candidate);
                }
            }
            Target::Conference => {}
            Target::Group(_) if path.len() < MAX_DEPTH => {
                path.push(m.number.clone());
                walk(graph, node, delay, path, best);
                path.pop();
            }
            Target::Group(_) => {}
        }
    }
}

/// Compiles the rows of `number`; None if the graph does not hold it. The graph must hold
/// everything below it (a group's members, transitively).
pub fn compile(graph: &Graph, number: &str) -> Option<Compiled> {
    let node = graph.get(number)?;
    let prefs = &node.prefs;
    let f = &prefs.forward;
    let mut route = RouteRow {
        number: number.to_string(),
        forward: match (&f.always, f.always_after) {
            (Some(target), None) => target.clone(),
            _ => String::new(),
        },
        dial: String::new(),
        timeout: DEVICE_RING_SECS,
        via: String::new(),
        busy_now: prefs.dnd,
        cw_endpoint: String::new(),
        on_busy: f.busy.clone().unwrap_or_default(),
        on_noanswer: String::new(),
        on_unavailable: f.unavailable.clone().unwrap_or_default(),
        conference: false,
    };
    let ringing = match &node.target {
        // A room forwards nowhere and rings nobody: its callers talk to each other.
        Target::Conference => {
            let route = RouteRow {
                forward: String::new(),
                busy_now: false,
                on_busy: String::new(),
                on_unavailable: String::new(),
                conference: true,
                ..route
            };
            return Some(Compiled {
                route,
                legs: Vec::new(),
            });
        }
        Target::Device(_) => {
            if let (Some(target), Some(after)) = (&f.always, f.always_after) {
                (route.timeout, route.on_noanswer) = (after, target.clone());
            } else if let Some(target) = &f.no_answer {
                (route.timeout, route.on_noanswer) = (f.no_answer_after, target.clone());
            }
            let endpoints = endpoints(node);
            // The busy check counts one endpoint's calls: the phone's, or the browser phone's
            // when the extension has no phone (an unbound handset).
            if let (Some(first), false) = (endpoints.first(), prefs.call_waiting) {
                route.cw_endpoint = first.to_string();
            }
            endpoints
                .into_iter()
                .map(|endpoint| Ringing {
                    delay: 0,
                    number: number.to_string(),
                    endpoint: endpoint.to_string(),
                    call_waiting: prefs.call_waiting,
                })
                .collect()
        }
        Target::Group(_) => {
            route.timeout = prefs.ring_timeout;
            route.via = clean_via(&node.name, number);
            route.on_noanswer = prefs.fallback.clone().unwrap_or_default();
            if route.on_unavailable.is_empty() {
                route.on_unavailable = route.on_noanswer.clone();
            }
            flatten(graph, node)
        }
    };
    let mut legs = Vec::new();
    let mut dial = Vec::new();
    if !prefs.dnd {
        let rings_in_time = ringing.into_iter().filter(|r| r.delay < route.timeout);
        for r in rings_in_time.take(MAX_RINGING) {
            if r.delay == 0 && r.call_waiting {
                dial.push(format!("PJSIP/{}", r.endpoint));
                continue;
            }
            let leg = leg_id(number, legs.len());
            dial.push(format!("Local/{leg}@{LEG_CONTEXT}/n"));
            legs.push(LegRow {
                leg,
                number: number.to_string(),
                endpoint: r.endpoint,
                delay: r.delay,
                timeout: route.timeout - r.delay,
                cw: r.call_waiting,
            });
        }
    }
    route.dial = dial.join("&");
    Some(Compiled { route, legs })
}
