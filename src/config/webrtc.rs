//! `[webrtc]`: the browser phone's websocket proxy (issue 16, `web::ws_proxy`).

use serde::{Deserialize, Serialize};

/// The browser phone: eventpbx proxies `/ws` (subprotocol `sip`) to Asterisk's loopback HTTP
/// server, which also carries ARI and therefore never leaves loopback.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebrtcSettings {
    /// Offer browser phones on the account page and serve `/ws`.
    pub enabled: bool,
    /// Most websockets proxied at once (each is one registered browser phone); beyond it a
    /// new one is refused with 503, so a flood cannot exhaust Asterisk's HTTP sessions.
    pub max_sockets: usize,
    /// Origins besides the web UI's own (`web.public_url` and the request's `Host`) whose pages
    /// may open `/ws`, e.g. `https://phone.example.org`. Usually empty.
    pub extra_origins: Vec<String>,
}

impl Default for WebrtcSettings {
    fn default() -> Self {
        WebrtcSettings {
            enabled: true,
            max_sockets: 200,
            extra_origins: Vec::new(),
        }
    }
}

/// Asterisk's SIP websocket for an ARI base URL: same host and port (one HTTP server serves
/// both), path `/ws`. None when the URL is not `http://` (eventpbx speaks plain websockets to
/// loopback only).
pub fn asterisk_ws_url(ari_url: &str) -> Option<String> {
    let rest = ari_url.strip_prefix("http://")?;
    let authority = rest.split('/').next().filter(|a| !a.is_empty())?;
    Some(format!("ws://{authority}/ws"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_sits_beside_ari() {
        assert_eq!(
            asterisk_ws_url("http://127.0.0.1:8088/ari").as_deref(),
            Some("ws://127.0.0.1:8088/ws")
        );
        assert_eq!(
            asterisk_ws_url("http://[::1]:9/ari/").as_deref(),
            Some("ws://[::1]:9/ws")
        );
        assert_eq!(asterisk_ws_url("https://127.0.0.1:8089/ari"), None);
        assert_eq!(asterisk_ws_url("http:///ari"), None);
    }
}
