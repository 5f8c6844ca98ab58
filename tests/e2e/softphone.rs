//! A real softphone (baresip) against the real Asterisk: what sipp's scripted messages cannot
//! show. Registration and unregistration, binding a handset en bloc and by keyed digits,
//! calls both ways with the right caller id, a restart with a fresh Contact, and calls
//! while eventpbx is down.

use std::time::{Duration, Instant};

use crate::baresip::Baresip;
use crate::support::{AsteriskLog, Sandbox};

const CALL: Duration = Duration::from_secs(15);

/// `caller` calls `callee`'s number; the callee must see the caller's number and name, answer,
/// and both must see the call end when the caller hangs up.
async fn call_and_check_caller_id(caller: &mut Baresip, callee: &mut Baresip, name: &str) {
    let number = caller.device.number.clone();
    let to = callee.device.number.clone();
    caller.dial(&to).await;
    let incoming = callee.wait_event("CALL_INCOMING", CALL).await;
    let peer = incoming["peeruri"].as_str().unwrap_or_default();
    assert!(
        peer.starts_with(&format!("sip:{number}@")),
        "callee saw caller {peer}, not {number}: {incoming}"
    );
    assert_eq!(
        callee.incoming_display_name().as_deref(),
        Some(name),
        "the callee's log:\n{}",
        callee.log()
    );
    callee.command("accept", "").await;
    caller.wait_event("CALL_ESTABLISHED", CALL).await;
    callee.wait_event("CALL_ESTABLISHED", CALL).await;
    caller.command("hangup", "").await;
    callee.wait_event("CALL_CLOSED", CALL).await;
    caller.wait_event("CALL_CLOSED", CALL).await;
}

#[tokio::test]
async fn baresip_registers_a_sip_phone_and_its_quit_removes_the_registration() {
    let sb = Sandbox::new().await;
    let dev = sb.device("2801", "Bare Sip").await;
    // eventpbx deletes the rows of contacts Asterisk removed (its realtime delete does not).
    let app = sb.start_eventpbx().await;
    let mut phone = Baresip::start(&sb.settings, &dev).await;
    phone.wait_registered().await;

    let contacts = sb
        .wait_contacts(&dev.username, 1, Duration::from_secs(10))
        .await;
    // baresip's Contact: its user plus a per-start suffix, at its loopback SIP port.
    assert!(
        contacts[0].uri.contains(&format!("127.0.0.1:{}", dev.port)),
        "{contacts:?}"
    );
    // It answers qualify OPTIONS, so Asterisk calls it online.
    sb.wait_endpoint_state(&dev.username, "online").await;

    // Quitting unregisters (REGISTER with Expires: 0): the row must leave ps_contacts, or
    // Asterisk reads it back on the next lookup and keeps ringing a phone that is gone.
    phone.stop().await;
    sb.wait_contacts(&dev.username, 0, Duration::from_secs(10))
        .await;
    app.stop().await;
}

#[tokio::test]
async fn baresip_binds_a_temporary_handset_en_bloc() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4801", "Bloc Baresip").await;
    let handset = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let mut phone = Baresip::start(&sb.settings, &handset).await;
    phone.wait_registered().await;

    phone
        .dial(&format!("{}{token}", sb.settings.codes.register))
        .await;
    phone.wait_event("CALL_ESTABLISHED", CALL).await;
    // eventpbx confirms and hangs up.
    phone.wait_event("CALL_CLOSED", CALL).await;
    assert_eq!(sb.endpoint_of("4801").await, Some(handset.username.clone()));
    assert_eq!(sb.endpoint_of(&handset.number).await, None);
    phone.stop().await;
    app.stop().await;
}

/// Dials the registration code alone and keys `token#` one digit every `gap` once the call
/// is up (so during the "enter-token" prompt). Returns whether the handset got bound.
async fn bind_by_keyed_digits(gap: Duration, number: &str) -> (bool, Vec<serde_json::Value>) {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension(number, "Keyed Baresip").await;
    let handset = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let mut phone = Baresip::start(&sb.settings, &handset).await;
    phone.wait_registered().await;

    phone.dial(&sb.settings.codes.register).await;
    phone.wait_event("CALL_ESTABLISHED", CALL).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for key in format!("{token}#").chars() {
        phone.send_keys(&key.to_string()).await;
        tokio::time::sleep(gap).await;
    }
    // Bound: eventpbx confirms and hangs up. Refused: it asks again; then we hang up.
    let closed = phone.try_event("CALL_CLOSED", CALL).await.is_some();
    if !closed {
        phone.command("hangup", "").await;
    }
    let bound = sb.endpoint_of(number).await == Some(handset.username.clone());
    let seen = phone.seen.clone();
    phone.stop().await;
    app.stop().await;
    (bound, seen)
}

#[tokio::test]
async fn baresip_binds_a_handset_by_digits_keyed_every_300_ms() {
    let (bound, seen) = bind_by_keyed_digits(Duration::from_millis(300), "4802").await;
    assert!(
        bound,
        "a token keyed every 0.3 s was refused; events: {seen:#?}"
    );
}

/// People key 3-6 digits a second. Keys got lost here while baresip's audio source was
/// unpaced (see `Baresip::start`); with a paced source every key arrives.
#[tokio::test]
async fn baresip_binds_a_handset_by_digits_keyed_every_150_ms() {
    let (bound, seen) = bind_by_keyed_digits(Duration::from_millis(150), "4803").await;
    assert!(
        bound,
        "a token keyed every 0.15 s was refused (issue 17 section 2); events: {seen:#?}"
    );
}

#[tokio::test]
async fn baresip_calls_both_ways_with_the_right_caller_id() {
    let sb = Sandbox::new().await;
    let a_dev = sb.device("2811", "Anna Alpha").await;
    let b_dev = sb.device("2812", "Bert Beta").await;
    let mut a = Baresip::start(&sb.settings, &a_dev).await;
    let mut b = Baresip::start(&sb.settings, &b_dev).await;
    a.wait_registered().await;
    b.wait_registered().await;

    call_and_check_caller_id(&mut a, &mut b, "Anna Alpha").await;
    call_and_check_caller_id(&mut b, &mut a, "Bert Beta").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_restarted_baresip_gets_its_calls_at_its_new_contact() {
    let sb = Sandbox::new().await;
    let phone_dev = sb.device("2821", "Restarter").await;
    let caller_dev = sb.device("2822", "Caller").await;
    let mut caller = Baresip::start(&sb.settings, &caller_dev).await;
    caller.wait_registered().await;

    let mut phone = Baresip::start(&sb.settings, &phone_dev).await;
    phone.wait_registered().await;
    let before = sb
        .wait_contacts(&phone_dev.username, 1, Duration::from_secs(10))
        .await;
    phone.stop().await;

    // Same address, new Contact suffix: a new row, and only it may stay.
    let mut phone = Baresip::start(&sb.settings, &phone_dev).await;
    phone.wait_registered().await;
    let after = sb
        .wait_contacts(&phone_dev.username, 1, Duration::from_secs(10))
        .await;
    assert_ne!(before[0].uri, after[0].uri, "baresip keeps a fresh Contact");

    call_and_check_caller_id(&mut caller, &mut phone, "Caller").await;
    phone.stop().await;
    caller.stop().await;
}

#[tokio::test]
async fn a_restarted_baresip_that_never_unregistered_gets_its_calls_at_its_new_contact() {
    // A power cut: the old registration is not withdrawn, the new one must replace it.
    let sb = Sandbox::new().await;
    let phone_dev = sb.device("2823", "Power Cut").await;
    let caller_dev = sb.device("2824", "Caller Two").await;
    let mut caller = Baresip::start(&sb.settings, &caller_dev).await;
    caller.wait_registered().await;

    let mut phone = Baresip::start(&sb.settings, &phone_dev).await;
    phone.wait_registered().await;
    sb.wait_contacts(&phone_dev.username, 1, Duration::from_secs(10))
        .await;
    drop(phone); // kill -9, no unregister

    let mut phone = Baresip::start(&sb.settings, &phone_dev).await;
    phone.wait_registered().await;
    sb.wait_contacts(&phone_dev.username, 1, Duration::from_secs(10))
        .await;
    call_and_check_caller_id(&mut caller, &mut phone, "Caller Two").await;
    phone.stop().await;
    caller.stop().await;
}

#[tokio::test]
async fn two_baresip_phones_call_each_other_while_eventpbx_is_stopped() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    app.wait_ari("connected").await;
    let log = AsteriskLog::mark();
    app.stop().await;
    // Asterisk keeps the app registered (it is subscribed to its anchor bridge) but
    // deactivates it once eventpbx's websocket is gone.
    let gone = format!("Deactivating Stasis app '{}'", sb.settings.ari.app);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !log.since().contains(&gone) {
        assert!(
            Instant::now() < deadline,
            "eventpbx still holds its Stasis app"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let a_dev = sb.device("2831", "Down Anna").await;
    let b_dev = sb.device("2832", "Down Bert").await;
    let mut a = Baresip::start(&sb.settings, &a_dev).await;
    let mut b = Baresip::start(&sb.settings, &b_dev).await;
    a.wait_registered().await;
    b.wait_registered().await;
    call_and_check_caller_id(&mut a, &mut b, "Down Anna").await;
    call_and_check_caller_id(&mut b, &mut a, "Down Bert").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_registered_phone_without_qualify_is_online_and_its_round_trip_not_checked() {
    let sb = Sandbox::new().await;
    let dev = sb.device("2841", "No Qualify").await;
    sb.update_aor(&dev.username, "qualify_frequency = 0").await;
    let app = sb.start_eventpbx().await;
    let key = app
        .state
        .db
        .write(|tx| {
            tx.execute("DELETE FROM api_keys WHERE name = 'e2e-softphone'", [])?;
            eventpbx::db::api_keys::create(tx, "e2e-softphone", eventpbx::db::api_keys::Scope::Read)
        })
        .await
        .unwrap();
    let mut phone = Baresip::start(&sb.settings, &dev).await;
    phone.wait_registered().await;

    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let detail = loop {
        let d: serde_json::Value = http
            .get(format!("{}/api/v1/endpoints/2841", app.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if d["status"] == "online" && d["contacts"][0]["status"].is_string() {
            break d;
        }
        assert!(Instant::now() < deadline, "never online: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // What Asterisk itself says: its contact is not qualified, so the endpoint "offline".
    assert_eq!(sb.endpoint_state(&dev.username).await, "offline");
    assert_eq!(detail["contacts"][0]["status"], "NonQualified", "{detail}");
    assert!(detail["contacts"][0]["rtt_usec"].is_null(), "{detail}");
    phone.stop().await;
    app.stop().await;
}
