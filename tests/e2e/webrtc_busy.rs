//! Call waiting off counts the extension's line, not one of its devices (issue 16): an
//! extension with a SIP phone and a browser phone is busy while either of them is in a call,
//! for a direct call and through a group, and the other device does not ring. Idle, both ring
//! together (one leg rings the extension's two devices). Real Chromium, real Asterisk, sipp.

use std::time::Duration;

use eventpbx::domain::accounts::Role;
use eventpbx::service::routing::RoutingChange;

use crate::plan::{call_refused, listen, registered, wait_request, Phone};
use crate::routing::assert_never_rang;
use crate::support::{call, sipp, End, Sandbox, Step};
use crate::webrtc::{
    extension_of, shots, signed_in_with_browser_phone, start_driver, wait_state, webrtc_net_up,
    PASSWORD,
};

#[tokio::test]
async fn call_waiting_off_counts_the_browser_phone_and_the_phone_as_one_line() {
    webrtc_net_up();
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let user = format!("wanda{}", std::process::id());
    let wanda =
        eventpbx::service::users::add_user(&app.state.db, &user, "Wanda", PASSWORD, Role::Attendee)
            .await
            .unwrap();
    let desk = extension_of(&sb, wanda.id, "2970", "Wanda").await;
    let bob = sb.extension("2971", "Bob Echo").await;
    let carl = sb.extension("2972", "Carl Caller").await;
    sb.group("2979", "Crew", &[("2970", 0, true)], Some(20), None)
        .await;
    let driver = start_driver().await;
    let (s, _browser) = signed_in_with_browser_phone(&sb, &app, &driver, &user, "2970").await;
    sb.route_change(
        "2970",
        RoutingChange {
            call_waiting: Some(false),
            ..RoutingChange::default()
        },
    )
    .await;

    // 1. The browser phone is in a call: a call to the extension or its group is busy, and
    //    the SIP phone never rings.
    sipp(&sb.settings, "register", &bob, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    let bob_phone = sipp(&sb.settings, "answer", &bob, &["-rtp_echo"]);
    s.find("#phone-dial-2970").await.type_text("2971").await;
    s.find("#phone-2970 .phone-call").await.click().await;
    wait_state(&s, "2970", "in-call", Duration::from_secs(15)).await;
    let phone = registered(&sb, &desk, Phone::Ring).await;
    call_refused(&sb.settings, &carl, "2970", 486)
        .finish()
        .await
        .assert_ok();
    call_refused(&sb.settings, &carl, "2979", 486)
        .finish()
        .await
        .assert_ok();
    assert_never_rang(&phone.kill());
    s.find("#phone-2970 .phone-hangup").await.click().await;
    wait_state(&s, "2970", "ended", Duration::from_secs(10)).await;
    bob_phone.finish().await.assert_ok();

    // 2. The SIP phone is in a call: the browser phone does not ring, the caller is busy.
    let bob_phone = listen(&sb.settings, &bob, Phone::AnswerAfter(200));
    let out = call(
        &sb.settings,
        &desk,
        "2971",
        &[Step::Pause(8000)],
        End::CallerHangsUp,
    );
    wait_request(&bob_phone, "ACK", Duration::from_secs(15)).await;
    call_refused(&sb.settings, &carl, "2970", 486)
        .finish()
        .await
        .assert_ok();
    call_refused(&sb.settings, &carl, "2979", 486)
        .finish()
        .await
        .assert_ok();
    let browser_now = crate::webrtc::state_of(&s, "2970").await;
    assert_ne!(browser_now, "incoming", "the browser must not ring");
    out.finish().await.assert_ok();
    bob_phone.finish().await.assert_ok();

    // 3. Idle: a call through the group rings both devices of the line; the browser answers
    //    and the phone's ringing is cancelled.
    let phone = registered(&sb, &desk, Phone::Ring).await;
    let carl_call = call(
        &sb.settings,
        &carl,
        "2979",
        &[Step::Pause(3000)],
        End::CallerHangsUp,
    );
    wait_state(&s, "2970", "incoming", Duration::from_secs(15)).await;
    s.screenshot(&shots().join("phone-incoming-line.png")).await;
    wait_request(&phone, "INVITE", Duration::from_secs(10)).await;
    s.find("#phone-2970 .phone-answer").await.click().await;
    wait_state(&s, "2970", "in-call", Duration::from_secs(10)).await;
    wait_state(&s, "2970", "ended", Duration::from_secs(20)).await;
    carl_call.finish().await.assert_ok();
    let rang = phone.finish().await;
    rang.assert_ok();
    assert!(
        rang.received_request("CANCEL").is_some(),
        "the phone stopped ringing when the browser answered:\n{}",
        rang.messages
    );
    s.close().await;
    app.stop().await;
}
