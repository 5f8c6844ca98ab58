//! Call routing as a pure function (docs/routing.md): the extension graph (extensions, groups,
//! memberships, forwarding, do-not-disturb, call waiting), its rules, and [`compile`], which
//! turns it into the plan rows Asterisk's dialplan executes through realtime. No I/O: the db
//! layer loads a [`Graph`] and writes what [`compile`] returns, in the same transaction.

mod compile;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::RangeInclusive;

pub use compile::{clean_via, compile, leg_id, Compiled, LegRow, RouteRow};

/// Deepest nesting of groups: a group of extensions is depth 1.
pub const MAX_DEPTH: usize = 8;
/// Member delays, seconds.
pub const DELAYS: RangeInclusive<u32> = 0..=300;
/// Group ring timeouts, seconds.
pub const RING_TIMEOUTS: RangeInclusive<u32> = 5..=300;
/// `always_after` and `no_answer_after`, seconds of ringing.
pub const AFTER: RangeInclusive<u32> = 1..=300;
/// A group's ring timeout when none is set.
pub const DEFAULT_RING_TIMEOUT: u32 = 30;
/// Ringing before the no-answer forwarding when no time is set.
pub const DEFAULT_NO_ANSWER_AFTER: u32 = 20;
/// How long an extension rings when no forwarding limits it.
pub const DEVICE_RING_SECS: u32 = 60;
/// Forwards per call the dialplan follows (`__EVENTPBX_HOPS`); beyond, the caller hears busy.
pub const MAX_HOPS: u32 = 5;
/// Longest `via` (characters).
pub const MAX_VIA_CHARS: usize = 40;
/// Most devices one route rings. Dial's argument is expanded into an 8 KiB buffer in
/// Asterisk, and a `Local/...` target is about 30 bytes: 100 keeps well inside it. Beyond,
/// the devices with the largest delays are left out.
pub const MAX_RINGING: usize = 100;
/// The dialplan context of delayed and call-waiting-off legs.
pub const LEG_CONTEXT: &str = "eventpbx-leg";

/// Where an extension forwards; targets are extension or group numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarding {
    /// Always forward here.
    pub always: Option<String>,
    /// ... after ringing this many seconds first (None: at once).
    pub always_after: Option<u32>,
    /// On busy (and on do-not-disturb).
    pub busy: Option<String>,
    /// When nobody answers within `no_answer_after`.
    pub no_answer: Option<String>,
    /// Seconds of ringing before `no_answer`.
    pub no_answer_after: u32,
    /// When nothing could ring (not registered, unreachable, no device).
    pub unavailable: Option<String>,
}

impl Default for Forwarding {
    fn default() -> Self {
        Forwarding {
            always: None,
            always_after: None,
            busy: None,
            no_answer: None,
            no_answer_after: DEFAULT_NO_ANSWER_AFTER,
            unavailable: None,
        }
    }
}

/// What a user set for one extension or group (the `routing` table; a missing row is
/// [`Default`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// Do not disturb: callers get busy (or the busy forwarding).
    pub dnd: bool,
    /// Off: a second call while in a call gets busy.
    pub call_waiting: bool,
    /// Forwarding targets.
    pub forward: Forwarding,
    /// Groups: how long the members ring.
    pub ring_timeout: u32,
    /// Groups: where a call goes when nobody answered (None: busy).
    pub fallback: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            dnd: false,
            call_waiting: true,
            forward: Forwarding::default(),
            ring_timeout: DEFAULT_RING_TIMEOUT,
            fallback: None,
        }
    }
}

/// One membership of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member: an extension or a group.
    pub number: String,
    /// Seconds after the call starts that it joins the ringing.
    pub delay: u32,
    /// False: paused by the member, does not ring.
    pub active: bool,
}

/// What a number reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An extension with its device's endpoint, if it has one (an unbound handset has none).
    Device(Option<String>),
    /// A group and its members in any order.
    Group(Vec<Member>),
    /// A conference room: eventpbx's conference flow answers it; as a group's member it
    /// rings nothing.
    Conference,
}

/// One extension or group of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Its number.
    pub number: String,
    /// Its name (a group's is shown to its members as `<caller> via <name>`).
    pub name: String,
    /// Device or members.
    pub target: Target,
    /// An extension's browser phone (issue 16): rung together with its device, at the same
    /// moment and with the same settings. None for groups.
    pub browser: Option<String>,
    /// Its settings.
    pub prefs: Preferences,
}

impl Node {
    /// Whether this is a group.
    pub fn is_group(&self) -> bool {
        matches!(self.target, Target::Group(_))
    }

    fn members(&self) -> &[Member] {
        match &self.target {
            Target::Group(members) => members,
            Target::Device(_) | Target::Conference => &[],
        }
    }
}

/// The part of the extension graph a change needs: loaded by the db layer, by number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    nodes: BTreeMap<String, Node>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds or replaces a node.
    pub fn insert(&mut self, node: Node) {
        self.nodes.insert(node.number.clone(), node);
    }

    /// The node of `number`, if loaded.
    pub fn get(&self, number: &str) -> Option<&Node> {
        self.nodes.get(number)
    }

    /// The node of `number` to change in place, if loaded.
    pub fn get_mut(&mut self, number: &str) -> Option<&mut Node> {
        self.nodes.get_mut(number)
    }

    /// Every node, by number.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }
}

/// Which forwarding setting (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `forward.always`.
    Always,
    /// `forward.always_after`.
    AlwaysAfter,
    /// `forward.busy`.
    Busy,
    /// `forward.no_answer`.
    NoAnswer,
    /// `forward.no_answer_after`.
    NoAnswerAfter,
    /// `forward.unavailable`.
    Unavailable,
    /// A group's `fallback`.
    Fallback,
    /// `call_waiting`.
    CallWaiting,
    /// A group's `ring_timeout`.
    RingTimeout,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::Always => "forwarding always",
            Setting::AlwaysAfter => "always_after",
            Setting::Busy => "forwarding on busy",
            Setting::NoAnswer => "forwarding on no answer",
            Setting::NoAnswerAfter => "no_answer_after",
            Setting::Unavailable => "forwarding when unavailable",
            Setting::Fallback => "the fallback",
            Setting::CallWaiting => "call waiting",
            Setting::RingTimeout => "ring timeout",
        })
    }
}

/// A path of numbers, printed `500 → 501 → 500`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(pub Vec<String>);

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" → "))
    }
}

/// Why a routing change is refused. The message says exactly what is wrong and is safe to
/// show to the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    /// A member number that is no extension or group.
    #[error("unknown member {0}: no extension or group has that number")]
    UnknownMember(String),
    /// A group listed as its own member.
    #[error("group {0} cannot be a member of itself")]
    OwnMember(String),
    /// The same member twice in one list.
    #[error("member {0} is listed twice")]
    DuplicateMember(String),
    /// The change would close a loop of groups.
    #[error("cycle: {0}")]
    Cycle(Path),
    /// The change would nest groups deeper than [`MAX_DEPTH`].
    #[error("groups nest at most 8 deep, and {0} would be deeper")]
    TooDeep(Path),
    /// A member delay outside [`DELAYS`].
    #[error("delay {delay} of member {member} out of range 0–300 seconds")]
    Delay {
        /// The member.
        member: String,
        /// The delay asked for.
        delay: u32,
    },
    /// A ring timeout outside [`RING_TIMEOUTS`].
    #[error("ring timeout {0} out of range 5–300 seconds")]
    RingTimeout(u32),
    /// `always_after` or `no_answer_after` outside [`AFTER`].
    #[error("{setting} {seconds} out of range 1–300 seconds")]
    After {
        /// Which one.
        setting: Setting,
        /// The value asked for.
        seconds: u32,
    },
    /// `always_after` without an `always` target.
    #[error("always_after needs an always target")]
    AfterWithoutTarget,
    /// A forwarding target or fallback that is no extension or group (a temporary number, a
    /// service code, nothing at all).
    #[error("{setting} to {target}: not a number you may forward to (use an extension or group; temporary numbers and service codes are not)")]
    TargetNotAllowed {
        /// Which setting.
        setting: Setting,
        /// The target asked for.
        target: String,
    },
    /// A number forwarding to itself.
    #[error("{setting} to {target}: that is this number itself")]
    TargetIsItself {
        /// Which setting.
        setting: Setting,
        /// The number itself.
        target: String,
    },
    /// A setting that groups do not have.
    #[error("a group has no {0}: its no-answer target is its fallback, after its ring timeout")]
    NotForGroups(Setting),
    /// A group's setting asked of an extension.
    #[error("{0} is for groups only")]
    GroupsOnly(Setting),
    /// Routing settings asked of a conference room: it forwards nowhere and is never busy.
    #[error("{0} is a conference room: it has no forwarding, do-not-disturb or call waiting")]
    ConferenceRoom(String),
    /// A conference room as a group's member: it would ring nobody.
    #[error("{0} is a conference room and cannot be a member of a group (forward to it instead)")]
    RoomAsMember(String),
    /// Members given for an extension that is no group.
    #[error("{0} is not a group")]
    NotAGroup(String),
}

/// Checks one member's delay.
pub fn check_delay(member: &str, delay: u32) -> Result<(), RoutingError> {
    if DELAYS.contains(&delay) {
        Ok(())
    } else {
        Err(RoutingError::Delay {
            member: member.to_string(),
            delay,
        })
    }
}

/// Checks a group's new member list on its own: delays, no duplicates, not itself.
pub fn check_members(group: &str, members: &[Member]) -> Result<(), RoutingError> {
    let mut seen = BTreeSet::new();
    for m in members {
        if m.number == group {
            return Err(RoutingError::OwnMember(group.to_string()));
        }
        if !seen.insert(m.number.as_str()) {
            return Err(RoutingError::DuplicateMember(m.number.clone()));
        }
        check_delay(&m.number, m.delay)?;
    }
    Ok(())
}

/// Checks the settings of `number` (a group if `is_group`): ranges, what groups do not have,
/// and every target, which must be a number `may_forward_to` accepts (an extension or group)
/// and not `number` itself.
pub fn check_preferences(
    number: &str,
    is_group: bool,
    prefs: &Preferences,
    may_forward_to: &dyn Fn(&str) -> bool,
) -> Result<(), RoutingError> {
    let f = &prefs.forward;
    if !is_group {
        if prefs.fallback.is_some() {
            return Err(RoutingError::GroupsOnly(Setting::Fallback));
        }
        if prefs.ring_timeout != DEFAULT_RING_TIMEOUT {
            return Err(RoutingError::GroupsOnly(Setting::RingTimeout));
        }
    }
    if is_group {
        if f.no_answer.is_some() {
            return Err(RoutingError::NotForGroups(Setting::NoAnswer));
        }
        if f.always_after.is_some() {
            return Err(RoutingError::NotForGroups(Setting::AlwaysAfter));
        }
        if f.no_answer_after != DEFAULT_NO_ANSWER_AFTER {
            return Err(RoutingError::NotForGroups(Setting::NoAnswerAfter));
        }
        if !prefs.call_waiting {
            return Err(RoutingError::NotForGroups(Setting::CallWaiting));
        }
        if !RING_TIMEOUTS.contains(&prefs.ring_timeout) {
            return Err(RoutingError::RingTimeout(prefs.ring_timeout));
        }
    }
    for (setting, seconds) in [
        (Setting::AlwaysAfter, f.always_after),
        (Setting::NoAnswerAfter, Some(f.no_answer_after)),
    ] {
        if let Some(seconds) = seconds.filter(|s| !AFTER.contains(s)) {
            return Err(RoutingError::After { setting, seconds });
        }
    }
    if f.always_after.is_some() && f.always.is_none() {
        return Err(RoutingError::AfterWithoutTarget);
    }
    let fallback = if is_group { &prefs.fallback } else { &None };
    for (setting, target) in [
        (Setting::Always, &f.always),
        (Setting::Busy, &f.busy),
        (Setting::NoAnswer, &f.no_answer),
        (Setting::Unavailable, &f.unavailable),
        (Setting::Fallback, fallback),
    ] {
        let Some(target) = target else { continue };
        if target == number {
            return Err(RoutingError::TargetIsItself {
                setting,
                target: target.clone(),
            });
        }
        if !may_forward_to(target) {
            return Err(RoutingError::TargetNotAllowed {
                setting,
                target: target.clone(),
            });
        }
    }
    Ok(())
}

/// Checks the shape of the graph around `group` after a change of its members: no loop
/// through it, and no group nested deeper than [`MAX_DEPTH`]. The graph must hold `group`,
/// every group containing it (transitively) and everything below those.
pub fn check_structure(graph: &Graph, group: &str) -> Result<(), RoutingError> {
    let mut path = vec![group.to_string()];
    if let Some(cycle) = find_cycle(graph, group, &mut path) {
        return Err(RoutingError::Cycle(Path(cycle)));
    }
    let mut depths = BTreeMap::new();
    for node in graph.nodes().filter(|n| n.is_group()) {
        let chain = deepest_chain(graph, &node.number, &mut depths);
        if chain.len() > MAX_DEPTH {
            return Err(RoutingError::TooDeep(Path(chain)));
        }
    }
    Ok(())
}

/// A loop from `path[0]` back to it, spelled out, following every membership (paused ones
/// too: resuming must not close a loop).
fn find_cycle(graph: &Graph, at: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
    let node = graph.get(at)?;
    for m in node.members() {
        if m.number == path[0] {
            let mut cycle = path.clone();
            cycle.push(m.number.clone());
            return Some(cycle);
        }
        // A node already on the path is a loop not through path[0]: the graph had it before
        // this change, which the rules never allow; stop there rather than run forever.
        if path.contains(&m.number) {
            continue;
        }
        path.push(m.number.clone());
        if let Some(cycle) = find_cycle(graph, &m.number, path) {
            return Some(cycle);
        }
        path.pop();
    }
    None
}

/// The longest chain of groups from `group` down (`group` first), memoised in `depths`.
/// Called only once the graph is known to have no loop through the changed group; any older
/// loop is cut by the depth guard.
fn deepest_chain(
    graph: &Graph,
    group: &str,
    memo: &mut BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    if let Some(chain) = memo.get(group) {
        return chain.clone();
    }
    let mut best: Vec<String> = Vec::new();
    if let Some(node) = graph.get(group) {
        for m in node.members() {
            let is_group = graph.get(&m.number).is_some_and(Node::is_group);
            if is_group {
                // Placeholder first, so a loop ends here instead of recursing forever.
                memo.entry(group.to_string())
                    .or_insert_with(|| vec![group.to_string(); MAX_DEPTH + 1]);
                let below = deepest_chain(graph, &m.number, memo);
                if below.len() > best.len() {
                    best = below;
                }
            }
        }
    }
    let mut chain = Vec::with_capacity(best.len() + 1);
    chain.push(group.to_string());
    chain.extend(best);
    memo.insert(group.to_string(), chain.clone());
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(number: &str, endpoint: Option<&str>) -> Node {
        Node {
            number: number.into(),
            name: format!("Ext {number}"),
            target: Target::Device(endpoint.map(str::to_string)),
            browser: None,
            prefs: Preferences::default(),
        }
    }

    fn group(number: &str, name: &str, members: &[(&str, u32)]) -> Node {
        Node {
            number: number.into(),
            name: name.into(),
            target: Target::Group(
                members
                    .iter()
                    .map(|(n, d)| Member {
                        number: n.to_string(),
                        delay: *d,
                        active: true,
                    })
                    .collect(),
            ),
            browser: None,
            prefs: Preferences::default(),
        }
    }

    /// Extensions 2001..=2009 with endpoints e2001.., plus the given nodes.
    fn graph(nodes: Vec<Node>) -> Graph {
        let mut g = Graph::new();
        for i in 1..=9 {
            let n = format!("200{i}");
            g.insert(ext(&n, Some(&format!("e{n}"))));
        }
        for n in nodes {
            g.insert(n);
        }
        g
    }

    fn plan(g: &Graph, number: &str) -> Compiled {
        compile(g, number).unwrap()
    }

    fn prefs<'a>(g: &'a mut Graph, number: &str) -> &'a mut Preferences {
        &mut g.get_mut(number).unwrap().prefs
    }

    #[test]
    fn a_plain_extension_rings_its_device_for_a_minute() {
        let g = graph(vec![]);
        let c = plan(&g, "2001");
        assert_eq!(
            c.route,
            RouteRow {
                number: "2001".into(),
                forward: String::new(),
                dial: "PJSIP/e2001".into(),
                timeout: 60,
                via: String::new(),
                busy_now: false,
                cw_line: String::new(),
                on_busy: String::new(),
                on_noanswer: String::new(),
                on_unavailable: String::new(),
                conference: false,
            }
        );
        assert!(c.legs.is_empty());
        assert!(compile(&g, "2999").is_none());
    }

    #[test]
    fn a_conference_room_is_flagged_forwards_nowhere_and_rings_in_no_group() {
        let mut g = graph(vec![]);
        g.insert(Node {
            number: "800".into(),
            name: "Room".into(),
            target: Target::Conference,
            prefs: Preferences::default(),
            browser: None,
        });
        prefs(&mut g, "800").forward.always = Some("2001".into());
        prefs(&mut g, "800").dnd = true;
        let c = plan(&g, "800");
        assert!(c.route.conference && c.legs.is_empty());
        assert_eq!((c.route.forward.as_str(), c.route.dial.as_str()), ("", ""));
        assert!(!c.route.busy_now);
        g.insert(Node {
            number: "900".into(),
            name: "G".into(),
            target: Target::Group(vec![Member {
                number: "800".into(),
                delay: 0,
                active: true,
            }]),
            prefs: Preferences::default(),
            browser: None,
        });
        let group = plan(&g, "900");
        assert!(!group.route.conference && group.route.dial.is_empty());
    }

    #[test]
    fn an_extension_without_device_has_nothing_to_dial() {
        let mut g = graph(vec![ext("3000", None)]);
        prefs(&mut g, "3000").forward.unavailable = Some("2001".into());
        let c = plan(&g, "3000");
        assert_eq!(c.route.dial, "");
        assert_eq!(c.route.on_unavailable, "2001");
        assert_eq!(c.route.cw_line, "", "no device, nothing to count");
    }

    #[test]
    fn group_members_ring_after_their_delays_and_the_group_timeout() {
        let g = graph(vec![group(
            "500",
            "Info desk",
            &[("2001", 0), ("2002", 0), ("2003", 10)],
        )]);
        let c = plan(&g, "500");
        assert_eq!(
            c.route.dial,
            "PJSIP/e2001&PJSIP/e2002&Local/03500000@eventpbx-leg/n"
        );
        assert_eq!(c.route.timeout, 30);
        assert_eq!(c.route.via, "Info desk");
        assert_eq!(c.route.on_noanswer, "", "busy after the timeout");
        assert_eq!(
            c.legs,
            [LegRow {
                leg: "03500000".into(),
                number: "500".into(),
                line: "2003".into(),
                endpoints: vec!["e2003".into()],
                delay: 10,
                timeout: 20,
                cw: true,
            }]
        );
    }

    #[test]
    fn a_member_whose_delay_reaches_the_timeout_never_rings() {
        let mut g = graph(vec![group("500", "G", &[("2001", 0), ("2002", 30)])]);
        assert_eq!(plan(&g, "500").route.dial, "PJSIP/e2001");
        prefs(&mut g, "500").ring_timeout = 31;
        let c = plan(&g, "500");
        assert_eq!(c.legs.len(), 1);
        assert_eq!((c.legs[0].delay, c.legs[0].timeout), (30, 1));
    }

    #[test]
    fn nested_groups_sum_delays_and_keep_a_devices_smallest_delay() {
        // 600 rings 2001 at once and group 500 after 5 s; 500 rings 2002 after 10 s more and
        // 2001 again (already ringing at 0: kept at 0).
        let mut g = graph(vec![
            group("500", "Inner", &[("2002", 10), ("2001", 0), ("501", 1)]),
            group("501", "Innermost", &[("2003", 2)]),
            group("600", "Outer", &[("2001", 0), ("500", 5)]),
        ]);
        prefs(&mut g, "600").ring_timeout = 60;
        let c = plan(&g, "600");
        let rings: Vec<(String, u32)> = c
            .legs
            .iter()
            .map(|l| (l.endpoints.join("&"), l.delay))
            .collect();
        assert_eq!(c.route.dial.split('&').next(), Some("PJSIP/e2001"));
        assert_eq!(rings, [("e2003".into(), 8), ("e2002".into(), 15)]);
        assert_eq!(c.legs[0].leg, "03600000");
        assert_eq!(c.legs[1].leg, "03600001");
        assert_eq!(c.legs[1].timeout, 45);
        assert_eq!(
            c.route.via, "Outer",
            "the dialled group's name, not the inner ones'"
        );
        // Two paths to one device at different delays: the smaller wins, whichever comes first.
        let g = graph(vec![
            group("500", "A", &[("2004", 20)]),
            group("501", "B", &[("2004", 3)]),
            group("600", "Both", &[("500", 0), ("501", 4)]),
        ]);
        let c = plan(&g, "600");
        assert_eq!(c.legs.len(), 1);
        assert_eq!((c.legs[0].line.as_str(), c.legs[0].delay), ("2004", 7));
    }

    #[test]
    fn paused_memberships_at_any_depth_are_left_out() {
        let mut g = graph(vec![
            group("500", "Inner", &[("2002", 0), ("2003", 0)]),
            group("600", "Outer", &[("2001", 0), ("500", 0)]),
        ]);
        if let Target::Group(members) = &mut g.get_mut("500").unwrap().target {
            members[1].active = false;
        }
        assert_eq!(plan(&g, "600").route.dial, "PJSIP/e2001&PJSIP/e2002");
        if let Target::Group(members) = &mut g.get_mut("600").unwrap().target {
            members[1].active = false;
        }
        assert_eq!(plan(&g, "600").route.dial, "PJSIP/e2001");
        if let Target::Group(members) = &mut g.get_mut("600").unwrap().target {
            members[0].active = false;
        }
        let c = plan(&g, "600");
        assert_eq!(c.route.dial, "", "all paused: nothing to dial, unavailable");
    }

    #[test]
    fn dnd_members_and_members_without_device_are_left_out_and_forwarding_not_followed() {
        let mut g = graph(vec![
            ext("3000", None),
            group(
                "500",
                "G",
                &[("2001", 0), ("2002", 0), ("3000", 0), ("2003", 0)],
            ),
        ]);
        prefs(&mut g, "2002").dnd = true;
        prefs(&mut g, "2003").forward.always = Some("2009".into());
        prefs(&mut g, "2003").forward.busy = Some("2008".into());
        let c = plan(&g, "500");
        assert_eq!(c.route.dial, "PJSIP/e2001&PJSIP/e2003");
        assert!(
            !c.route.dial.contains("e2009"),
            "forwarding stays out of groups"
        );
    }

    #[test]
    fn members_call_waiting_is_followed_inside_groups() {
        let mut g = graph(vec![group("500", "G", &[("2001", 0), ("2002", 0)])]);
        prefs(&mut g, "2002").call_waiting = false;
        let c = plan(&g, "500");
        assert_eq!(c.route.dial, "PJSIP/e2001&Local/03500000@eventpbx-leg/n");
        assert_eq!(
            (
                c.legs[0].line.as_str(),
                c.legs[0].endpoints.as_slice(),
                c.legs[0].cw
            ),
            ("2002", ["e2002".to_string()].as_slice(), false)
        );
        assert_eq!((c.legs[0].delay, c.legs[0].timeout), (0, 30));
        assert_eq!(
            c.route.cw_line, "",
            "a group has no line of its own to count"
        );
    }

    #[test]
    fn call_waiting_off_on_an_extension_goes_through_a_leg_and_counts_its_line() {
        let mut g = graph(vec![]);
        prefs(&mut g, "2001").call_waiting = false;
        let c = plan(&g, "2001");
        assert_eq!(c.route.dial, "Local/042001000@eventpbx-leg/n");
        assert_eq!(c.route.cw_line, "2001");
        assert_eq!(
            c.legs,
            [LegRow {
                leg: "042001000".into(),
                number: "2001".into(),
                line: "2001".into(),
                endpoints: vec!["e2001".into()],
                delay: 0,
                timeout: 60,
                cw: false,
            }]
        );
    }

    #[test]
    fn a_browser_phone_rings_with_its_extension_everywhere_the_extension_rings() {
        let mut with_browser = ext("2001", Some("e2001"));
        with_browser.browser = Some("w2001".into());
        let mut handset = ext("2002", None);
        handset.browser = Some("w2002".into());
        let mut g = graph(vec![
            with_browser,
            handset,
            group("500", "G", &[("2001", 0), ("2002", 5)]),
        ]);
        assert_eq!(plan(&g, "2001").route.dial, "PJSIP/e2001&PJSIP/w2001");
        assert_eq!(plan(&g, "2002").route.dial, "PJSIP/w2002", "no phone bound");
        let c = plan(&g, "500");
        assert_eq!(
            c.route.dial,
            "PJSIP/e2001&PJSIP/w2001&Local/03500000@eventpbx-leg/n"
        );
        assert_eq!(
            (c.legs[0].endpoints.as_slice(), c.legs[0].delay),
            (["w2002".to_string()].as_slice(), 5)
        );
        // Call waiting off: both devices ring through one leg, and the line (the extension,
        // whichever device is in a call) is what counts.
        prefs(&mut g, "2001").call_waiting = false;
        let c = plan(&g, "2001");
        assert_eq!(c.route.cw_line, "2001");
        assert_eq!(c.route.dial, "Local/042001000@eventpbx-leg/n");
        let legs: Vec<(&str, Vec<&str>)> = c
            .legs
            .iter()
            .map(|l| {
                (
                    l.line.as_str(),
                    l.endpoints.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(legs, [("2001", vec!["e2001", "w2001"])]);
        // In a group too: one leg for the member's two devices, counted once on its line.
        let c = plan(&g, "500");
        assert_eq!(
            c.route.dial,
            "Local/03500000@eventpbx-leg/n&Local/03500001@eventpbx-leg/n"
        );
        assert_eq!(
            (
                c.legs[0].line.as_str(),
                c.legs[0].endpoints.len(),
                c.legs[0].cw
            ),
            ("2001", 2, false)
        );
        prefs(&mut g, "2001").dnd = true;
        assert_eq!(
            plan(&g, "2001").route.dial,
            "",
            "DND silences the browser too"
        );
        g.get_mut("2002").unwrap().browser = Some("w\"&x".into());
        assert_eq!(
            plan(&g, "2002").route.dial,
            "",
            "foreign ids never reach Dial"
        );
    }

    #[test]
    fn dnd_is_busy_now_with_the_busy_forwarding() {
        let mut g = graph(vec![group("500", "G", &[("2002", 0)])]);
        prefs(&mut g, "2001").dnd = true;
        prefs(&mut g, "2001").forward.busy = Some("2002".into());
        let c = plan(&g, "2001");
        assert!(c.route.busy_now);
        assert_eq!(
            (c.route.dial.as_str(), c.route.on_busy.as_str()),
            ("", "2002")
        );
        prefs(&mut g, "500").dnd = true;
        let c = plan(&g, "500");
        assert!(c.route.busy_now && c.route.dial.is_empty());
    }

    #[test]
    fn every_forwarding_case() {
        let mut g = graph(vec![]);
        // Always, at once.
        prefs(&mut g, "2001").forward.always = Some("2002".into());
        let c = plan(&g, "2001");
        assert_eq!(
            (c.route.forward.as_str(), c.route.on_noanswer.as_str()),
            ("2002", "")
        );
        // Always after 15 s of ringing: no forward at once, no answer after 15 s goes there.
        prefs(&mut g, "2001").forward.always_after = Some(15);
        let c = plan(&g, "2001");
        assert_eq!(c.route.forward, "");
        assert_eq!(
            (c.route.timeout, c.route.on_noanswer.as_str()),
            (15, "2002")
        );
        assert_eq!(c.route.dial, "PJSIP/e2001");
        // No answer, after the default 20 s, then after 7 s.
        let mut g = graph(vec![]);
        prefs(&mut g, "2001").forward.no_answer = Some("2003".into());
        let c = plan(&g, "2001");
        assert_eq!(
            (c.route.timeout, c.route.on_noanswer.as_str()),
            (20, "2003")
        );
        prefs(&mut g, "2001").forward.no_answer_after = 7;
        assert_eq!(plan(&g, "2001").route.timeout, 7);
        // Always after a delay wins over no answer: it is the "always".
        prefs(&mut g, "2001").forward.always = Some("2004".into());
        prefs(&mut g, "2001").forward.always_after = Some(12);
        let c = plan(&g, "2001");
        assert_eq!(
            (c.route.timeout, c.route.on_noanswer.as_str()),
            (12, "2004")
        );
        // Busy and unavailable.
        let mut g = graph(vec![]);
        prefs(&mut g, "2001").forward.busy = Some("2005".into());
        prefs(&mut g, "2001").forward.unavailable = Some("2006".into());
        let c = plan(&g, "2001");
        assert_eq!(
            (c.route.on_busy.as_str(), c.route.on_unavailable.as_str()),
            ("2005", "2006")
        );
        assert!(!c.route.busy_now);
    }

    #[test]
    fn a_groups_fallback_takes_no_answer_and_nobody_reachable() {
        let mut g = graph(vec![group("500", "G", &[("2001", 0)])]);
        prefs(&mut g, "500").fallback = Some("2009".into());
        prefs(&mut g, "500").ring_timeout = 45;
        let c = plan(&g, "500");
        assert_eq!(c.route.timeout, 45);
        assert_eq!(c.route.on_noanswer, "2009");
        assert_eq!(c.route.on_unavailable, "2009");
        prefs(&mut g, "500").forward.unavailable = Some("2008".into());
        prefs(&mut g, "500").forward.always = Some("2007".into());
        let c = plan(&g, "500");
        assert_eq!(
            c.route.on_unavailable, "2008",
            "its own unavailable target first"
        );
        assert_eq!(c.route.forward, "2007");
    }

    #[test]
    fn via_names_are_cleaned() {
        assert_eq!(clean_via("Info desk", "500"), "Info desk");
        assert_eq!(clean_via("${SHELL(rm -rf /)}", "500"), "SHELLrm -rf");
        assert_eq!(clean_via("NOC, \"main\"; 2nd", "500"), "NOC main 2nd");
        assert_eq!(
            clean_via("Bär 🍺 O'Neill_s-Café.", "500"),
            "Bär O'Neill_s-Café."
        );
        assert_eq!(clean_via("  a \t\n b  ", "500"), "a b");
        assert_eq!(clean_via("🔥🔥", "500"), "500");
        assert_eq!(
            clean_via("\u{202e}evil", "500"),
            "evil",
            "bidi override gone"
        );
        assert_eq!(clean_via(&"x".repeat(60), "500").chars().count(), 40);
        assert_eq!(
            clean_via(&format!("{} y", "x".repeat(39)), "500"),
            "x".repeat(39)
        );
        let g = graph(vec![group("500", "${EXTEN},&|", &[("2001", 0)])]);
        assert_eq!(plan(&g, "500").route.via, "EXTEN");
    }

    #[test]
    fn leg_ids_are_length_number_index() {
        assert_eq!(leg_id("2001", 0), "042001000");
        assert_eq!(leg_id("112", 12), "03112012");
        assert_eq!(leg_id("123456789012345", 999), "15123456789012345999");
    }

    #[test]
    fn endpoints_eventpbx_did_not_make_never_reach_dial() {
        let g = graph(vec![
            ext("3000", Some("bad&PJSIP/x")),
            group("500", "G", &[("3000", 0), ("2001", 0)]),
        ]);
        assert_eq!(plan(&g, "3000").route.dial, "");
        assert_eq!(plan(&g, "500").route.dial, "PJSIP/e2001");
    }

    #[test]
    fn a_route_rings_at_most_max_ringing_devices_the_earliest_first() {
        let mut g = Graph::new();
        let mut members = Vec::new();
        for i in 0..(MAX_RINGING + 5) {
            let n = format!("{}", 3000 + i);
            g.insert(ext(&n, Some(&format!("e{n}"))));
            members.push((n, u32::try_from(i % 3).unwrap()));
        }
        let refs: Vec<(&str, u32)> = members.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        g.insert(group("500", "All", &refs));
        let c = plan(&g, "500");
        assert_eq!(c.route.dial.split('&').count(), MAX_RINGING);
        assert!(c.legs.iter().all(|l| l.delay <= 2));
        assert!(
            c.legs.iter().any(|l| l.delay == 2),
            "the latest are cut, not all of them"
        );
    }

    #[test]
    fn member_lists_are_checked_on_their_own() {
        let m = |n: &str, d| Member {
            number: n.into(),
            delay: d,
            active: true,
        };
        assert!(check_members("500", &[m("2001", 0), m("2002", 300)]).is_ok());
        assert_eq!(
            check_members("500", &[m("2001", 400)])
                .unwrap_err()
                .to_string(),
            "delay 400 of member 2001 out of range 0–300 seconds"
        );
        assert_eq!(
            check_members("500", &[m("2001", 0), m("2001", 5)]),
            Err(RoutingError::DuplicateMember("2001".into()))
        );
        assert_eq!(
            check_members("500", &[m("500", 0)]),
            Err(RoutingError::OwnMember("500".into()))
        );
    }

    #[test]
    fn cycles_are_refused_naming_the_loop() {
        let mut g = graph(vec![
            group("500", "A", &[("2001", 0), ("501", 0)]),
            group("501", "B", &[("2002", 0)]),
        ]);
        assert!(check_structure(&g, "500").is_ok());
        g.insert(group("501", "B", &[("2002", 0), ("500", 0)]));
        let err = check_structure(&g, "501").unwrap_err();
        assert_eq!(err.to_string(), "cycle: 501 → 500 → 501");
        // A longer loop, through a paused membership.
        let mut g = graph(vec![
            group("500", "A", &[("501", 0)]),
            group("501", "B", &[("502", 0)]),
            group("502", "C", &[("500", 0)]),
        ]);
        if let Target::Group(members) = &mut g.get_mut("502").unwrap().target {
            members[0].active = false;
        }
        assert_eq!(
            check_structure(&g, "500").unwrap_err(),
            RoutingError::Cycle(Path(vec![
                "500".into(),
                "501".into(),
                "502".into(),
                "500".into()
            ]))
        );
        // Compiling a graph with a loop still ends (defensive: the rules keep loops out).
        assert_eq!(plan(&g, "500").route.dial, "");
    }

    fn chain(depth: usize) -> Graph {
        // Group 500 contains 501 ... down to 500+depth-1, which contains 2001.
        let mut nodes = Vec::new();
        for i in 0..depth {
            let n = format!("{}", 500 + i);
            let below = if i + 1 == depth {
                "2001".to_string()
            } else {
                format!("{}", 501 + i)
            };
            nodes.push(group(&n, "G", &[(below.as_str(), 1)]));
        }
        graph(nodes)
    }

    #[test]
    fn groups_nest_eight_deep_and_no_deeper() {
        let g = chain(MAX_DEPTH);
        assert!(check_structure(&g, "507").is_ok());
        let c = plan(&g, "500");
        assert_eq!(c.legs.len(), 1, "the extension at the bottom rings");
        assert_eq!(c.legs[0].delay, 8);
        let g = chain(MAX_DEPTH + 1);
        let err = check_structure(&g, "508").unwrap_err();
        assert!(
            matches!(&err, RoutingError::TooDeep(p) if p.0.len() == 9),
            "{err}"
        );
        assert!(err
            .to_string()
            .starts_with("groups nest at most 8 deep, and 500 → 501"));
        // Compiling a too-deep graph stops at the limit rather than ringing beyond it.
        assert_eq!(plan(&g, "500").route.dial, "");
    }

    #[test]
    fn preferences_are_checked() {
        let known = |n: &str| n.starts_with("20") || n == "500";
        let check = |number: &str, group: bool, p: &Preferences| {
            check_preferences(number, group, p, &known)
        };
        let mut p = Preferences::default();
        assert!(check("2001", false, &p).is_ok());
        p.forward.busy = Some("9956001".into());
        assert_eq!(
            check("2001", false, &p).unwrap_err().to_string(),
            "forwarding on busy to 9956001: not a number you may forward to (use an extension \
             or group; temporary numbers and service codes are not)"
        );
        p.forward.busy = Some("2001".into());
        assert!(matches!(
            check("2001", false, &p),
            Err(RoutingError::TargetIsItself {
                setting: Setting::Busy,
                ..
            })
        ));
        let mut p = Preferences::default();
        p.forward.always_after = Some(10);
        assert_eq!(
            check("2001", false, &p),
            Err(RoutingError::AfterWithoutTarget)
        );
        p.forward.always = Some("500".into());
        assert!(check("2001", false, &p).is_ok());
        p.forward.always_after = Some(0);
        assert_eq!(
            check("2001", false, &p).unwrap_err().to_string(),
            "always_after 0 out of range 1–300 seconds"
        );
        for p in [
            Preferences {
                fallback: Some("2002".into()),
                ..Default::default()
            },
            Preferences {
                ring_timeout: 40,
                ..Default::default()
            },
        ] {
            assert!(matches!(
                check("2001", false, &p),
                Err(RoutingError::GroupsOnly(_))
            ));
        }
        let mut p = Preferences::default();
        p.forward.no_answer_after = 301;
        assert!(matches!(
            check("2001", false, &p),
            Err(RoutingError::After { .. })
        ));
        // Groups: ring timeout and fallback; no no-answer or call-waiting settings.
        let mut p = Preferences {
            fallback: Some("2001".into()),
            ..Default::default()
        };
        assert!(check("500", true, &p).is_ok());
        p.fallback = Some("4711999".into());
        assert!(matches!(
            check("500", true, &p),
            Err(RoutingError::TargetNotAllowed {
                setting: Setting::Fallback,
                ..
            })
        ));
        let p = Preferences {
            ring_timeout: 4,
            ..Default::default()
        };
        assert_eq!(
            check("500", true, &p).unwrap_err().to_string(),
            "ring timeout 4 out of range 5–300 seconds"
        );
        for change in [
            |p: &mut Preferences| p.forward.no_answer = Some("2001".into()),
            |p: &mut Preferences| p.call_waiting = false,
            |p: &mut Preferences| p.forward.no_answer_after = 10,
        ] {
            let mut p = Preferences::default();
            change(&mut p);
            assert!(matches!(
                check("500", true, &p),
                Err(RoutingError::NotForGroups(_))
            ));
        }
    }
}
