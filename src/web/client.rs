//! Who the client is on the network: the one place that decides the client address, for
//! login throttling, sign-up limits and logs.
//!
//! The TCP peer is the client unless it is one of `web.trusted_proxies`. Then the client is
//! the right-most `X-Forwarded-For` entry that is not itself a trusted proxy: each proxy
//! appends the address it saw, so entries to the right were written by proxies we trust, and
//! everything to the left of the first untrusted one is whatever the client chose to send.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::config::ProxyNet;
use crate::web::error::PageError;
use crate::web::state::AppState;

/// The client address of a request whose TCP peer is `peer`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ProxyNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    // Several headers are one list, in order (RFC 9110 section 5.3).
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in entries.iter().rev() {
        let Some(ip) = parse_entry(entry) else {
            // A trusted proxy wrote something we cannot read: stop at the last hop we know.
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The client address of this request (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The key limits are counted under. An IPv6 client usually has a whole /64 to pick
    /// addresses from, so that is one client; an IPv4 address is one.
    pub fn limit_key(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

fn from_parts(parts: &Parts, trusted: &[ProxyNet]) -> ClientAddr {
    // Without connection info (a router driven in-process) there is no peer to go by.
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    ClientAddr(client_address(peer, &parts.headers, trusted))
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        if let Some(known) = parts.extensions.get::<ClientAddr>() {
            return Ok(*known);
        }
        Ok(from_parts(parts, &state.settings.web.trusted_proxies))
    }
}

/// Middleware: every request's log lines carry the client address, decided once.
pub async fn in_span(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let client = from_parts(&parts, &state.settings.web.trusted_proxies);
    parts.extensions.insert(client);
    let span = tracing::info_span!("request", client = %client);
    next.run(Request::from_parts(parts, body))
        .instrument(span)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<ProxyNet> {
        list.iter()
            .map(|s| ProxyNet::try_from(s.to_string()).unwrap())
            .collect()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_send() {
        let h = xff(&["1.1.1.1"]);
        assert_eq!(client_address(ip("9.9.9.9"), &h, &[]), ip("9.9.9.9"));
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_address(ip("9.9.9.9"), &h, &trusted), ip("9.9.9.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "::1"]);
        // The client forged "6.6.6.6"; the proxy appended what it saw.
        let h = xff(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted),
            ip("203.0.113.7")
        );
        // Two proxies, two headers; the inner proxy's own address is skipped.
        let h = xff(&["6.6.6.6, 203.0.113.7", "10.1.2.3"]);
        assert_eq!(client_address(ip("::1"), &h, &trusted), ip("203.0.113.7"));
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        // Only proxies: the left-most.
        let h = xff(&["10.9.9.9"]);
        assert_eq!(client_address(ip("10.0.0.2"), &h, &trusted), ip("10.9.9.9"));
        // Garbage written at a trusted hop: stop at the last known address.
        let h = xff(&["203.0.113.7, nonsense"]);
        assert_eq!(client_address(ip("10.0.0.2"), &h, &trusted), ip("10.0.0.2"));
        // Ports and IPv4-mapped IPv6 are read as the plain address.
        let h = xff(&["[2001:db8::1]:4711"]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.2"), &h, &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn proxy_entries_parse_or_say_why_not() {
        assert!(ProxyNet::try_from("10.0.0.5".to_string()).is_ok());
        assert!(ProxyNet::try_from("fd00::/8".to_string()).is_ok());
        let e = ProxyNet::try_from("10.1.2.3/8".to_string()).unwrap_err();
        assert!(e.contains("10.0.0.0/8"), "{e}");
        assert!(ProxyNet::try_from("proxy.local".to_string()).is_err());
        assert!(ProxyNet::try_from("10.0.0.0/33".to_string()).is_err());
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        assert_eq!(ClientAddr(ip("192.0.2.1")).limit_key(), "192.0.2.1");
        assert_eq!(
            ClientAddr(ip("2001:db8:1:2:3:4:5:6")).limit_key(),
            "2001:db8:1:2::/64"
        );
    }
}
