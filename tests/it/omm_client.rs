//! eventpbx's AXI client against the fake OMM and against raw peers that misbehave.

use std::time::Duration;

use eventpbx::omm::message::MAX_MESSAGE_BYTES;
use eventpbx::omm::{OmmConfig, OmmError, OmmSession, SubscriptionMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::fake_omm::{self, FakeOmm};

fn config(addr: std::net::SocketAddr, password: &str) -> OmmConfig {
    let mut c = OmmConfig::new("127.0.0.1", addr.port(), fake_omm::USER, password);
    c.request_timeout = Duration::from_millis(500);
    c
}

#[tokio::test]
async fn logs_in_as_a_sync_client_and_pages_devices() {
    let omm = FakeOmm::start().await;
    for i in 0..45 {
        omm.subscribe_handset(&format!("0310300{i:06}"));
    }
    let (session, _events) = OmmSession::connect(&config(omm.addr, fake_omm::PASSWORD))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut next = 0;
    loop {
        let page = session.devices_from(next).await.unwrap();
        let Some(last) = page.last() else { break };
        assert!(page.len() <= 20);
        next = last.ppn + 1;
        seen.extend(page);
    }
    assert_eq!(seen.len(), 45);
    assert!(seen.iter().all(|d| d.is_unbound()));
    assert_eq!(omm.requests()[0], "Open");
    assert_eq!(
        session.subscription_mode().await.unwrap(),
        SubscriptionMode::Configured
    );
    session
        .set_subscription_mode(SubscriptionMode::Wildcard, Some(10))
        .await
        .unwrap();
    assert_eq!(
        omm.subscription_mode(),
        ("Wildcard".into(), Some("10".into()))
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_omms_code() {
    let omm = FakeOmm::start().await;
    let r = OmmSession::connect(&config(omm.addr, "wrong")).await;
    match r {
        Err(OmmError::Refused { code, request, .. }) => {
            assert_eq!((code.as_str(), request.as_str()), ("EAuth", "Open"));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn the_password_reaches_the_omm_encrypted_and_intact() {
    let omm = FakeOmm::start().await;
    let (session, _events) = OmmSession::connect(&config(omm.addr, fake_omm::PASSWORD))
        .await
        .unwrap();
    let user = session
        .create_user("h0123456789", "New <&\"> 9956", "pässword-with-ümlauts")
        .await
        .unwrap();
    let stored = omm.users().into_iter().find(|u| u.uid == user.uid).unwrap();
    assert_eq!(
        stored.sip_password.as_deref(),
        Some("pässword-with-ümlauts")
    );
    assert_eq!(
        stored.name, "New <&\"> 9956",
        "escaped on the wire, intact at the OMM"
    );
    assert_eq!(
        (stored.num.as_str(), stored.sip_auth_id.as_str()),
        ("h0123456789", "h0123456789")
    );
    let found = session
        .user_by_number("h0123456789")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.uid, user.uid);
    assert_eq!(session.user_by_number("nobody").await.unwrap(), None);
}

/// A peer that answers the login with `opening` and then each request by `reply`.
async fn raw_peer(opening: Vec<u8>, reply: fn(&str) -> Vec<u8>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let mut first = true;
        loop {
            let n = match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            buf.extend_from_slice(&chunk[..n]);
            while let Some(end) = buf.iter().position(|b| *b == 0) {
                let msg: Vec<u8> = buf.drain(..=end).collect();
                let text = String::from_utf8_lossy(&msg[..end]).to_string();
                let out = if first { opening.clone() } else { reply(&text) };
                first = false;
                if stream.write_all(&out).await.is_err() {
                    return;
                }
            }
        }
    });
    addr
}

fn seq_of(request: &str) -> String {
    let at = request.find("seq=\"").unwrap() + 5;
    request[at..].split('"').next().unwrap().to_string()
}

/// A 1024-bit public key in AXI form, so a raw peer's login can succeed.
fn open_ok() -> Vec<u8> {
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap();
    let n = key.n().to_str_radix(16);
    format!("<OpenResp seq=\"1\"><publicKey modulus=\"{n}\" exponent=\"10001\"/></OpenResp>\0")
        .into_bytes()
}

#[tokio::test]
async fn a_huge_message_without_nul_closes_the_session() {
    let mut flood = b"<OpenResp seq=\"1\" info=\"".to_vec();
    flood.extend(std::iter::repeat_n(b'a', MAX_MESSAGE_BYTES + 10));
    let addr = raw_peer(flood, |_| Vec::new()).await;
    let started = std::time::Instant::now();
    let r = OmmSession::connect(&config(addr, "x")).await;
    assert!(matches!(r, Err(OmmError::Closed)), "{:?}", r.map(|_| ()));
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "closed at once, no timeout"
    );
}

#[tokio::test]
async fn malformed_and_hostile_replies_change_nothing_and_the_session_goes_on() {
    let addr = raw_peer(open_ok(), |req| {
        let seq = seq_of(req);
        if req.starts_with("<GetDECTSubscriptionMode") && seq == "2" {
            // Malformed, NUL-escaped, unknown value: each refused; the request times out.
            return format!("<GetDECTSubscriptionModeResp seq=\"{seq}\" mode=\"Wildcard\"\0<x a=\"&#0;\" seq=\"{seq}\"/>\0<GetDECTSubscriptionModeResp seq=\"{seq}\" mode=\"Sometimes\"/>\0").into_bytes();
        }
        format!("<GetDECTSubscriptionModeResp seq=\"{seq}\" mode=\"Off\" unknownAttribute=\"ignored\"/>\0").into_bytes()
    })
    .await;
    let (session, _events) = OmmSession::connect(&config(addr, "x")).await.unwrap();
    let first = session.subscription_mode().await;
    assert!(first.is_err(), "{first:?}");
    assert_eq!(
        session.subscription_mode().await.unwrap(),
        SubscriptionMode::Off
    );
}

#[tokio::test]
async fn responses_find_their_requests_by_seq_in_any_order() {
    // Holds each request until the next arrives, then answers both in reverse order.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let opening = open_ok();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let mut held: Vec<String> = Vec::new();
        let mut first = true;
        loop {
            let n = match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            buf.extend_from_slice(&chunk[..n]);
            while let Some(end) = buf.iter().position(|b| *b == 0) {
                let msg: Vec<u8> = buf.drain(..=end).collect();
                let text = String::from_utf8_lossy(&msg[..end]).to_string();
                if first {
                    first = false;
                    stream.write_all(&opening).await.unwrap();
                    continue;
                }
                held.push(seq_of(&text));
                if held.len() == 2 {
                    for seq in held.drain(..).rev() {
                        // The answer depends on the seq, so a mix-up shows.
                        let m = if seq.parse::<u32>().unwrap() % 2 == 0 {
                            "Off"
                        } else {
                            "Wildcard"
                        };
                        let out =
                            format!("<GetDECTSubscriptionModeResp seq=\"{seq}\" mode=\"{m}\"/>\0");
                        stream.write_all(out.as_bytes()).await.unwrap();
                    }
                }
            }
        }
    });
    let (session, _events) = OmmSession::connect(&config(addr, "x")).await.unwrap();
    let (a, b) = tokio::join!(session.subscription_mode(), session.subscription_mode());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a, b, "each got the answer to its own seq");
}
