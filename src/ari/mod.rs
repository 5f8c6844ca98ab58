//! Our own ARI client: typed REST calls ([`client`]), typed events ([`events`]) and the events
//! websocket that survives Asterisk restarts ([`ws`]).

pub mod client;
pub mod error;
pub mod events;
pub mod ws;

pub use client::AriClient;
pub use error::AriError;
pub use events::AriEvent;
