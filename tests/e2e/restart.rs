//! Asterisk dies mid-call (kill -9) and comes back: eventpbx reconnects by itself, new calls
//! work, and bindings made before hold.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{call, keys, played, root, AsteriskLog, End, Sandbox, Step};

fn sandbox(cmd: &str) {
    let status = Command::new(root().join("scripts/asterisk-sandbox"))
        .arg(cmd)
        .status()
        .expect("scripts/asterisk-sandbox");
    assert!(status.success(), "scripts/asterisk-sandbox {cmd} failed");
}

#[tokio::test]
async fn kill_9_mid_call_then_eventpbx_reconnects_and_bindings_hold() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4721", "Heidi").await;
    let handset = sb.temporary_handset().await;
    let phone = sb.device("2601", "Echo Tester").await;
    let app = sb.start_eventpbx().await;

    // Bind a handset first.
    call(
        &sb.settings,
        &handset,
        &format!("{}{token}", sb.settings.codes.register),
        &[],
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    assert_eq!(sb.endpoint_of("4721").await, Some(handset.username.clone()));

    // A call is in the echo flow when Asterisk is killed.
    let doomed = call(
        &sb.settings,
        &phone,
        &sb.settings.codes.echo,
        &[Step::Pause(20_000)],
        End::CallerHangsUp,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.live_channel_count().await == 0 {
        assert!(Instant::now() < deadline, "the echo call never showed up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sandbox("kill");
    app.wait_ari("reconnecting").await;
    let _ = doomed.finish().await; // sipp gives up on its dead call; that is expected.

    sandbox("start");
    let back = Instant::now();
    app.wait_ari("connected").await;
    let took = back.elapsed();
    assert!(took < Duration::from_secs(10), "reconnect took {took:?}");
    assert_eq!(
        app.live_channel_count().await,
        0,
        "no stale channels after reload"
    );

    // A new call works end to end.
    let log = AsteriskLog::mark();
    let mut steps = vec![Step::Pause(800)];
    steps.extend(keys("5#"));
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
    assert_eq!(
        played(&sb.settings, &log.since()),
        ["echo-intro", "digits/5", "goodbye"]
    );

    // The binding held across the restart: 4721 still routes to the handset, whose caller id
    // and context are the extension's.
    assert_eq!(sb.endpoint_of("4721").await, Some(handset.username.clone()));
    let id = handset.username.clone();
    let (context, callerid) = sb
        .db
        .read(move |c| Ok(eventpbx::db::pjsip::identity(c, &id)?.unwrap()))
        .await
        .unwrap();
    assert_eq!(context, eventpbx::domain::CONTEXT_EXTENSIONS);
    assert_eq!(callerid, "\"Heidi\" <4721>");
    let health = app.health().await;
    assert!(health["ari"] == "connected", "{health}");
    app.stop().await;
}

/// Whether Asterisk has our Stasis application, subscribed to its anchor bridge.
async fn app_is_anchored(sb: &Sandbox) -> bool {
    match sb.ari_get("/applications/eventpbx").await {
        Ok(app) => app["bridge_ids"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|id| id == "eventpbx-anchor")),
        Err(_) => false,
    }
}

/// Asterisk only deactivates our Stasis application while eventpbx is stopped, never destroys
/// it: destroying and re-creating it crashed Asterisk 22.10 after conference rooms had been
/// used. A second start takes the same application back.
#[tokio::test]
async fn the_stasis_application_outlives_a_stop_of_eventpbx() {
    let sb = Sandbox::new().await;
    for round in 0..2 {
        let app = sb.start_eventpbx().await;
        app.wait_ari("connected").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !app_is_anchored(&sb).await {
            assert!(
                Instant::now() < deadline,
                "round {round}: never subscribed to the anchor"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.stop().await;
        assert!(
            app_is_anchored(&sb).await,
            "round {round}: the application went away with eventpbx"
        );
    }
}
