//! Our own ARI client: typed REST calls ([`client`]), typed events ([`events`]) and the events
//! websocket that survives Asterisk restarts ([`ws`]), with one error type ([`error`]).
//!
//! How the parts fit:
//! - [`ws::run`] holds `GET /ari/events?app=...` open, decodes each frame into an
//!   [`AriEvent`] and hands it on at once as a [`WsMessage`]; after every (re)connect it sends
//!   [`WsMessage::Connected`] first, because Asterisk replays nothing: subscribe again with
//!   [`AriClient::subscribe`] and reload with [`AriClient::channels`] / [`AriClient::endpoints`].
//!   Its [`ConnectionState`] goes out on a `watch` channel.
//! - Route events with [`AriEvent::channel_id`] (channel, else playback target, else Dial
//!   peer).
//! - Command with [`AriClient`] using ids the caller generated (channelId, playbackId,
//!   bridgeId) so no event about them can arrive before the caller knows them. A hangup of a
//!   channel already gone succeeds; other races show as [`AriError::is_gone`].

mod applications;
mod bridges;
pub mod client;
pub mod error;
pub mod events;
pub mod modules;
pub mod ws;

pub use client::{AriClient, AsteriskInfo, Originate, OriginateToDialplan};
pub use error::AriError;
pub use events::{
    AriEvent, Bridge, CallerId, Channel, DialplanCep, Endpoint, Envelope, EventMeta, Playback,
};
pub use modules::AsteriskModule;
pub use ws::{ConnectionState, Status, WsConfig, WsMessage};
