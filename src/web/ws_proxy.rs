//! `GET /ws`: the browser phone's SIP websocket, proxied to Asterisk (issue 16).
//!
//! Asterisk's HTTP server carries ARI and the SIP websocket on the same listener, so it stays
//! on loopback and eventpbx passes on only this one path, on the web UI's own origin: the page
//! keeps `connect-src 'self'`, and TLS is whatever serves the web UI. Before anything reaches
//! Asterisk a request must
//! - come from a page of an allowed origin (`Origin`: the web UI's own or
//!   `webrtc.extra_origins`), so another site cannot ride a visitor's session cookie;
//! - carry a session (a logged-in user), so the digest prompt of Asterisk is not open to the
//!   network;
//! - ask for the `sip` subprotocol (RFC 7118), the only thing Asterisk speaks there;
//! - find a free place among `webrtc.max_sockets`.
//!
//! Refusals answer plain text with 403, 401, 400 and 503 and change nothing. Frames are passed
//! through unread (SIP text, up to [`MAX_FRAME`]) and never logged: they hold digest responses.

use std::sync::Arc;

use axum::extract::ws::{self, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as Up;

use crate::config::Settings;
use crate::web::auth::Visitor;
use crate::web::state::AppState;

/// The subprotocol of SIP over websocket (RFC 7118).
pub const SUBPROTOCOL: &str = "sip";
/// Largest frame passed on either way: a SIP message with a full SDP offer is a few KiB.
pub const MAX_FRAME: usize = 64 * 1024;

/// The cap on concurrent proxied sockets (`webrtc.max_sockets`), shared by every request.
#[derive(Debug, Clone)]
pub struct SocketCap(Arc<Semaphore>);

impl SocketCap {
    /// Room for `max` sockets at once.
    pub fn new(max: usize) -> SocketCap {
        SocketCap(Arc::new(Semaphore::new(max)))
    }

    /// Sockets open now.
    pub fn in_use(&self, max: usize) -> usize {
        max.saturating_sub(self.0.available_permits())
    }
}

/// Why a request to `/ws` is not proxied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Browser phones are off (`webrtc.enabled = false`).
    Disabled,
    /// No `Origin`, or one that is not the web UI's.
    Origin,
    /// No logged-in user.
    NoSession,
    /// `sip` is not among the requested subprotocols.
    Subprotocol,
    /// Not a websocket upgrade request.
    NotWebsocket,
    /// `webrtc.max_sockets` are open.
    Full,
    /// Asterisk's websocket did not answer.
    Upstream,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, text) = match self {
            Refusal::Disabled => (StatusCode::NOT_FOUND, "Browser phones are switched off."),
            Refusal::Origin => (
                StatusCode::FORBIDDEN,
                "Only pages of this site may open the phone's websocket.",
            ),
            Refusal::NoSession => (
                StatusCode::UNAUTHORIZED,
                "Log in first: the phone's websocket is for logged-in users.",
            ),
            Refusal::Subprotocol => (
                StatusCode::BAD_REQUEST,
                "The phone's websocket speaks the sip subprotocol only.",
            ),
            Refusal::NotWebsocket => (StatusCode::BAD_REQUEST, "This is a websocket endpoint."),
            Refusal::Full => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many browser phones are connected; try again in a minute.",
            ),
            Refusal::Upstream => (
                StatusCode::BAD_GATEWAY,
                "The telephone system does not answer; try again in a minute.",
            ),
        };
        (status, [(header::CACHE_CONTROL, "no-store")], text).into_response()
    }
}

/// `scheme://host[:port]` of a URL, lower-cased; None if it has no scheme or host.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}").to_ascii_lowercase())
}

/// Whether a page of `origin` may open the websocket: the web UI's public URL, the origin the
/// request itself was sent to (its `Host`, over http or https: the reverse proxy may hold the
/// TLS), or one of `webrtc.extra_origins`.
pub fn origin_allowed(origin: &str, host: Option<&str>, settings: &Settings) -> bool {
    let origin = origin.trim().to_ascii_lowercase();
    if origin.is_empty() || origin == "null" {
        return false;
    }
    let own = origin_of(&settings.web.public_url);
    let same_host = host.is_some_and(|h| {
        let h = h.trim().to_ascii_lowercase();
        !h.is_empty() && (origin == format!("http://{h}") || origin == format!("https://{h}"))
    });
    same_host
        || own.as_deref() == Some(origin.as_str())
        || settings
            .webrtc
            .extra_origins
            .iter()
            .filter_map(|o| origin_of(o))
            .any(|o| o == origin)
}

/// Whether the comma-separated `Sec-WebSocket-Protocol` values include `sip`.
fn asks_for_sip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == SUBPROTOCOL)
}

/// The checks before anything is opened, cheapest first; a session costs a database read.
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    visitor: Visitor,
) -> Result<OwnedSemaphorePermit, Refusal> {
    let settings = &state.settings;
    if !settings.webrtc.enabled {
        return Err(Refusal::Disabled);
    }
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !origin_allowed(origin, host, settings) {
        return Err(Refusal::Origin);
    }
    if visitor.user.is_none() {
        return Err(Refusal::NoSession);
    }
    if !asks_for_sip(headers) {
        return Err(Refusal::Subprotocol);
    }
    state
        .ws_sockets
        .0
        .clone()
        .try_acquire_owned()
        .map_err(|_| Refusal::Full)
}

type Upstream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens Asterisk's websocket with the `sip` subprotocol.
async fn connect_upstream(settings: &Settings) -> Result<Upstream, Refusal> {
    let url = crate::config::asterisk_ws_url(&settings.ari.url).ok_or(Refusal::Upstream)?;
    let mut request = url.into_client_request().map_err(|_| Refusal::Upstream)?;
    request.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        header::HeaderValue::from_static(SUBPROTOCOL),
    );
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(MAX_FRAME);
    config.max_frame_size = Some(MAX_FRAME);
    let connect = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
        Ok(Ok((stream, _))) => Ok(stream),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "browser phone: Asterisk's websocket refused");
            Err(Refusal::Upstream)
        }
        Err(_) => {
            tracing::warn!("browser phone: Asterisk's websocket did not answer in 5 s");
            Err(Refusal::Upstream)
        }
    }
}

/// GET /ws.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    visitor: Visitor,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let permit = match admit(&state, &headers, visitor).await {
        Ok(p) => p,
        Err(refusal) => return refusal.into_response(),
    };
    let Ok(ws) = ws else {
        return Refusal::NotWebsocket.into_response();
    };
    // Connected before answering 101, so a down Asterisk is a 502 the page can show.
    let upstream = match connect_upstream(&state.settings).await {
        Ok(u) => u,
        Err(refusal) => return refusal.into_response(),
    };
    let stopping = state.stopping.clone();
    ws.protocols([SUBPROTOCOL])
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| async move {
            pump(socket, upstream, stopping).await;
            drop(permit);
        })
}

/// Passes frames both ways until either side closes (or eventpbx stops), then closes the
/// other.
async fn pump(
    browser: WebSocket,
    upstream: Upstream,
    stopping: tokio_util::sync::CancellationToken,
) {
    let (mut to_browser, mut from_browser) = browser.split();
    let (mut to_asterisk, mut from_asterisk) = upstream.split();
    let browser_to_asterisk = async {
        while let Some(Ok(msg)) = from_browser.next().await {
            let up = match msg {
                ws::Message::Text(t) => Up::Text(t.as_str().into()),
                ws::Message::Binary(b) => Up::Binary(b),
                ws::Message::Ping(p) => Up::Ping(p),
                ws::Message::Pong(p) => Up::Pong(p),
                ws::Message::Close(_) => break,
            };
            if to_asterisk.send(up).await.is_err() {
                break;
            }
        }
        let _ = to_asterisk.send(Up::Close(None)).await;
    };
    let asterisk_to_browser = async {
        while let Some(Ok(msg)) = from_asterisk.next().await {
            let down = match msg {
                Up::Text(t) => ws::Message::Text(t.as_str().into()),
                Up::Binary(b) => ws::Message::Binary(b),
                Up::Ping(p) => ws::Message::Ping(p),
                Up::Pong(p) => ws::Message::Pong(p),
                Up::Close(_) | Up::Frame(_) => break,
            };
            if to_browser.send(down).await.is_err() {
                break;
            }
        }
        let _ = to_browser.send(ws::Message::Close(None)).await;
    };
    // Whichever ends first ends both: a SIP flow is only usable with both halves.
    tokio::select! {
        () = browser_to_asterisk => {}
        () = asterisk_to_browser => {}
        () = stopping.cancelled() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_web_uis_own_origins_may_open_the_socket() {
        let mut s = Settings::default();
        s.web.public_url = "https://pbx.example.org/".into();
        s.webrtc.extra_origins = vec!["https://Phone.example.org".into()];
        let host = Some("127.0.0.1:8080");
        assert!(origin_allowed("http://127.0.0.1:8080", host, &s));
        assert!(
            origin_allowed("https://127.0.0.1:8080", host, &s),
            "TLS at the proxy"
        );
        assert!(origin_allowed("https://PBX.example.org", host, &s));
        assert!(origin_allowed("https://phone.example.org", host, &s));
        for bad in [
            "",
            "null",
            "https://evil.example",
            "http://127.0.0.1:8081",
            "https://pbx.example.org.evil.example",
            "http://127.0.0.1:8080.evil",
        ] {
            assert!(!origin_allowed(bad, host, &s), "{bad}");
        }
        assert!(!origin_allowed("http://127.0.0.1:8080", None, &s));
    }

    #[test]
    fn the_sip_subprotocol_is_found_among_others() {
        let mut h = HeaderMap::new();
        assert!(!asks_for_sip(&h));
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            header::HeaderValue::from_static("chat, sip"),
        );
        assert!(asks_for_sip(&h));
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            header::HeaderValue::from_static("sips, xsip"),
        );
        assert!(!asks_for_sip(&h));
    }
}
