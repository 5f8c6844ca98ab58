//! What the operator page shows of the live call state, independent of where it comes from.
//!
//! The live registry (in `calls::live`) converts its snapshot into a [`LiveSnapshot`] and
//! implements [`LiveSource`]; `web::router_with_live` takes it. Until that is wired, the
//! router uses [`Offline`], and the page says plainly that Asterisk is not connected.

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
    /// Failed registration token attempts in the last 10 minutes.
    pub failed_token_attempts: u32,
}

/// The result of asking the live registry to act.
pub type ActionFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A source of live state for the operator page.
pub trait LiveSource: Send + Sync + 'static {
    /// The current state.
    fn snapshot(&self) -> LiveSnapshot;
    /// Hangs up one channel; the error text is shown to the operator.
    fn hangup(&self, channel_id: String) -> ActionFuture;
}

/// No live registry: nothing connected, nothing to hang up.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl LiveSource for Offline {
    fn snapshot(&self) -> LiveSnapshot {
        LiveSnapshot::default()
    }

    fn hangup(&self, _channel_id: String) -> ActionFuture {
        Box::pin(async { Err("Asterisk is not connected.".to_string()) })
    }
}
