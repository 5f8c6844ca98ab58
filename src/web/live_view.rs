//! What the operator page and the JSON API see of the live call state, and what they may ask
//! of it (hang up, originate), independent of where it comes from.
//!
//! [`EngineLive`] adapts the call engine's live registry (`calls::live`) to [`LiveSource`];
//! `app` hands it to `web::router_with_live`. Without an engine (no ARI password, as in the
//! web layer's tests) the router uses [`Offline`], and the pages say plainly that Asterisk
//! is not connected.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use crate::calls::conference::Action;
pub use crate::calls::live::{ChannelWatch, LiveContact};
pub use crate::calls::ring_test::RingTest;
use crate::calls::ring_test::{self, RingTestError};
pub use crate::domain::conference::Participant;
use crate::domain::ring_test::RingTarget;

/// One channel on the Asterisk, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorChannel {
    /// Asterisk's channel id (used by the hang-up button).
    pub id: String,
    /// Caller: number and name as known.
    pub caller: String,
    /// Callee or dialled digits.
    pub callee: String,
    /// Channel state as Asterisk names it ("Ring", "Ringing", "Up", ...).
    pub state: String,
    /// When the channel was created, unix seconds (the page shows a ticking duration).
    pub started_at: i64,
    /// The channel it is bridged with, described for people, if any.
    pub bridged_with: Option<String>,
}

/// Everything the operator page needs from the live registry at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveSnapshot {
    /// Whether the ARI websocket is connected right now.
    pub ari_connected: bool,
    /// Every channel now on the Asterisk.
    pub channels: Vec<OperatorChannel>,
    /// What the connection state says, for people ("connected", "replaced by another
    /// eventpbx", `reconnecting: <last error>`), in English (the JSON API's words).
    pub ari_status: String,
    /// The same state as a value, so each page words it in its own language.
    pub ari_link: AriLink,
    /// Devices Asterisk reports online.
    pub registered_devices: usize,
    /// Whether `channels` is every channel: only while someone holds a [`ChannelWatch`]
    /// (from [`LiveSource::watch_channels`]) does the engine follow them all.
    pub channels_followed: bool,
}

/// The ARI connection's state, for pages to put in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AriLink {
    /// Eventpbx has no ARI connection configured.
    #[default]
    NotConfigured,
    /// Connected.
    Connected,
    /// Trying to connect, with the last error if one happened.
    Connecting(Option<String>),
    /// Another eventpbx took over the ARI application.
    Replaced,
    /// Stopped (the daemon is shutting down).
    Stopped,
}

/// One device's registration as Asterisk reports it right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStatus {
    /// Asterisk counts the endpoint online (a registered, reachable contact).
    pub online: bool,
    /// When that last changed, unix seconds, if eventpbx saw it change.
    pub since: Option<i64>,
    /// The shortest round trip qualify measured among its contacts, microseconds; None when
    /// nothing was measured (qualify is off for it, or has not answered yet): "not checked".
    pub rtt_usec: Option<u64>,
}

/// The result of asking the live registry to act.
pub type ActionFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A channel with its fields as Asterisk reports them, for the JSON API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelDetail {
    /// Asterisk's channel id.
    pub id: String,
    /// Channel name, e.g. `PJSIP/s3kd8-00000002`.
    pub name: String,
    /// Ring, Ringing, Up, ...
    pub state: String,
    /// Caller id name and number.
    pub caller: (String, String),
    /// Connected line name and number.
    pub connected: (String, String),
    /// The number the channel entered the dialplan with, if any.
    pub dialled: Option<String>,
    /// The PJSIP endpoint of the channel, if it is a PJSIP channel.
    pub endpoint: Option<String>,
    /// Id of the channel it talks to (Dial peer or bridge partner).
    pub bridged_with: Option<String>,
    /// When it was created, Unix seconds.
    pub started_at: i64,
}

/// One PJSIP endpoint's live state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointLive {
    /// Whether Asterisk reports it online (it has a reachable registration).
    pub online: bool,
    /// Device state as Asterisk names it, lower case: not_inuse, inuse, ringing, ringinuse,
    /// busy, unavailable.
    pub device_state: String,
    /// Its channels now.
    pub channel_count: usize,
    /// Its contacts' reachability, by contact URI.
    pub contacts: HashMap<String, LiveContact>,
}

/// Every endpoint the live registry knows, at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointsLive {
    /// Whether the ARI websocket is connected; without it nothing below is known.
    pub ari_connected: bool,
    /// By endpoint id. An endpoint missing here is offline (Asterisk has not loaded it).
    pub endpoints: HashMap<String, EndpointLive>,
}

/// A call to originate: ring `endpoint`; once it answers, run the dialplan at
/// `extension`@`context` (which dials the other party).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginateCall {
    /// The PJSIP endpoint to ring first.
    pub endpoint: String,
    /// Where its channel goes once answered.
    pub extension: String,
    /// The dialplan context (the endpoint's own, so its dialling rules apply).
    pub context: String,
    /// Caller id of the new channel, e.g. `"Alice" <4711>`: what the other party sees.
    pub caller_id: String,
    /// Seconds to ring `endpoint`.
    pub timeout_secs: u32,
}

/// Which of eventpbx's own limits said "not now".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotNow {
    /// A test call to this number is under way.
    #[error("a test call to {0} is already under way: wait for its outcome")]
    RingTestRunning(String),
    /// As many test calls as allowed are under way.
    #[error("{0} test calls are under way already: try again in a minute")]
    RingTestsFull(usize),
}

/// Why the live registry could not act.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    /// The ARI websocket is not connected, so Asterisk cannot be driven now.
    #[error("Asterisk is not connected")]
    NotConnected,
    /// Asterisk refused or failed; the text says why.
    #[error("Asterisk refused: {0}")]
    Asterisk(String),
    /// Not now: a limit of eventpbx's own (the English text is the API's; pages word it from
    /// the reason).
    #[error("{0}")]
    NotNow(NotNow),
    /// No such participant in that conference room (gone meanwhile, or never there).
    #[error("no such participant in this room")]
    NoParticipant,
}

/// The result of an API action on the live registry.
pub type LiveFuture<T> = Pin<Box<dyn Future<Output = Result<T, LiveError>> + Send>>;

/// A source of live state for the operator page and the JSON API.
///
/// The methods the API added have defaults (nothing known, not connected) so a source that
/// only feeds the operator page need not implement them.
pub trait LiveSource: Send + Sync + 'static {
    /// The current state.
    fn snapshot(&self) -> LiveSnapshot;
    /// Claims the channel list for as long as the result lives, and waits (briefly) until
    /// it is complete: whoever reads channels, or the device states and channel counts of
    /// endpoints, holds one while reading.
    fn watch_channels(&self) -> Pin<Box<dyn Future<Output = ChannelWatch> + Send + '_>> {
        Box::pin(async { ChannelWatch::none() })
    }
    /// Hangs up one channel; the error text is shown to the operator.
    fn hangup(&self, channel_id: String) -> ActionFuture;
    /// Wakes on every change of the live state.
    fn subscribe(&self) -> tokio::sync::watch::Receiver<u64>;
    /// The registration state of the devices with these endpoint ids, for those the live
    /// registry knows; an empty map when Asterisk is not connected (callers then fall back to
    /// the stored contacts).
    fn device_status(&self, _device_ids: &[String]) -> HashMap<String, DeviceStatus> {
        HashMap::new()
    }

    /// Every channel now, oldest first.
    fn channels(&self) -> Vec<ChannelDetail> {
        Vec::new()
    }
    /// One channel, if it exists now.
    fn channel(&self, id: &str) -> Option<ChannelDetail> {
        self.channels().into_iter().find(|c| c.id == id)
    }
    /// Every endpoint's live state.
    fn endpoints(&self) -> EndpointsLive {
        EndpointsLive::default()
    }
    /// Starts a call; answers the new channel's id.
    fn originate(&self, _call: OriginateCall) -> LiveFuture<String> {
        Box::pin(async { Err(LiveError::NotConnected) })
    }
    /// Hangs up one channel for the API: [`LiveError::NotConnected`] when it cannot.
    fn hangup_channel(&self, _channel_id: String) -> LiveFuture<()> {
        Box::pin(async { Err(LiveError::NotConnected) })
    }
    /// How many channels Asterisk has now, without making the engine follow them all;
    /// `None` when Asterisk cannot be asked.
    fn channel_count(&self) -> Pin<Box<dyn Future<Output = Option<usize>> + Send + '_>> {
        Box::pin(async { None })
    }
    /// Starts a "ring me" test call for user `requested_by`; answers the test's id.
    fn ring_test(&self, _target: RingTarget, _requested_by: i64) -> LiveFuture<String> {
        Box::pin(async { Err(LiveError::NotConnected) })
    }
    /// A ring test and its state, for a few minutes after it started.
    fn ring_test_state(&self, _id: &str) -> Option<RingTest> {
        None
    }
    /// Who is in conference room `number` now (nobody without an engine).
    fn conference(&self, _number: &str) -> Vec<Participant> {
        Vec::new()
    }
    /// Wakes on every change of any conference room.
    fn conference_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        tokio::sync::watch::channel(0).1
    }
    /// Mutes, unmutes or removes participant `id` of room `number`.
    fn conference_action(&self, _number: String, _id: String, _action: Action) -> LiveFuture<()> {
        Box::pin(async { Err(LiveError::NotConnected) })
    }
}

/// The live source as handlers extract it.
pub type SharedLive = Arc<dyn LiveSource>;

/// No live registry: nothing connected, nothing to hang up. The API methods keep the trait's
/// defaults: no channels, no endpoint known, every action [`LiveError::NotConnected`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl LiveSource for Offline {
    fn snapshot(&self) -> LiveSnapshot {
        LiveSnapshot {
            ari_status: "eventpbx has no ARI connection configured".into(),
            ..LiveSnapshot::default()
        }
    }

    fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        // Nothing ever changes; the sender is dropped, so a stream woken only by this (the
        // account status) ends after its first event.
        tokio::sync::watch::channel(0).1
    }

    fn hangup(&self, _channel_id: String) -> ActionFuture {
        Box::pin(async { Err("Asterisk is not connected.".to_string()) })
    }
}

/// How long a reader waits for the engine to start following every channel (a subscription
/// and a listing: milliseconds, unless Asterisk is overloaded).
const FOLLOW_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The call engine as the operator page's source.
pub struct EngineLive(pub crate::calls::engine::Engine);

impl LiveSource for EngineLive {
    fn snapshot(&self) -> LiveSnapshot {
        use crate::ari::ws::Status;
        let state = self.0.live.snapshot();
        let describe = |id: &str| {
            state
                .channels
                .get(id)
                .map(|c| {
                    if c.caller_number.is_empty() {
                        c.name.clone()
                    } else {
                        format!("{} <{}>", c.caller_name, c.caller_number)
                    }
                })
                .unwrap_or_else(|| id.to_string())
        };
        let channels = state
            .channels_sorted()
            .into_iter()
            .map(|c| OperatorChannel {
                caller: if c.caller_name.is_empty() {
                    c.caller_number.clone()
                } else {
                    format!("\"{}\" <{}>", c.caller_name, c.caller_number)
                },
                callee: if c.dialled.is_empty() {
                    c.connected_number.clone()
                } else {
                    c.dialled.clone()
                },
                bridged_with: c.partner.as_deref().map(describe),
                id: c.id,
                state: c.state,
                started_at: c.started_at,
            })
            .collect();
        let (ari_connected, ari_status, ari_link) = match &state.connection.status {
            Status::Connected { .. } => (true, "connected".to_string(), AriLink::Connected),
            Status::Replaced => (
                false,
                "another eventpbx took over the ARI application; restart this one".to_string(),
                AriLink::Replaced,
            ),
            Status::Connecting => (
                false,
                match &state.connection.last_error {
                    Some(e) => format!("reconnecting: {e}"),
                    None => "connecting".to_string(),
                },
                AriLink::Connecting(state.connection.last_error.clone()),
            ),
            Status::Stopped => (false, "stopped".to_string(), AriLink::Stopped),
        };
        LiveSnapshot {
            ari_connected,
            ari_status,
            ari_link,
            registered_devices: state.online_count(),
            channels,
            channels_followed: state.channels_followed,
        }
    }

    fn watch_channels(&self) -> Pin<Box<dyn Future<Output = ChannelWatch> + Send + '_>> {
        Box::pin(async {
            let claim = self.0.live.watch_channels();
            let connected = self
                .0
                .live
                .read(|s| {
                    matches!(
                        s.connection.status,
                        crate::ari::ws::Status::Connected { .. }
                    )
                })
                .unwrap_or(false);
            // Without a connection there is nothing to wait for; the reader says so.
            if connected && !self.0.live.channels_followed(FOLLOW_WAIT).await {
                tracing::warn!("the channel list was not complete in time; showing what is known");
            }
            claim
        })
    }

    fn channel_count(&self) -> Pin<Box<dyn Future<Output = Option<usize>> + Send + '_>> {
        Box::pin(async {
            let followed = self.0.live.read(|s| s.channels_followed).unwrap_or(false);
            if followed {
                return self.0.live.read(|s| s.channels.len());
            }
            self.0.client.channels().await.ok().map(|c| c.len())
        })
    }

    fn conference(&self, number: &str) -> Vec<Participant> {
        self.0.conferences.participants(number)
    }

    fn conference_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.conferences.subscribe()
    }

    fn conference_action(&self, number: String, id: String, action: Action) -> LiveFuture<()> {
        let (rooms, client) = (self.0.conferences.clone(), self.0.client.clone());
        let connected = self.connected();
        Box::pin(async move {
            use crate::calls::conference::ActionError;
            if !connected {
                return Err(LiveError::NotConnected);
            }
            rooms
                .act(&client, &number, &id, action)
                .await
                .map_err(|e| match e {
                    ActionError::NotInRoom => LiveError::NoParticipant,
                    ActionError::Ari(e) => LiveError::Asterisk(e.to_string()),
                })
        })
    }

    fn hangup(&self, channel_id: String) -> ActionFuture {
        let client = self.0.client.clone();
        Box::pin(async move {
            client
                .hangup(&channel_id, "normal")
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.live.subscribe()
    }

    fn device_status(&self, device_ids: &[String]) -> HashMap<String, DeviceStatus> {
        self.0
            .live
            .read(|state| {
                if !matches!(
                    state.connection.status,
                    crate::ari::ws::Status::Connected { .. }
                ) {
                    return HashMap::new();
                }
                device_ids
                    .iter()
                    .filter_map(|id| {
                        let e = state.endpoints.get(id)?;
                        Some((
                            id.clone(),
                            DeviceStatus {
                                online: e.state.is_online(),
                                since: (e.state_since > 0).then_some(e.state_since),
                                rtt_usec: e.contacts.values().filter_map(|c| c.rtt_usec).min(),
                            },
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    fn channels(&self) -> Vec<ChannelDetail> {
        self.0
            .live
            .snapshot()
            .channels_sorted()
            .into_iter()
            .map(channel_detail)
            .collect()
    }

    fn channel(&self, id: &str) -> Option<ChannelDetail> {
        self.0
            .live
            .snapshot()
            .channels
            .remove(id)
            .map(channel_detail)
    }

    fn endpoints(&self) -> EndpointsLive {
        use crate::ari::ws::Status;
        let state = self.0.live.snapshot();
        let endpoints = state
            .endpoints
            .iter()
            .map(|(id, e)| {
                let live = EndpointLive {
                    online: e.state.is_online(),
                    device_state: state.device_state(id).to_string(),
                    channel_count: state.channels_of(id).len(),
                    contacts: e.contacts.clone(),
                };
                (id.clone(), live)
            })
            .collect();
        EndpointsLive {
            ari_connected: matches!(state.connection.status, Status::Connected { .. }),
            endpoints,
        }
    }

    fn originate(&self, call: OriginateCall) -> LiveFuture<String> {
        let connected = self.connected();
        let client = self.0.client.clone();
        Box::pin(async move {
            if !connected {
                return Err(LiveError::NotConnected);
            }
            // Our own id, so the caller can hang it up before any event about it arrives.
            let channel_id = format!("epbx-orig-{}", &crate::domain::secrets::hex256()[..24]);
            let o = crate::ari::client::OriginateToDialplan {
                endpoint: format!("PJSIP/{}", call.endpoint),
                channel_id: channel_id.clone(),
                context: call.context,
                extension: call.extension,
                caller_id: call.caller_id,
                timeout: call.timeout_secs,
            };
            client.originate_to_dialplan(&o).await.map_err(ari_error)?;
            Ok(channel_id)
        })
    }

    fn ring_test(&self, target: RingTarget, requested_by: i64) -> LiveFuture<String> {
        let connected = self.connected();
        let (client, tests) = (self.0.client.clone(), self.0.ring_tests.clone());
        Box::pin(async move {
            if !connected {
                return Err(LiveError::NotConnected);
            }
            tests
                .start(&client, target, requested_by)
                .await
                .map_err(|e| match e {
                    RingTestError::Asterisk(e) => ari_error(e),
                    RingTestError::AlreadyRunning(n) => {
                        LiveError::NotNow(NotNow::RingTestRunning(n.to_string()))
                    }
                    RingTestError::TooMany => {
                        LiveError::NotNow(NotNow::RingTestsFull(ring_test::MAX_RUNNING))
                    }
                })
        })
    }

    fn ring_test_state(&self, id: &str) -> Option<RingTest> {
        self.0.ring_tests.get(id)
    }

    fn hangup_channel(&self, channel_id: String) -> LiveFuture<()> {
        let connected = self.connected();
        let client = self.0.client.clone();
        Box::pin(async move {
            if !connected {
                return Err(LiveError::NotConnected);
            }
            client
                .hangup(&channel_id, "normal")
                .await
                .map_err(ari_error)
        })
    }
}

impl EngineLive {
    fn connected(&self) -> bool {
        matches!(
            self.0.live.snapshot().connection.status,
            crate::ari::ws::Status::Connected { .. }
        )
    }
}

/// ARI's failure as the API reports it: a transport failure means Asterisk is not reachable.
fn ari_error(e: crate::ari::AriError) -> LiveError {
    match e {
        crate::ari::AriError::Transport(_) => LiveError::NotConnected,
        other => LiveError::Asterisk(other.to_string()),
    }
}

fn channel_detail(c: crate::calls::live::LiveChannel) -> ChannelDetail {
    let endpoint = crate::calls::live::channel_endpoint(&c.name).map(String::from);
    ChannelDetail {
        endpoint,
        caller: (c.caller_name, c.caller_number),
        connected: (c.connected_name, c.connected_number),
        dialled: Some(c.dialled).filter(|d| !d.is_empty()),
        bridged_with: c.partner,
        id: c.id,
        name: c.name,
        state: c.state,
        started_at: c.started_at,
    }
}
