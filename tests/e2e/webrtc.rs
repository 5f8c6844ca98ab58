//! The browser phone end to end (issue 16): headless Chromium with fake media logs in, adds a
//! browser phone to its extension, registers it over eventpbx's `/ws` proxy to the real
//! Asterisk, calls a sipp phone that answers and sends back the media it gets, and the test
//! sees audio both ways (the page's `getStats()` counters and Asterisk's RTP statistics of the
//! sipp leg); then a sipp phone calls the extension: its phone and the browser ring together,
//! the browser answers, the phone's ringing is cancelled. Screenshots of each state go to
//! `<target>/tmp/screenshots/phone-*.png`.
//!
//! Chromium leaves loopback out of its ICE candidates: `scripts/webrtc-net up` makes sure a
//! non-loopback address exists (10.99.0.1 on a dummy or veth interface) that Asterisk (RTP on
//! every address) and Chromium share.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use eventpbx::domain::accounts::Role;
use eventpbx::service::extensions::{claim, Claim, Owner};

use crate::support::{call_with, root, sipp, Device, End, Eventpbx, Sandbox, Step};
use crate::webdriver::{self, Session};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// Chromium switches for a phone without people: a fake microphone (a beep), no permission
/// prompt, sound without a click, and real host addresses in ICE (no mDNS names Asterisk
/// cannot resolve).
pub(crate) const CHROMIUM_MEDIA: &[&str] = &[
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
];

pub(crate) fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The phone's `data-state`.
pub(crate) async fn state_of(s: &Session, number: &str) -> String {
    s.execute(&format!(
        "const el = document.getElementById('phone-{number}'); return el ? el.dataset.state : '';"
    ))
    .await
}

pub(crate) async fn wait_state(s: &Session, number: &str, wanted: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let now = state_of(s, number).await;
        if now == wanted {
            return;
        }
        let detail = s
            .execute(&format!(
                "return document.querySelector('#phone-{number} .phone-status').textContent;"
            ))
            .await;
        assert!(
            Instant::now() < deadline,
            "phone {number} never became {wanted}: it is {now} ({detail})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page's audio packet counters (sent, received), from `getStats()`.
pub(crate) async fn media(s: &Session, number: &str) -> (u64, u64) {
    let v = s
        .execute(&format!(
            "const m = document.querySelector('#phone-{number} .phone-media');
             return m.dataset.sent + ' ' + m.dataset.received;"
        ))
        .await;
    let mut it = v.split(' ').map(|n| n.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

pub(crate) async fn wait_media(s: &Session, number: &str, at_least: u64) -> (u64, u64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (sent, received) = media(s, number).await;
        if sent >= at_least && received >= at_least {
            return (sent, received);
        }
        assert!(
            Instant::now() < deadline,
            "audio did not flow both ways: sent {sent}, received {received}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Asterisk's RTP counters (sent to, received from) of the channel of `endpoint`.
pub(crate) async fn asterisk_rtp(sb: &Sandbox, endpoint: &str) -> (u64, u64) {
    let channels = sb.ari_get("/channels").await.unwrap();
    let id = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(&format!("PJSIP/{endpoint}-")))
        })
        .and_then(|c| c["id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no channel of {endpoint} in {channels}"));
    let stats = sb
        .ari_get(&format!("/channels/{id}/rtp_statistics"))
        .await
        .unwrap();
    (
        stats["txcount"].as_u64().unwrap_or(0),
        stats["rxcount"].as_u64().unwrap_or(0),
    )
}

/// An extension of `owner`, claimed as the account page would.
pub(crate) async fn extension_of(sb: &Sandbox, owner: i64, number: &str, name: &str) -> Device {
    let c = Claim {
        owner: Owner::User(owner),
        number: number.into(),
        name: name.into(),
        kind: eventpbx::db::extensions::ExtensionKind::Sip,
        public: true,
        authority: eventpbx::domain::numbering::Authority::Admin,
        by_key: None,
    };
    let created = claim(&sb.db, std::sync::Arc::new(sb.settings.clone()), c)
        .await
        .unwrap();
    let eventpbx::db::extensions::Created::Sip(creds) = created else {
        panic!("a SIP extension expected")
    };
    Device {
        number: number.into(),
        username: creds.username,
        password: creds.password,
        port: crate::support::next_port(),
    }
}

/// A non-loopback address Chromium's ICE and Asterisk share (module doc).
pub(crate) fn webrtc_net_up() {
    let net = Command::new(root().join("scripts/webrtc-net"))
        .arg("up")
        .status()
        .expect("scripts/webrtc-net");
    assert!(net.success(), "scripts/webrtc-net up failed (needs root)");
}

/// chromedriver, started; the browser sessions it opens use [`CHROMIUM_MEDIA`].
pub(crate) async fn start_driver() -> webdriver::Driver {
    let (driver_bin, _) = webdriver::binaries()
        .expect("chromedriver and chromium are needed: scripts/setup --test installs them");
    webdriver::Driver::start(&driver_bin).await
}

/// Signs `user` in on a Chromium with fake media, adds the browser phone of `number` with the
/// account page's own form, and waits until it has registered by itself. Returns the session
/// and the browser phone's endpoint id.
pub(crate) async fn signed_in_with_browser_phone(
    sb: &Sandbox,
    app: &Eventpbx,
    driver: &webdriver::Driver,
    user: &str,
    number: &str,
) -> (Session, String) {
    signed_in_at(sb, app, driver, &app.base, &[], user, number).await
}

/// [`signed_in_with_browser_phone`] on the web UI at `base` (a proxy in front of `app`), with
/// `extra` Chromium switches beside [`CHROMIUM_MEDIA`].
pub(crate) async fn signed_in_at(
    sb: &Sandbox,
    app: &Eventpbx,
    driver: &webdriver::Driver,
    base: &str,
    extra: &[&str],
    user: &str,
    number: &str,
) -> (Session, String) {
    let (_, browser_bin) = webdriver::binaries().expect("chromium: scripts/setup --test");
    let switches: Vec<&str> = CHROMIUM_MEDIA.iter().chain(extra).copied().collect();
    let s = driver
        .session_with(&browser_bin, 480, 1100, &switches)
        .await;
    s.goto(&format!("{base}/login")).await;
    s.find("#username").await.type_text(user).await;
    s.find("#password").await.type_text(PASSWORD).await;
    s.find("form.stack button[type=submit]").await.click().await;
    s.wait_url("/account").await;
    s.find(&format!(
        "form[action='/account/ext/{number}/browser'] button"
    ))
    .await
    .click()
    .await;
    s.wait_url(&format!("#phone-{number}")).await;
    wait_state(&s, number, "ready", Duration::from_secs(20)).await;
    let n = number.to_string();
    let endpoint = app
        .state
        .db
        .read(move |c| eventpbx::db::browser::device_of(c, &n))
        .await
        .unwrap()
        .expect("a browser phone");
    sb.wait_contacts(&endpoint, 1, Duration::from_secs(10))
        .await;
    (s, endpoint)
}

/// The browser phone of `number` calls `callee`, whose sipp phone answers and sends back
/// what it gets; waits until audio flows both ways, by the page's counters and by Asterisk's
/// of the callee's leg. Returns the callee's running phone, the page's (sent, received) and
/// Asterisk's (to the callee, from the callee).
pub(crate) async fn call_echo_phone(
    s: &Session,
    sb: &Sandbox,
    number: &str,
    callee: &Device,
) -> (crate::support::Sipp, (u64, u64), (u64, u64)) {
    sipp(&sb.settings, "register", callee, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    let phone = sipp(&sb.settings, "answer", callee, &["-rtp_echo"]);
    s.find(&format!("#phone-dial-{number}"))
        .await
        .type_text(&callee.number)
        .await;
    s.find(&format!("#phone-{number} .phone-call"))
        .await
        .click()
        .await;
    wait_state(s, number, "in-call", Duration::from_secs(15)).await;
    let page = wait_media(s, number, 50).await;
    let relayed = asterisk_rtp(sb, &callee.username).await;
    assert!(
        relayed.0 > 0 && relayed.1 > 0,
        "Asterisk relayed the browser's audio to {} and back: sent {}, got {}",
        callee.number,
        relayed.0,
        relayed.1
    );
    (phone, page, relayed)
}

#[tokio::test]
async fn browser_phone_calls_a_phone_and_answers_a_call_with_audio_both_ways() {
    webrtc_net_up();
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let user = format!("pia{}", std::process::id());
    let pia =
        eventpbx::service::users::add_user(&app.state.db, &user, "Pia", PASSWORD, Role::Attendee)
            .await
            .unwrap();
    let own_phone = extension_of(&sb, pia.id, "2960", "Pia Phone").await;
    let bob = sb.extension("2961", "Bob Echo").await;
    let carl = sb.extension("2962", "Carl Caller").await;

    let driver = start_driver().await;
    let (s, browser_ep) = signed_in_with_browser_phone(&sb, &app, &driver, &user, "2960").await;
    let contacts = sb
        .wait_contacts(&browser_ep, 1, Duration::from_secs(10))
        .await;
    assert!(
        contacts[0]
            .uri
            .to_ascii_lowercase()
            .contains("transport=ws"),
        "registered over the websocket: {:?}",
        contacts[0]
    );
    s.execute("document.getElementById('phone-2960').scrollIntoView(); return 1;")
        .await;
    s.screenshot(&shots().join("phone-ready.png")).await;

    // 1. The browser calls Bob, whose phone answers and echoes the audio back.
    let (bob_phone, (sent, received), (to_bob, from_bob)) =
        call_echo_phone(&s, &sb, "2960", &bob).await;
    s.screenshot(&shots().join("phone-in-call.png")).await;
    // Mute and DTMF while talking: the buttons act on the call.
    s.find("#phone-2960 .phone-mute").await.click().await;
    let pressed =
        "return document.querySelector('#phone-2960 .phone-mute').getAttribute('aria-pressed');";
    assert_eq!(s.execute(pressed).await, "true", "muted");
    s.find("#phone-2960 .phone-key[data-key='5']")
        .await
        .click()
        .await;
    s.find("#phone-2960 .phone-mute").await.click().await;
    s.find("#phone-2960 .phone-hangup").await.click().await;
    wait_state(&s, "2960", "ended", Duration::from_secs(10)).await;
    s.screenshot(&shots().join("phone-ended.png")).await;
    let bob_done = bob_phone.finish().await;
    bob_done.assert_ok();
    let invite = bob_done
        .received_request("INVITE")
        .expect("Bob got the call");
    assert!(
        invite.contains("<sip:2960@"),
        "the browser's call shows the extension's number: {invite}"
    );
    eprintln!("browser -> Bob: page sent {sent}, received {received}; Asterisk to Bob {to_bob}, from Bob {from_bob}");

    // 2. Carl calls 2960: its SIP phone and the browser ring together, the browser answers.
    sipp(&sb.settings, "register", &own_phone, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    let desk_phone = sipp(&sb.settings, "ring", &own_phone, &[]);
    let carl_call = call_with(
        &sb.settings,
        &carl,
        "2960",
        &[Step::Pause(6000)],
        End::CallerHangsUp,
        &["-rtp_echo"],
    );
    wait_state(&s, "2960", "incoming", Duration::from_secs(15)).await;
    let caller = s
        .find("#phone-2960 .phone-caller")
        .await
        .property("textContent")
        .await;
    assert!(
        caller.contains("2962"),
        "the caller's number shows: {caller}"
    );
    s.screenshot(&shots().join("phone-incoming.png")).await;
    s.find("#phone-2960 .phone-answer").await.click().await;
    wait_state(&s, "2960", "in-call", Duration::from_secs(10)).await;
    let (sent, received) = wait_media(&s, "2960", 50).await;
    let (to_carl, from_carl) = asterisk_rtp(&sb, &carl.username).await;
    assert!(
        to_carl > 0 && from_carl > 0,
        "sent {to_carl}, got {from_carl}"
    );
    eprintln!("Carl -> browser: page sent {sent}, received {received}; Asterisk to Carl {to_carl}, from Carl {from_carl}");
    // Carl hangs up after his pause; the phone says so.
    wait_state(&s, "2960", "ended", Duration::from_secs(20)).await;
    carl_call.finish().await.assert_ok();
    let desk = desk_phone.finish().await;
    desk.assert_ok();
    assert!(
        desk.received_request("INVITE").is_some(),
        "the desk phone rang too"
    );
    assert!(
        desk.received_request("CANCEL").is_some(),
        "and stopped when the browser answered"
    );
    s.close().await;
    app.stop().await;
}
