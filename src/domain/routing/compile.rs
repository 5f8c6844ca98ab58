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
    /// Extensions with call waiting off: their number, the line whose calls are counted
    /// (every device of the extension, incoming and outgoing); ''.
    pub cw_line: String,
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

/// A `route_legs` row: a delayed or call-waiting-off leg. One leg rings every device of one
/// extension (its phone and its browser phone), so that extension's call waiting counts the
/// call once, however many devices ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegRow {
    /// `{len:02}{number}{index:03}`.
    pub leg: String,
    /// The route it belongs to.
    pub number: String,
    /// The extension whose devices it rings: the line its call-waiting check counts.
    pub line: String,
    /// The devices' endpoints, phone first; never empty.
    pub endpoints: Vec<String>,
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

/// One extension a route rings: all its devices at once.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ringing {
    delay: u32,
    number: String,
    endpoints: Vec<String>,
    call_waiting: bool,
}

impl Ringing {
    fn of(node: &Node, delay: u32) -> Option<Ringing> {
        let endpoints: Vec<String> = endpoints(node).into_iter().map(str::to_string).collect();
        (!endpoints.is_empty()).then(|| Ringing {
            delay,
            number: node.number.clone(),
            endpoints,
            call_waiting: node.prefs.call_waiting,
        })
    }
}

/// Every extension with a device reachable from `group` through active memberships, with the
/// summed delay; an extension reached twice keeps its smallest delay. Members with DND or
/// without a device are left out; members' forwarding is not followed, their call waiting is.
fn flatten(graph: &Graph, group: &Node) -> Vec<Ringing> {
    let mut best: BTreeMap<String, Ringing> = BTreeMap::new();
    let mut path = vec![group.number.clone()];
    walk(graph, group, 0, &mut path, &mut best);
    let mut ringing: Vec<Ringing> = best.into_values().collect();
    ringing.sort_by(|a, b| (a.delay, &a.number).cmp(&(b.delay, &b.number)));
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
                if let Some(candidate) = Ringing::of(node, delay) {
                    best.entry(node.number.clone())
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
        cw_line: String::new(),
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
            let ringing = Ringing::of(node, 0);
            // The busy check counts the line's calls: those of every device of the extension.
            if ringing.is_some() && !prefs.call_waiting {
                route.cw_line = number.to_string();
            }
            ringing.into_iter().collect()
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
        for r in ringing.into_iter().filter(|r| r.delay < route.timeout) {
            let direct = r.delay == 0 && r.call_waiting;
            let targets = if direct { r.endpoints.len() } else { 1 };
            if dial.len() + targets > MAX_RINGING {
                break;
            }
            if direct {
                dial.extend(r.endpoints.iter().map(|e| format!("PJSIP/{e}")));
                continue;
            }
            let leg = leg_id(number, legs.len());
            dial.push(format!("Local/{leg}@{LEG_CONTEXT}/n"));
            legs.push(LegRow {
                leg,
                number: number.to_string(),
                line: r.number,
                endpoints: r.endpoints,
                delay: r.delay,
                timeout: route.timeout - r.delay,
                cw: r.call_waiting,
            });
        }
    }
    route.dial = dial.join("&");
    Some(Compiled { route, legs })
}
