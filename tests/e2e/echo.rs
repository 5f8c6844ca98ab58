//! The echo code through the whole chain: dialplan, Stasis, eventpbx's engine and call task,
//! ARI playbacks, RFC 2833 digits from sipp.

use std::time::Duration;

use crate::support::{call, keys, played, AsteriskLog, End, Sandbox, Step};

#[tokio::test]
async fn echo_speaks_back_each_digit_in_order_and_hangs_up_on_hash() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let phone = sb.device("2401", "Echo Tester").await;
    let log = AsteriskLog::mark();

    let mut steps = vec![Step::Pause(800)];
    steps.extend(keys("4711#"));
    call(
        &sb.settings,
        &phone,
        &sb.settings.codes.echo,
        &steps,
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();

    let heard = played(&sb.settings, &log.since());
    assert_eq!(
        heard,
        [
            "echo-intro",
            "digits/4",
            "digits/7",
            "digits/1",
            "digits/1",
            "goodbye"
        ],
        "prompts played, in order"
    );
    app.stop().await;
}

#[tokio::test]
async fn caller_hanging_up_mid_playback_leaves_nothing_behind() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let phone = sb.device("2402", "Impatient").await;

    // Hang up while the (several seconds long) intro still plays.
    call(
        &sb.settings,
        &phone,
        &sb.settings.codes.echo,
        &[Step::Pause(700)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();

    // The channel is gone from Asterisk and from eventpbx's live view; nothing is left over.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let channels = sb.ari_get("/channels").await.unwrap();
        let live = app_live_channels(&app).await;
        if channels.as_array().unwrap().is_empty() && live == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "left over: ARI {channels}, live view {live}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_call_longer_than_its_flows_maximum_is_hung_up() {
    let sb = Sandbox::new().await;
    let mut settings = sb.settings.clone();
    settings.calls.max_echo_secs = 2;
    settings.calls.max_register_secs = 2;
    let app = sb.start_eventpbx_with(settings).await;
    let phone = sb.device("2403", "Never Done").await;
    let handset = sb.temporary_handset().await;

    // Each caller just listens: the echo intro alone lasts longer than 5 s and the echo flow
    // waits a minute for digits; the registration flow waits 10 s per try. Only the maximum
    // length can end these calls within the window below.
    let cases = [
        (&phone, sb.settings.codes.echo.clone()),
        (&handset, sb.settings.codes.register.clone()),
    ];
    for (device, code) in cases {
        let started = std::time::Instant::now();
        call(
            &sb.settings,
            device,
            &code,
            &[Step::Pause(200)],
            End::AsteriskHangsUp,
        )
        .finish()
        .await
        .assert_ok();
        let lasted = started.elapsed();
        assert!(
            lasted >= Duration::from_secs(2) && lasted < Duration::from_millis(4800),
            "the call to {code} lasted {lasted:?}, not its 2 s maximum"
        );
    }
    assert_eq!(
        sb.ari_get("/channels").await.unwrap(),
        serde_json::json!([])
    );
    app.stop().await;
}

/// How many channels eventpbx's operator view lists, read from its SSE-fed page.
async fn app_live_channels(app: &crate::support::Eventpbx) -> usize {
    app.live_channel_count().await
}
