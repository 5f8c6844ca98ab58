//! What the operator page shows of the live call state, independent of where it comes from.
//!
//! The live registry (in `calls::live`) converts its snapshot into a [`LiveSnapshot`] and
//! implements [`LiveSource`]; `web::router_with_live` takes it. Until that is wired, the
//! router uses [`Offline`], and the page says plainly that Asterisk is not connected.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// One channel on the Asterisk, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChannel {
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
    pub channels: Vec<LiveChannel>,
    /// What the connection state says, for people ("connected", "replaced by another
    /// eventpbx", "reconnecting: <last error>").
    pub ari_status: String,
    /// Devices Asterisk reports online.
    pub registered_devices: usize,
}

/// One device's registration as Asterisk reports it right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStatus {
    /// Asterisk counts the endpoint online (a registered, reachable contact).
    pub online: bool,
    /// When that last changed, unix seconds, if eventpbx saw it change.
    pub since: Option<i64>,
}

/// The result of asking the live registry to act.
pub type ActionFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A source of live state for the operator page.
pub trait LiveSource: Send + Sync + 'static {
    /// The current state.
    fn snapshot(&self) -> LiveSnapshot;
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
}

/// No live registry: nothing connected, nothing to hang up.
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
        // Nothing ever changes; the sender is dropped, so the stream ends after its first event.
        tokio::sync::watch::channel(0).1
    }

    fn hangup(&self, _channel_id: String) -> ActionFuture {
        Box::pin(async { Err("Asterisk is not connected.".to_string()) })
    }
}

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
            .map(|c| LiveChannel {
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
        let (ari_connected, ari_status) = match &state.connection.status {
            Status::Connected { .. } => (true, "connected".to_string()),
            Status::Replaced => (
                false,
                "another eventpbx took over the ARI application; restart this one".to_string(),
            ),
            Status::Connecting => (
                false,
                match &state.connection.last_error {
                    Some(e) => format!("reconnecting: {e}"),
                    None => "connecting".to_string(),
                },
            ),
            Status::Stopped => (false, "stopped".to_string()),
        };
        LiveSnapshot {
            ari_connected,
            ari_status,
            registered_devices: state.online_count(),
            channels,
        }
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
        let state = self.0.live.snapshot();
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
                        online: e.state == "online",
                        since: (e.state_since > 0).then_some(e.state_since),
                    },
                ))
            })
            .collect()
    }
}
