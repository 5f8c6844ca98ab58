//! The live registry: every channel on the Asterisk (not just ours) and every endpoint's
//! registration state, kept from ARI events and reloaded after each (re)connect, since
//! Asterisk replays nothing. Readers take a [`LiveState`] snapshot and watch a version number
//! that bumps on every change (the operator page streams from it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};

pub use super::channel_watch::ChannelWatch;
use crate::ari::events::{Channel, Endpoint};
use crate::ari::ws::{ConnectionState, Status};
use crate::ari::AriEvent;
use crate::db::outbox::RegistrationChange;
use crate::domain::presence::Presence;

/// One channel as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChannel {
    pub id: String,
    /// e.g. `PJSIP/h3k...-00000002`.
    pub name: String,
    /// Asterisk's state: Ring, Ringing, Up, ...
    pub state: String,
    pub caller_name: String,
    pub caller_number: String,
    pub connected_name: String,
    pub connected_number: String,
    /// The number dialled (the extension the channel entered the dialplan with).
    pub dialled: String,
    /// The channel it talks to (Dial peer or bridge partner).
    pub partner: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
}

/// One endpoint's registration state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveEndpoint {
    pub resource: String,
    /// online / offline / unknown: ARI's state, except that a registered contact nobody
    /// qualifies makes it online (see `presence`).
    pub state: Presence,
    /// The state as ARI last reported it.
    pub ari_state: String,
    /// Last contact status (Reachable, Unreachable, ...).
    pub contact_status: String,
    /// Round trip of the last qualify, microseconds.
    pub rtt_usec: Option<u64>,
    pub channel_count: usize,
    /// When `state` last changed as far as this registry saw it (unix seconds; 0 = not seen
    /// change since eventpbx started): "offline since" on the account page.
    pub state_since: i64,
    /// Each contact's last reported status, by contact URI (as stored in ps_contacts).
    pub contacts: HashMap<String, LiveContact>,
}

/// One contact's reachability from its last ContactStatusChange.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveContact {
    /// Reachable, Unreachable, NonQualified, ...
    pub status: String,
    /// Round trip of the last qualify, microseconds; None when not qualified.
    pub rtt_usec: Option<u64>,
}

/// Everything at one moment.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// Every channel, while `channels_followed`; otherwise empty.
    pub channels: HashMap<String, LiveChannel>,
    /// Whether the registry follows every channel now: someone holds a [`ChannelWatch`], the
    /// engine subscribed, and the listing that followed is applied.
    pub channels_followed: bool,
    pub endpoints: HashMap<String, LiveEndpoint>,
    pub connection: ConnectionState,
}

impl LiveState {
    /// Endpoints currently online.
    pub fn online_count(&self) -> usize {
        self.endpoints
            .values()
            .filter(|e| e.state.is_online())
            .count()
    }

    /// The channels of one PJSIP endpoint (named `PJSIP/<endpoint>-<sequence>`).
    pub fn channels_of(&self, endpoint: &str) -> Vec<&LiveChannel> {
        self.channels
            .values()
            .filter(|c| channel_endpoint(&c.name) == Some(endpoint))
            .collect()
    }

    /// The endpoint's device state the way chan_pjsip aggregates it from its channels
    /// (`ast_state_chan2dev` per channel, then `ast_devstate_aggregate`): Asterisk's names in
    /// lower case. An endpoint that is not online is `unavailable`.
    pub fn device_state(&self, endpoint: &str) -> &'static str {
        let online = self
            .endpoints
            .get(endpoint)
            .is_some_and(|e| e.state.is_online());
        let (mut in_use, mut ringing, mut busy) = (false, false, false);
        for c in self.channels_of(endpoint) {
            match c.state.as_str() {
                "Ringing" | "Pre-ring" => ringing = true,
                "Busy" => busy = true,
                "Down" => {}
                _ => in_use = true,
            }
        }
        match (online, busy, ringing, in_use) {
            (false, ..) => "unavailable",
            (true, true, ..) => "busy",
            (true, false, true, true) => "ringinuse",
            (true, false, true, false) => "ringing",
            (true, false, false, true) => "inuse",
            (true, false, false, false) => "not_inuse",
        }
    }

    /// Channels sorted oldest first (stable order for pages).
    pub fn channels_sorted(&self) -> Vec<LiveChannel> {
        let mut v: Vec<LiveChannel> = self.channels.values().cloned().collect();
        v.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        v
    }
}

/// The registry; cheap to clone.
#[derive(Clone)]
pub struct LiveRegistry {
    state: Arc<Mutex<LiveState>>,
    version: Arc<watch::Sender<u64>>,
    /// Where endpoint status changes go for the events outbox; unbounded so that applying an
    /// event never waits (the writer batches, and the rate is bounded by registrations).
    registrations: Option<mpsc::UnboundedSender<RegistrationChange>>,
    /// The registration code: dialled numbers are kept with the token masked
    /// ([`crate::domain::mask_tokens`]), so no reader of the registry (operator page, API,
    /// SSE) ever sees one.
    register_code: Arc<str>,
    /// How many readers need every channel (see `channel_watch`).
    watchers: Arc<watch::Sender<usize>>,
}

impl Default for LiveRegistry {
    fn default() -> Self {
        LiveRegistry {
            state: Arc::new(Mutex::new(LiveState::default())),
            version: Arc::new(watch::channel(0).0),
            watchers: Arc::new(watch::channel(0).0),
            registrations: None,
            register_code: crate::config::CodeSettings::default().register.into(),
        }
    }
}

/// Seconds since the epoch of ARI's `2026-11-22T12:03:09.430+0000`.
pub fn parse_ari_time(text: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    time::OffsetDateTime::parse(text, &format)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// The endpoint of a PJSIP channel name (`PJSIP/<endpoint>-<sequence>`); None for others.
pub fn channel_endpoint(name: &str) -> Option<&str> {
    name.strip_prefix("PJSIP/")?
        .rsplit_once('-')
        .map(|(endpoint, _)| endpoint)
}

fn live_channel(c: &Channel, previous: Option<&LiveChannel>, register_code: &str) -> LiveChannel {
    // The dialled number is where the channel entered the dialplan; later steps (s, h) and
    // Stasis do not change it.
    let dialled = match previous {
        Some(p) if !p.dialled.is_empty() => p.dialled.clone(),
        _ if c.dialplan.exten != "s" && c.dialplan.exten != "h" => {
            crate::domain::mask_tokens(register_code, &c.dialplan.exten).into_owned()
        }
        _ => String::new(),
    };
    LiveChannel {
        id: c.id.clone(),
        name: c.name.clone(),
        state: c.state.clone(),
        caller_name: c.caller.name.clone(),
        caller_number: c.caller.number.clone(),
        connected_name: c.connected.name.clone(),
        connected_number: c.connected.number.clone(),
        dialled,
        partner: previous.and_then(|p| p.partner.clone()),
        started_at: previous
            .map(|p| p.started_at)
            .or_else(|| parse_ari_time(&c.creationtime))
            .unwrap_or_else(crate::db::now),
    }
}

/// A contact that is registered but not qualified (the AOR's qualify_frequency is 0):
/// Asterisk names it NonQualified (Unknown before 22) and counts it as unavailable, so ARI
/// calls its endpoint offline, yet it takes calls. Its round trip is not checked.
pub fn registered_not_checked(contact_status: &str) -> bool {
    matches!(contact_status, "NonQualified" | "Unknown")
}

/// Our presence: ARI's endpoint state, except that an endpoint with a registered contact
/// nobody qualifies is online.
fn presence(ari_state: &str, contacts: &HashMap<String, LiveContact>) -> Presence {
    let reported = Presence::from_ari(ari_state);
    if !reported.is_online() && contacts.values().any(|c| registered_not_checked(&c.status)) {
        Presence::Online
    } else {
        reported
    }
}

fn live_endpoint(e: &Endpoint, previous: Option<&LiveEndpoint>) -> LiveEndpoint {
    let contacts = previous.map(|p| p.contacts.clone()).unwrap_or_default();
    let state = presence(&e.state, &contacts);
    LiveEndpoint {
        resource: e.resource.clone(),
        ari_state: e.state.clone(),
        contact_status: previous
            .map(|p| p.contact_status.clone())
            .unwrap_or_default(),
        rtt_usec: previous.and_then(|p| p.rtt_usec),
        channel_count: e.channel_ids.len(),
        state_since: match previous {
            Some(p) if p.state == state => p.state_since,
            Some(_) => crate::db::now(),
            None => 0,
        },
        state,
        contacts,
    }
}

impl LiveRegistry {
    /// A registry that also sends every change of an endpoint's online/offline state to
    /// `feed` (see `calls::presence`).
    pub fn with_presence_feed(feed: mpsc::UnboundedSender<RegistrationChange>) -> Self {
        LiveRegistry {
            registrations: Some(feed),
            ..LiveRegistry::default()
        }
    }

    /// The same registry, masking tokens after `code` instead of the default code.
    pub fn masking_code(mut self, code: &str) -> Self {
        self.register_code = code.into();
        self
    }

    fn report(&self, changes: Vec<RegistrationChange>) {
        if let Some(feed) = &self.registrations {
            for change in changes {
                // Closed only while shutting down: nothing left to record then.
                let _ = feed.send(change);
            }
        }
    }

    /// A copy of the current state.
    pub fn snapshot(&self) -> LiveState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Reads the state under the lock without copying all of it (a snapshot clones every
    /// channel, too much for a question about a few endpoints asked on every change).
    pub fn read<R>(&self, f: impl FnOnce(&LiveState) -> R) -> Option<R> {
        self.state.lock().ok().map(|s| f(&s))
    }

    /// A receiver that wakes on every change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    fn changed(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    fn with<R>(&self, f: impl FnOnce(&mut LiveState) -> R) -> Option<R> {
        let r = self.state.lock().ok().map(|mut s| f(&mut s));
        self.changed();
        r
    }

    /// Claims the channel list for as long as the result lives: the engine follows every
    /// channel while any claim is held. Readers wait for [`Self::channels_followed`] before
    /// reading channels.
    pub fn watch_channels(&self) -> ChannelWatch {
        ChannelWatch::new(self.watchers.clone())
    }

    /// The number of claims on the channel list, for the engine.
    pub fn watchers(&self) -> watch::Receiver<usize> {
        self.watchers.subscribe()
    }

    /// Waits until the registry follows every channel (after a [`Self::watch_channels`]),
    /// at most `within`; false if it still does not (Asterisk not connected, or slow).
    pub async fn channels_followed(&self, within: std::time::Duration) -> bool {
        let mut version = self.version.subscribe();
        let followed = |r: &Self| r.read(|s| s.channels_followed).unwrap_or(false);
        let wait = async {
            while !followed(self) {
                if version.changed().await.is_err() {
                    return false;
                }
            }
            true
        };
        tokio::time::timeout(within, wait).await.unwrap_or(false)
    }

    /// Stops following channels (nobody reads them any more): they are forgotten.
    pub fn unfollow_channels(&self) {
        self.with(|s| {
            s.channels.clear();
            s.channels_followed = false;
        });
    }

    /// Records the websocket's state (connected, replaced, ...).
    pub fn set_connection(&self, connection: ConnectionState) {
        let lost = !matches!(connection.status, Status::Connected { .. });
        self.with(|s| {
            s.connection = connection;
            if lost {
                // What we knew may be stale; the reload after reconnecting fills it again.
                s.channels.clear();
                s.channels_followed = false;
            }
        });
    }

    /// Replaces the channels with what ARI lists now, once the engine subscribed to all of
    /// them: from here on the registry follows every channel.
    pub fn follow_channels(&self, channels: &[Channel]) {
        let code = self.register_code.clone();
        self.with(|s| {
            let old = std::mem::take(&mut s.channels);
            s.channels = channels
                .iter()
                .map(|c| (c.id.clone(), live_channel(c, old.get(&c.id), &code)))
                .collect();
            s.channels_followed = true;
        });
    }

    /// Replaces everything with what ARI lists now (after a (re)connect). `channels` is None
    /// when nobody needs them (the engine did not subscribe to all channels).
    pub fn reload(&self, channels: Option<&[Channel]>, endpoints: &[Endpoint]) {
        if let Some(channels) = channels {
            self.follow_channels(channels);
        }
        let mut changes = Vec::new();
        self.with(|s| {
            let old_eps = std::mem::take(&mut s.endpoints);
            s.endpoints = endpoints
                .iter()
                .filter(|e| e.technology == "PJSIP")
                .map(|e| {
                    let previous = old_eps.get(&e.resource);
                    // States may have changed while the connection was down; the outbox
                    // drops those that repeat what it last recorded.
                    if previous.map(|p| p.state) != Some(Presence::from_ari(&e.state)) {
                        changes.push(RegistrationChange {
                            endpoint: e.resource.clone(),
                            status: e.state.clone(),
                            ..RegistrationChange::default()
                        });
                    }
                    (e.resource.clone(), live_endpoint(e, previous))
                })
                .collect();
        });
        self.report(changes);
    }

    /// Sets the registrations of AORs with qualify off, as ps_contacts lists them (endpoint
    /// id to contact URIs). Asterisk reports no status for such contacts on ARI and calls
    /// their endpoint offline, so they come from the database; each shows as a NonQualified
    /// contact with no round trip, and makes its endpoint online. Contacts listed before and
    /// missing now are gone.
    pub fn set_unqualified(&self, registrations: &HashMap<String, Vec<String>>) {
        let mut changes = Vec::new();
        self.with(|s| {
            for (id, uris) in registrations {
                let e = s
                    .endpoints
                    .entry(id.clone())
                    .or_insert_with(|| LiveEndpoint {
                        resource: id.clone(),
                        state: Presence::Offline,
                        ari_state: "offline".into(),
                        ..LiveEndpoint::default()
                    });
                for uri in uris {
                    e.contacts.entry(uri.clone()).or_insert(LiveContact {
                        status: "NonQualified".into(),
                        rtt_usec: None,
                    });
                }
            }
            for (id, e) in s.endpoints.iter_mut() {
                let listed = registrations.get(id);
                // Only the status set here is withdrawn here: an "Unknown" from ARI (a new,
                // not yet qualified contact) waits for ARI's next word.
                e.contacts.retain(|uri, c| {
                    c.status != "NonQualified" || listed.is_some_and(|l| l.contains(uri))
                });
                let state = presence(&e.ari_state, &e.contacts);
                if state != e.state {
                    e.state = state;
                    e.state_since = crate::db::now();
                    changes.push(RegistrationChange {
                        endpoint: id.clone(),
                        status: e.state.to_string(),
                        ..RegistrationChange::default()
                    });
                }
            }
        });
        self.report(changes);
    }

    /// Applies one event.
    pub fn apply(&self, event: &AriEvent) {
        use AriEvent::*;
        let relevant = matches!(
            event,
            ChannelCreated { .. }
                | ChannelStateChange { .. }
                | ChannelConnectedLine { .. }
                | ChannelCallerId { .. }
                | StasisStart { .. }
                | ChannelDestroyed { .. }
                | Dial { .. }
                | ChannelEnteredBridge { .. }
                | ChannelLeftBridge { .. }
                | EndpointStateChange { .. }
                | ContactStatusChange { .. }
        );
        if !relevant {
            return;
        }
        let about_endpoints = matches!(
            event,
            EndpointStateChange { .. } | ContactStatusChange { .. }
        );
        // The events of our own calls come while nobody follows channels; they would only
        // leave a partial list behind.
        if !about_endpoints && !self.read(|s| s.channels_followed).unwrap_or(false) {
            return;
        }
        let mut change = None;
        let code = self.register_code.clone();
        self.with(|s| match event {
            ChannelCreated { channel }
            | ChannelStateChange { channel }
            | ChannelConnectedLine { channel }
            | ChannelCallerId { channel }
            | StasisStart { channel, .. } => {
                let updated = live_channel(channel, s.channels.get(&channel.id), &code);
                s.channels.insert(channel.id.clone(), updated);
            }
            ChannelDestroyed { channel, .. } => {
                s.channels.remove(&channel.id);
                for c in s.channels.values_mut() {
                    if c.partner.as_deref() == Some(channel.id.as_str()) {
                        c.partner = None;
                    }
                }
            }
            Dial {
                caller: Some(caller),
                peer,
                ..
            } => {
                let p = live_channel(peer, s.channels.get(&peer.id), &code);
                s.channels.insert(peer.id.clone(), p);
                if let Some(c) = s.channels.get_mut(&caller.id) {
                    c.partner = Some(peer.id.clone());
                }
                if let Some(p) = s.channels.get_mut(&peer.id) {
                    p.partner = Some(caller.id.clone());
                }
            }
            ChannelEnteredBridge { bridge, .. } if bridge.channels.len() == 2 => {
                let (a, b) = (bridge.channels[0].clone(), bridge.channels[1].clone());
                if let Some(c) = s.channels.get_mut(&a) {
                    c.partner = Some(b.clone());
                }
                if let Some(c) = s.channels.get_mut(&b) {
                    c.partner = Some(a);
                }
            }
            ChannelLeftBridge { channel, .. } => {
                if let Some(c) = s.channels.get_mut(&channel.id) {
                    c.partner = None;
                }
            }
            EndpointStateChange { endpoint } if endpoint.technology == "PJSIP" => {
                let previous = s.endpoints.get(&endpoint.resource);
                let e = live_endpoint(endpoint, previous);
                // Most of these only count channels; a state change is reported without a
                // contact, which the ContactStatusChange next to it supplies.
                if previous.map(|p| p.state) != Some(e.state) {
                    change = Some(RegistrationChange {
                        endpoint: endpoint.resource.clone(),
                        status: e.state.to_string(),
                        ..RegistrationChange::default()
                    });
                }
                s.endpoints.insert(endpoint.resource.clone(), e);
            }
            ContactStatusChange {
                endpoint,
                contact_info,
                ..
            } if endpoint.technology == "PJSIP" => {
                // Asterisk 22 sends this right after the EndpointStateChange of the same
                // transition (or alone, when only the contact changed): always reported, the
                // feed merges it into that change and the outbox drops a repeated status.
                let previous = s.endpoints.get(&endpoint.resource);
                let previous_state = previous.map(|p| p.state);
                let mut e = live_endpoint(endpoint, previous);
                e.contact_status = contact_info.contact_status.clone();
                e.rtt_usec = contact_info
                    .roundtrip_usec
                    .as_deref()
                    .and_then(|r| r.parse().ok())
                    .filter(|&r| r > 0);
                if contact_info.contact_status == "Removed" {
                    e.contacts.remove(&contact_info.uri);
                } else {
                    e.contacts.insert(
                        contact_info.uri.clone(),
                        LiveContact {
                            status: contact_info.contact_status.clone(),
                            rtt_usec: e.rtt_usec,
                        },
                    );
                }
                // The contact just seen decides too (a first NonQualified contact).
                e.state = presence(&endpoint.state, &e.contacts);
                if previous_state.is_some_and(|p| p != e.state) {
                    e.state_since = crate::db::now();
                }
                change = Some(RegistrationChange {
                    endpoint: endpoint.resource.clone(),
                    status: e.state.to_string(),
                    contact_status: contact_info.contact_status.clone(),
                    uri: contact_info.uri.clone(),
                });
                s.endpoints.insert(endpoint.resource.clone(), e);
            }
            _ => {}
        });
        self.report(change.into_iter().collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> Vec<AriEvent> {
        let path = format!(
            "{}/tests/fixtures/ari/recorded_session.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| AriEvent::parse(l).unwrap())
            .collect()
    }

    #[test]
    fn channel_names_give_endpoints_and_device_states() {
        assert_eq!(channel_endpoint("PJSIP/sabc-00000002"), Some("sabc"));
        assert_eq!(channel_endpoint("PJSIP/a-b-0000000a"), Some("a-b"));
        assert_eq!(channel_endpoint("Local/x@y-0001;1"), None);
        let mut s = LiveState::default();
        s.endpoints.insert(
            "sabc".into(),
            LiveEndpoint {
                resource: "sabc".into(),
                state: Presence::Online,
                ..LiveEndpoint::default()
            },
        );
        assert_eq!(s.device_state("sabc"), "not_inuse");
        assert_eq!(s.device_state("gone"), "unavailable");
        fn add(s: &mut LiveState, id: &str, name: &str, state: &str) {
            s.channels.insert(
                id.into(),
                LiveChannel {
                    id: id.into(),
                    name: name.into(),
                    state: state.into(),
                    caller_name: String::new(),
                    caller_number: String::new(),
                    connected_name: String::new(),
                    connected_number: String::new(),
                    dialled: String::new(),
                    partner: None,
                    started_at: 0,
                },
            );
        }
        add(&mut s, "1", "PJSIP/sabcd-00000001", "Up");
        assert_eq!(
            s.device_state("sabc"),
            "not_inuse",
            "another endpoint's call"
        );
        add(&mut s, "2", "PJSIP/sabc-00000002", "Ringing");
        assert_eq!(s.device_state("sabc"), "ringing");
        add(&mut s, "3", "PJSIP/sabc-00000003", "Up");
        assert_eq!(s.device_state("sabc"), "ringinuse");
        s.channels.remove("2");
        assert_eq!(s.device_state("sabc"), "inuse");
        assert_eq!(s.channels_of("sabc").len(), 1);
    }

    #[test]
    fn contact_status_changes_keep_rtt_per_contact_uri() {
        let registry = LiveRegistry::default();
        let event = |status: &str, rtt: &str| {
            AriEvent::parse(&format!(
                r#"{{"type":"ContactStatusChange","endpoint":{{"technology":"PJSIP","resource":"sabc","state":"online","channel_ids":[]}},"contact_info":{{"uri":"sip:sabc@127.0.0.1:5070","contact_status":"{status}","aor":"sabc","roundtrip_usec":"{rtt}"}}}}"#
            ))
            .unwrap()
        };
        registry.apply(&event("Reachable", "1234"));
        let c = &registry.snapshot().endpoints["sabc"].contacts["sip:sabc@127.0.0.1:5070"];
        assert_eq!(c.status, "Reachable");
        assert_eq!(c.rtt_usec, Some(1234));
        registry.apply(&event("Removed", "0"));
        assert!(registry.snapshot().endpoints["sabc"].contacts.is_empty());
    }

    #[test]
    fn a_registered_contact_without_qualify_is_online_though_ari_says_offline() {
        let registry = LiveRegistry::default();
        let contact = |status: &str| {
            AriEvent::parse(&format!(
                r#"{{"type":"ContactStatusChange","endpoint":{{"technology":"PJSIP","resource":"snq","state":"offline","channel_ids":[]}},"contact_info":{{"uri":"sip:snq@127.0.0.1:5070","contact_status":"{status}","aor":"snq","roundtrip_usec":"0"}}}}"#
            ))
            .unwrap()
        };
        let endpoint = AriEvent::parse(
            r#"{"type":"EndpointStateChange","endpoint":{"technology":"PJSIP","resource":"snq","state":"offline","channel_ids":[]}}"#,
        )
        .unwrap();
        registry.apply(&endpoint);
        assert_eq!(
            registry.snapshot().endpoints["snq"].state,
            Presence::Offline
        );
        registry.apply(&contact("NonQualified"));
        let e = registry.snapshot().endpoints["snq"].clone();
        assert_eq!(e.state, Presence::Online);
        assert!(e.state_since > 0, "the change to online is dated");
        assert_eq!(e.contacts["sip:snq@127.0.0.1:5070"].rtt_usec, None);
        assert_eq!(registry.snapshot().online_count(), 1);
        // ARI's next word on the endpoint (offline, as always here) does not undo it.
        registry.apply(&endpoint);
        assert_eq!(registry.snapshot().endpoints["snq"].state, Presence::Online);
        // Unregistered: offline.
        registry.apply(&contact("Removed"));
        assert_eq!(
            registry.snapshot().endpoints["snq"].state,
            Presence::Offline
        );
        // A qualified contact that stopped answering stays offline.
        registry.apply(&contact("Unreachable"));
        assert_eq!(
            registry.snapshot().endpoints["snq"].state,
            Presence::Offline
        );
    }

    #[test]
    fn unqualified_registrations_from_the_database_make_their_endpoint_online() {
        let registry = LiveRegistry::default();
        let regs = |uris: &[&str]| {
            HashMap::from([(
                "snq".to_string(),
                uris.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            )])
        };
        registry.set_unqualified(&regs(&["sip:snq-1@127.0.0.1:5070"]));
        let e = registry.snapshot().endpoints["snq"].clone();
        assert_eq!(e.state, Presence::Online);
        assert_eq!(e.ari_state, "offline");
        assert_eq!(
            e.contacts["sip:snq-1@127.0.0.1:5070"].status,
            "NonQualified"
        );
        assert_eq!(e.contacts["sip:snq-1@127.0.0.1:5070"].rtt_usec, None);
        // ARI's offline does not undo it; the phone's new contact replaces the old one.
        registry.apply(
            &AriEvent::parse(
                r#"{"type":"EndpointStateChange","endpoint":{"technology":"PJSIP","resource":"snq","state":"offline","channel_ids":[]}}"#,
            )
            .unwrap(),
        );
        registry.set_unqualified(&regs(&["sip:snq-2@127.0.0.1:5070"]));
        let e = registry.snapshot().endpoints["snq"].clone();
        assert_eq!(e.state, Presence::Online);
        assert_eq!(
            e.contacts.keys().collect::<Vec<_>>(),
            ["sip:snq-2@127.0.0.1:5070"]
        );
        // Unregistered (no row any more): offline.
        registry.set_unqualified(&HashMap::new());
        let e = registry.snapshot().endpoints["snq"].clone();
        assert_eq!(e.state, Presence::Offline);
        assert!(e.contacts.is_empty());
    }

    #[test]
    fn a_dialled_token_is_kept_masked() {
        let registry = LiveRegistry::default().masking_code("9955");
        registry.follow_channels(&[]);
        let start = AriEvent::parse(
            r#"{"type":"StasisStart","args":["register","h1","1234567890"],"channel":{"id":"c1","name":"PJSIP/h1-00000001","state":"Up","dialplan":{"context":"eventpbx-temporary","exten":"99551234567890","priority":3,"app_name":"Stasis","app_data":"eventpbx,register,h1,1234567890"}}}"#,
        )
        .unwrap();
        registry.apply(&start);
        let c = &registry.snapshot().channels["c1"];
        assert_eq!(c.dialled, "9955••••••••••");
        let channel = Channel {
            id: "c2".into(),
            name: "PJSIP/h2-00000002".into(),
            dialplan: crate::ari::events::DialplanCep {
                exten: "99550000000000".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        registry.reload(Some(&[channel]), &[]);
        assert_eq!(registry.snapshot().channels["c2"].dialled, "9955••••••••••");
    }

    #[test]
    fn parses_ari_timestamps() {
        assert_eq!(parse_ari_time("1970-01-01T00:01:00.000+0000"), Some(60));
        assert_eq!(parse_ari_time("1970-01-01T01:01:00.000+0100"), Some(60));
        assert_eq!(parse_ari_time("yesterday"), None);
    }

    #[test]
    fn a_recorded_call_appears_links_and_disappears() {
        let registry = LiveRegistry::default();
        registry.follow_channels(&[]);
        let mut peak = 0;
        let mut linked = false;
        for e in events() {
            registry.apply(&e);
            let s = registry.snapshot();
            peak = peak.max(s.channels.len());
            linked |= s
                .channels
                .values()
                .any(|c| c.partner.is_some() && c.state == "Up");
        }
        assert!(peak >= 2, "two channels of the A->B call at once");
        assert!(linked, "the answered call links caller and callee");
        assert!(
            registry.snapshot().channels.is_empty(),
            "all destroyed at the end"
        );
        let eps = registry.snapshot().endpoints;
        assert!(eps.values().any(|e| e.state.is_online()), "{eps:?}");
    }

    #[test]
    fn dialled_number_is_kept_from_creation() {
        let registry = LiveRegistry::default();
        registry.follow_channels(&[]);
        let mut dialled = Vec::new();
        for e in events() {
            registry.apply(&e);
            for c in registry.snapshot().channels.values() {
                if !c.dialled.is_empty() && !dialled.contains(&c.dialled) {
                    dialled.push(c.dialled.clone());
                }
            }
        }
        assert!(dialled.contains(&"9951".to_string()), "{dialled:?}");
        assert!(dialled.contains(&"2302".to_string()), "{dialled:?}");
    }

    #[test]
    fn an_endpoint_remembers_when_its_state_changed() {
        let registry = LiveRegistry::default();
        let endpoint = |state: &str| Endpoint {
            technology: "PJSIP".into(),
            resource: "h1".into(),
            state: state.into(),
            ..Default::default()
        };
        registry.reload(None, &[endpoint("offline")]);
        assert_eq!(
            registry.snapshot().endpoints["h1"].state_since,
            0,
            "not seen changing"
        );
        registry.apply(&AriEvent::EndpointStateChange {
            endpoint: endpoint("online"),
        });
        let since = registry.snapshot().endpoints["h1"].state_since;
        assert!(since >= crate::db::now() - 1, "{since}");
        registry.apply(&AriEvent::EndpointStateChange {
            endpoint: endpoint("online"),
        });
        assert_eq!(
            registry.snapshot().endpoints["h1"].state_since,
            since,
            "no change"
        );
    }

    #[test]
    fn losing_the_connection_clears_channels_and_reload_restores() {
        let registry = LiveRegistry::default();
        let ch = Channel {
            id: "c1".into(),
            state: "Up".into(),
            creationtime: "2026-11-22T12:00:00.000+0000".into(),
            ..Default::default()
        };
        registry.reload(Some(std::slice::from_ref(&ch)), &[]);
        assert_eq!(registry.snapshot().channels.len(), 1);
        registry.set_connection(ConnectionState::default());
        assert!(registry.snapshot().channels.is_empty());
        assert!(!registry.snapshot().channels_followed);
        registry.reload(Some(&[ch]), &[]);
        assert_eq!(registry.snapshot().channels["c1"].state, "Up");
    }

    #[test]
    fn channel_events_are_ignored_until_the_channels_are_followed() {
        let registry = LiveRegistry::default();
        let endpoint_events = events()
            .iter()
            .filter(|e| matches!(e, AriEvent::ContactStatusChange { .. }))
            .count();
        assert!(endpoint_events > 0, "the recording has contact changes");
        let mut seen_channels = 0;
        for e in events() {
            registry.apply(&e);
            seen_channels = seen_channels.max(registry.snapshot().channels.len());
        }
        assert_eq!(seen_channels, 0, "no channel is kept while not followed");
        assert!(
            !registry.snapshot().endpoints.is_empty(),
            "registrations are followed all the time"
        );
        registry.follow_channels(&[]);
        let mut followed_peak = 0;
        for e in events() {
            registry.apply(&e);
            followed_peak = followed_peak.max(registry.snapshot().channels.len());
        }
        assert!(followed_peak > 0, "followed, the same events make channels");
        registry.follow_channels(&[Channel {
            id: "c9".into(),
            ..Default::default()
        }]);
        registry.unfollow_channels();
        let s = registry.snapshot();
        assert!(s.channels.is_empty() && !s.channels_followed);
    }

    #[tokio::test]
    async fn a_reader_waits_for_the_channels_to_be_followed() {
        let registry = LiveRegistry::default();
        let mut watchers = registry.watchers();
        let claim = registry.watch_channels();
        assert_eq!(*watchers.borrow_and_update(), 1);
        let quick = registry.channels_followed(std::time::Duration::from_millis(20));
        assert!(!quick.await, "nobody followed them yet");
        let engine = registry.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            engine.follow_channels(&[]);
        });
        assert!(
            registry
                .channels_followed(std::time::Duration::from_secs(5))
                .await
        );
        drop(claim);
        assert_eq!(*watchers.borrow_and_update(), 0);
    }
}
