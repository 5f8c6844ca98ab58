//! The engine's tunables ([`EngineConfig`]), apart so tests can build one without the engine.

use std::time::Duration;

use super::bind::machine::Timing;
use crate::ari::ws::WsConfig;

/// Tunables, so tests can shorten timeouts.
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    pub ws: WsConfig,
    pub timing: Timing,
    /// How long the engine keeps following every channel after the last reader let go
    /// (see `channel_watch`): an API client polling every few seconds keeps it on.
    pub follow_linger: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            ws: WsConfig::default(),
            timing: Timing::default(),
            follow_linger: Duration::from_secs(60),
        }
    }
}
