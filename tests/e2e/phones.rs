//! Real phones' habits against the real Asterisk: a phone that comes back from a new address
//! (reboot, DHCP, a softphone's fresh Contact suffix) must get its calls there at once.

use crate::support::{call, register_and_listen, sipp, Device, End, Sandbox, Step};

#[tokio::test]
async fn a_phone_registering_from_a_new_address_replaces_its_old_registration() {
    let sb = Sandbox::new().await;
    let phone = sb.device("2701", "Rebooter").await;
    let caller = sb.device("2702", "Caller").await;

    // Registered from one address, then the phone is gone from there without unregistering.
    sipp(&sb.settings, "register", &phone, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    let old = sb.contacts(&phone.username).await;
    assert_eq!(old.len(), 1, "{old:?}");

    // It comes back from another port, as after a reboot.
    let rebooted = Device {
        port: crate::support::next_port(),
        ..phone.clone()
    };
    let listener = register_and_listen(&sb.settings, &rebooted).await;
    let now = sb.contacts(&phone.username).await;
    assert_eq!(now.len(), 1, "remove_existing left the old row: {now:?}");
    assert!(
        now[0].uri.ends_with(&format!(":{}", rebooted.port))
            || now[0].uri.contains(&format!(":{};", rebooted.port)),
        "{now:?}"
    );

    // A call to its number reaches it at the new address.
    call(
        &sb.settings,
        &caller,
        "2701",
        &[Step::Pause(300)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let answered = listener.finish().await;
    answered.assert_ok();
    assert!(answered.received_request("INVITE").is_some());
}

#[tokio::test]
async fn eventpbx_subscribes_to_endpoint_events_before_any_endpoint_exists() {
    // Run first in a fresh sandbox, no PJSIP endpoint is loaded yet: `endpoint:PJSIP` would be
    // refused with 422 here, and was retried every 2 s until a phone registered.
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let info = sb.ari_get("/applications/eventpbx").await.unwrap();
        // Asterisk lists an all-sources subscription under these topic names.
        let all = |key: &str, topic: &str| {
            info[key]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|i| i == topic))
        };
        if all("endpoint_ids", "__AST_ENDPOINT_ALL_TOPIC") {
            // All channels only while someone reads them: nobody does yet.
            assert!(
                !all("channel_ids", "__AST_CHANNEL_ALL_TOPIC"),
                "subscribed to all channels with nobody reading them: {info}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not subscribed to all endpoints: {info}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn eventpbx_follows_all_channels_only_while_someone_reads_them() {
    let sb = Sandbox::new().await;
    let subscribed_to_all_channels = |info: &serde_json::Value| {
        info["channel_ids"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|i| i == "__AST_CHANNEL_ALL_TOPIC"))
    };
    // A first eventpbx reads channels (so it follows them), then stops; the next one starts
    // without following them (and takes back any subscription Asterisk kept at connect).
    let app = sb.start_eventpbx().await;
    let (status, page) = app.api_get("/api/v1/channels").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["ari_connected"], true, "{page}");
    let info = sb.ari_get("/applications/eventpbx").await.unwrap();
    assert!(subscribed_to_all_channels(&info), "{info}");
    app.stop().await;
    let app = sb.start_eventpbx().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let info = sb.ari_get("/applications/eventpbx").await.unwrap();
        if !subscribed_to_all_channels(&info) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "stale subscriptions to all channels kept: {info}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // A reader makes it subscribe again, once: the channel list is complete at once.
    let (status, page) = app.api_get("/api/v1/channels").await;
    assert_eq!(status, 200, "{page}");
    let info = sb.ari_get("/applications/eventpbx").await.unwrap();
    assert!(subscribed_to_all_channels(&info), "{info}");
    let health = app.health().await;
    assert_eq!(health["channels"], 0, "known while followed: {health}");
    app.stop().await;
}

#[tokio::test]
async fn an_unregistered_phone_leaves_no_registration_behind() {
    let sb = Sandbox::new().await;
    let phone = sb.device("2703", "Unregisterer").await;
    let app = sb.start_eventpbx().await;
    sipp(&sb.settings, "register", &phone, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    assert_eq!(sb.contacts(&phone.username).await.len(), 1);

    // Expires: 0 from the same contact. Asterisk's realtime delete runs no SQL; eventpbx
    // deletes the row on the Removed event, or Asterisk would read it back as registered.
    sipp(&sb.settings, "unregister", &phone, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    sb.wait_contacts(&phone.username, 0, std::time::Duration::from_secs(5))
        .await;
    // Asterisk agrees: nothing registered, nothing to ring.
    let state = sb
        .ari_get(&format!("/endpoints/PJSIP/{}", phone.username))
        .await
        .map(|e| e["state"].clone());
    assert_ne!(state.ok(), Some(serde_json::json!("online")));
    app.stop().await;
}

#[tokio::test]
async fn an_expired_registration_leaves_no_row_behind() {
    let sb = Sandbox::new().await;
    let phone = sb.device("2704", "Forgetful").await;
    // Let this AOR take a 2-second registration (the default minimum is 60 s).
    sb.update_aor(&phone.username, "minimum_expiration = 1")
        .await;
    let app = sb.start_eventpbx().await;
    let template = std::fs::read_to_string(crate::support::root().join("tests/sipp/register.xml"))
        .expect("register scenario");
    assert!(
        template.contains("Expires: 600"),
        "the scenario's expiry moved"
    );
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("register_short.xml");
    std::fs::write(&short, template.replace("Expires: 600", "Expires: 2")).unwrap();
    crate::support::sipp_file(&sb.settings, &short, &phone, phone.port, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    assert_eq!(sb.contacts(&phone.username).await.len(), 1);

    // The phone never refreshes. Asterisk's expiry check (pjsip.conf's
    // contact_expiration_check_interval) removes the contact, which runs no SQL on our
    // schema; eventpbx deletes the row on the Removed event that follows.
    sb.wait_contacts(&phone.username, 0, std::time::Duration::from_secs(30))
        .await;
    app.stop().await;
}
