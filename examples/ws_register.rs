//! Load for `scripts/bench phones`: N browser phones registering at once through eventpbx's
//! `/ws` proxy, as JsSIP does (SIP over websocket, RFC 7118, digest auth), then staying
//! connected for a while. It plays only the SIP side a browser plays; no media.
//!
//! Environment: `WS_URL` (`ws://127.0.0.1:18081/ws`), `WS_ORIGIN` (the page's origin),
//! `WS_COOKIE` (`epbx_session=...`), `WS_CREDS` (a file of `username<TAB>password` lines),
//! `WS_DOMAIN` (the SIP domain, e.g. 127.0.0.1), `WS_HOLD` (seconds to stay connected).
//! Prints how many registered, and the registration time p50/p99/max.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use md5::{Digest, Md5};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// The value of `name="value"` (or `name=value`) inside a Digest challenge.
fn param(challenge: &str, name: &str) -> Option<String> {
    let at = challenge.find(&format!("{name}="))? + name.len() + 1;
    let rest = &challenge[at..];
    if let Some(quoted) = rest.strip_prefix('"') {
        quoted.split('"').next().map(str::to_string)
    } else {
        rest.split([',', '\r', '\n'])
            .next()
            .map(|v| v.trim().to_string())
    }
}

fn register(user: &str, domain: &str, call_id: &str, cseq: u32, auth: Option<String>) -> String {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "REGISTER sip:{domain} SIP/2.0\r\n\
         Via: SIP/2.0/WS bench.invalid;branch=z9hG4bK{call_id}{cseq}\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:{user}@{domain}>\r\n\
         From: <sip:{user}@{domain}>;tag={call_id}\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} REGISTER\r\n\
         Contact: <sip:{user}@bench.invalid;transport=ws>;expires=600\r\n\
         Expires: 600\r\n\
         {auth}User-Agent: eventpbx ws_register\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// The 200 OK for a request Asterisk sends the phone (qualify OPTIONS).
fn ok_for(request: &str) -> String {
    let mut out = String::from("SIP/2.0 200 OK\r\n");
    for line in request.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if ["via:", "from:", "to:", "call-id:", "cseq:"]
            .iter()
            .any(|h| lower.starts_with(h))
        {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

async fn phone(index: usize, user: String, password: String, hold: Duration) -> Option<Duration> {
    let (url, origin, cookie, domain) = (
        env("WS_URL"),
        env("WS_ORIGIN"),
        env("WS_COOKIE"),
        env("WS_DOMAIN"),
    );
    let mut request = url.into_client_request().unwrap();
    let h = request.headers_mut();
    h.insert("origin", HeaderValue::from_str(&origin).unwrap());
    h.insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    h.insert("sec-websocket-protocol", HeaderValue::from_static("sip"));
    let started = Instant::now();
    let (mut ws, _) = match tokio_tungstenite::connect_async(request).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("phone {index}: websocket refused: {e}");
            return None;
        }
    };
    let call_id = format!("bench{index}x{}", std::process::id());
    ws.send(Message::Text(
        register(&user, &domain, &call_id, 1, None).into(),
    ))
    .await
    .ok()?;
    let mut registered = None;
    let deadline = Instant::now() + hold + Duration::from_secs(10);
    let mut until = Instant::now() + Duration::from_secs(10);
    loop {
        let next = tokio::time::timeout_at(until.into(), ws.next()).await;
        let text = match next {
            Ok(Some(Ok(Message::Text(t)))) => t.to_string(),
            Ok(Some(Ok(_))) => continue,
            Ok(_) => break,
            Err(_) => break,
        };
        if text.starts_with("SIP/2.0 401") {
            let challenge = text
                .split("\r\n")
                .find(|l| l.to_ascii_lowercase().starts_with("www-authenticate:"))?;
            let (realm, nonce) = (param(challenge, "realm")?, param(challenge, "nonce")?);
            let opaque = param(challenge, "opaque").unwrap_or_default();
            let uri = format!("sip:{domain}");
            let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
            let ha2 = md5_hex(&format!("REGISTER:{uri}"));
            let cnonce = format!("c{index}");
            let response = md5_hex(&format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}"));
            let auth = format!(
                "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", \
                 response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, \
                 cnonce=\"{cnonce}\", opaque=\"{opaque}\""
            );
            ws.send(Message::Text(
                register(&user, &domain, &call_id, 2, Some(auth)).into(),
            ))
            .await
            .ok()?;
        } else if text.starts_with("SIP/2.0 200") && registered.is_none() {
            registered = Some(started.elapsed());
            until = Instant::now() + hold;
        } else if text.starts_with("SIP/2.0 ") {
            eprintln!("phone {index}: {}", text.lines().next().unwrap_or(""));
            break;
        } else if text.starts_with("OPTIONS ") {
            ws.send(Message::Text(ok_for(&text).into())).await.ok()?;
        }
        if Instant::now() > deadline {
            break;
        }
    }
    let _ = ws.close(None).await;
    registered
}

#[tokio::main]
async fn main() {
    let creds = std::fs::read_to_string(env("WS_CREDS")).unwrap();
    let hold = Duration::from_secs(env("WS_HOLD").parse().unwrap());
    let phones: Vec<(String, String)> = creds
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(u, p)| (u.to_string(), p.to_string()))
        .collect();
    let n = phones.len();
    let tasks: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, (u, p))| tokio::spawn(phone(i, u, p, hold)))
        .collect();
    let mut times = Vec::new();
    for t in tasks {
        if let Ok(Some(d)) = t.await {
            times.push(d);
        }
    }
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .map_or(0, |d| d.as_millis())
    };
    println!(
        "registered {} of {n} (held {} s); websocket + REGISTER/401/REGISTER/200: p50 {} ms, p99 {} ms, max {} ms",
        times.len(),
        hold.as_secs(),
        at(0.5),
        at(0.99),
        times.last().map_or(0, |d| d.as_millis())
    );
    if times.len() != n {
        std::process::exit(1);
    }
}
