//! The browser phone (issue 16): adding and removing it through the account page's forms
//! (with CSRF), its credentials (the owner's only), and the `/ws` proxy: its refusals and a
//! frame passed both ways through a fake Asterisk websocket.

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::routing::get;
use eventpbx::domain::accounts::Role;
use futures_util::{SinkExt, StreamExt};
use reqwest::{Client, StatusCode};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

use crate::web_support::{browser, location, set_cookie, spawn_with, TestApp, PASSWORD};

async fn claim(app: &TestApp, b: &Client, number: &str) {
    let r = app
        .submit(
            b,
            "/account",
            "/account/claim",
            &[("number", number), ("kind", "sip"), ("name", "Pia")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "claim {number}");
}

async fn browser_phones(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM browser_phones").await
}

async fn webrtc_endpoints(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM ps_endpoints WHERE webrtc = 'yes'")
        .await
}

#[tokio::test]
async fn web_browser_phone_is_added_and_removed_by_its_owner_only() {
    let app = spawn_with(|_| {}).await;
    let pia = app.user_with_role("pia", Role::Attendee).await;
    let max = app.user_with_role("max", Role::Attendee).await;
    claim(&app, &pia, "4100").await;

    let (_, page) = app.get(&pia, "/account").await;
    assert!(
        page.contains("action=\"/account/ext/4100/browser\""),
        "{page}"
    );
    assert!(
        !page.contains("/static/phone.js"),
        "no script before a phone exists"
    );

    // A forged form changes nothing.
    let r = pia
        .post(app.url("/account/ext/4100/browser"))
        .form(&[("csrf", "not-the-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser_phones(&app).await, 0);
    // Someone else's extension looks like a missing one.
    let r = app
        .submit(&max, "/account", "/account/ext/4100/browser", &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(browser_phones(&app).await, 0);

    let r = app
        .submit(&pia, "/account", "/account/ext/4100/browser", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account#phone-4100");
    assert_eq!(browser_phones(&app).await, 1);
    assert_eq!(webrtc_endpoints(&app).await, 1);
    let (_, page) = app.get(&pia, "/account").await;
    for part in [
        "id=\"phone-4100\"",
        "data-config=\"/account/ext/4100/browser.json\"",
        "src=\"/static/jssip.min.js\"",
        "src=\"/static/phone.js\"",
        "action=\"/account/ext/4100/browser/delete\"",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    let device: String = app
        .state
        .db
        .read(|c| Ok(c.query_row("SELECT device_id FROM browser_phones", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert!(
        !page.contains(&device),
        "credentials are fetched, never in the page"
    );

    // Twice: refused, shown on the page, nothing more made.
    let r = app
        .submit(&pia, "/account", "/account/ext/4100/browser", &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("4100 has a browser phone already."));
    assert_eq!(webrtc_endpoints(&app).await, 1);

    // The credentials: the owner's, same origin, not cached; nobody else's.
    let r = pia
        .get(app.url("/account/ext/4100/browser.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let config: serde_json::Value = r.json().await.unwrap();
    assert_eq!(config["username"], device.as_str());
    assert_eq!(config["uri"], format!("sip:{device}@127.0.0.1"));
    assert_eq!(config["number"], "4100");
    assert_eq!(config["websocket_path"], "/ws");
    let password = config["password"].as_str().unwrap();
    assert!(password.len() >= 16);
    let r = max
        .get(app.url("/account/ext/4100/browser.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = browser()
        .get(app.url("/account/ext/4100/browser.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "anonymous: to the login page"
    );
    assert!(!r.text().await.unwrap().contains(password));

    // Removing needs the token too, then the device and its rows are gone.
    let r = pia
        .post(app.url("/account/ext/4100/browser/delete"))
        .form(&[("csrf", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser_phones(&app).await, 1);
    let r = app
        .submit(&pia, "/account", "/account/ext/4100/browser/delete", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser_phones(&app).await, 0);
    assert_eq!(webrtc_endpoints(&app).await, 0);
    let r = app
        .submit(&pia, "/account", "/account/ext/4100/browser/delete", &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = pia
        .get(app.url("/account/ext/4100/browser.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// A stand-in for Asterisk's `/ws`: speaks only `sip`, answers each text frame with
/// `echo:<frame>`.
async fn fake_asterisk() -> String {
    let app = axum::Router::new().route(
        "/ws",
        get(|ws: WebSocketUpgrade| async move {
            ws.protocols(["sip"]).on_upgrade(|mut socket| async move {
                while let Some(Ok(Message::Text(t))) = socket.recv().await {
                    let reply = format!("echo:{}", t.as_str());
                    if socket.send(Message::Text(reply.into())).await.is_err() {
                        break;
                    }
                }
            })
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/ari")
}

/// The session cookie of a fresh login of `username`.
async fn session_of(app: &TestApp, username: &str) -> String {
    let r = app.login(&browser(), username, PASSWORD).await;
    let cookie = set_cookie(&r, "epbx_session").unwrap();
    cookie.split(';').next().unwrap().to_string()
}

fn ws_request(
    app: &TestApp,
    cookie: Option<&str>,
    origin: Option<&str>,
    protocol: Option<&str>,
) -> tungstenite::handshake::client::Request {
    let url = app.url("/ws").replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().unwrap();
    let h = request.headers_mut();
    if let Some(c) = cookie {
        h.insert("cookie", HeaderValue::from_str(c).unwrap());
    }
    if let Some(o) = origin {
        h.insert("origin", HeaderValue::from_str(o).unwrap());
    }
    if let Some(p) = protocol {
        h.insert("sec-websocket-protocol", HeaderValue::from_str(p).unwrap());
    }
    request
}

/// The status a refused websocket handshake got.
async fn refused_with(request: tungstenite::handshake::client::Request) -> u16 {
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected a refusal, the websocket opened"),
    }
}

#[tokio::test]
async fn web_ws_proxy_refuses_strangers_and_passes_sip_frames() {
    let ari = fake_asterisk().await;
    let app = spawn_with(|s| {
        s.ari.url = ari.clone();
        s.webrtc.max_sockets = 1;
    })
    .await;
    app.user_with_role("pia", Role::Attendee).await;
    let cookie = session_of(&app, "pia").await;
    let own = app.base.clone();

    assert_eq!(
        refused_with(ws_request(&app, None, Some(&own), Some("sip"))).await,
        401,
        "no session"
    );
    assert_eq!(
        refused_with(ws_request(
            &app,
            Some("epbx_session=00"),
            Some(&own),
            Some("sip")
        ))
        .await,
        401,
        "a made-up session"
    );
    assert_eq!(
        refused_with(ws_request(
            &app,
            Some(&cookie),
            Some("https://evil.example"),
            Some("sip")
        ))
        .await,
        403,
        "another site's page"
    );
    assert_eq!(
        refused_with(ws_request(&app, Some(&cookie), None, Some("sip"))).await,
        403,
        "no Origin at all"
    );
    assert_eq!(
        refused_with(ws_request(&app, Some(&cookie), Some(&own), Some("chat"))).await,
        400,
        "wrong subprotocol"
    );
    assert_eq!(
        refused_with(ws_request(&app, Some(&cookie), Some(&own), None)).await,
        400,
        "no subprotocol"
    );
    // A plain GET is no websocket.
    let r = reqwest::Client::new()
        .get(app.url("/ws"))
        .header("cookie", &cookie)
        .header("origin", &own)
        .header("sec-websocket-protocol", "sip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // The real thing: `sip` chosen, frames both ways.
    let (mut socket, response) =
        tokio_tungstenite::connect_async(ws_request(&app, Some(&cookie), Some(&own), Some("sip")))
            .await
            .unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "sip");
    socket
        .send(WsMessage::Text("REGISTER sip:x SIP/2.0\r\n\r\n".into()))
        .await
        .unwrap();
    let reply = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        reply,
        WsMessage::Text("echo:REGISTER sip:x SIP/2.0\r\n\r\n".into())
    );

    // The cap: one socket is open, a second is refused until the first closes.
    assert_eq!(
        refused_with(ws_request(&app, Some(&cookie), Some(&own), Some("sip"))).await,
        503
    );
    socket.close(None).await.unwrap();
    drop(socket);
    let mut opened = None;
    for _ in 0..50 {
        match tokio_tungstenite::connect_async(ws_request(
            &app,
            Some(&cookie),
            Some(&own),
            Some("sip"),
        ))
        .await
        {
            Ok((s, _)) => {
                opened = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    assert!(opened.is_some(), "the place is free again after a close");
}

#[tokio::test]
async fn web_ws_proxy_says_when_asterisk_is_down_or_phones_are_off() {
    // Nothing listens on port 9 of loopback.
    let app = spawn_with(|s| s.ari.url = "http://127.0.0.1:9/ari".into()).await;
    app.user_with_role("pia", Role::Attendee).await;
    let cookie = session_of(&app, "pia").await;
    let own = app.base.clone();
    assert_eq!(
        refused_with(ws_request(&app, Some(&cookie), Some(&own), Some("sip"))).await,
        502
    );

    let off = spawn_with(|s| s.webrtc.enabled = false).await;
    off.user_with_role("pia", Role::Attendee).await;
    let cookie = session_of(&off, "pia").await;
    let own = off.base.clone();
    assert_eq!(
        refused_with(ws_request(&off, Some(&cookie), Some(&own), Some("sip"))).await,
        404
    );
    let b = off.user_with_role("max", Role::Attendee).await;
    claim(&off, &b, "4200").await;
    let (_, page) = off.get(&b, "/account").await;
    assert!(!page.contains("/browser\""), "no phone offered while off");
}

/// A conference room is dialled into: its card offers no browser phone, and a forged form
/// for one is refused and changes nothing.
#[tokio::test]
async fn web_a_conference_room_gets_no_browser_phone() {
    let app = spawn_with(|_| {}).await;
    let pia = app.user_with_role("pia", Role::Attendee).await;
    let r = app
        .submit(
            &pia,
            "/account",
            "/account/conferences",
            &[("number", "2060"), ("name", "Plenum"), ("pin", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "room made");
    let (_, page) = app.get(&pia, "/account").await;
    assert!(page.contains("Plenum"), "{page}");
    assert!(
        !page.contains("action=\"/account/ext/2060/browser\""),
        "{page}"
    );
    let r = app
        .submit(&pia, "/account", "/account/ext/2060/browser", &[])
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let body = r.text().await.unwrap();
    assert!(body.contains("2060 is a conference room"), "{body}");
    assert_eq!(browser_phones(&app).await, 0);
    assert_eq!(webrtc_endpoints(&app).await, 0);
}
