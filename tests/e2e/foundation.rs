//! The store shared with Asterisk: realtime devices register, authenticate and call each other
//! through the numbers table.

use crate::support::{header, register_and_listen, sipp, Sandbox};

#[tokio::test]
async fn device_registers_with_digest_auth_and_shows_online() {
    let sb = Sandbox::new().await;
    let dev = sb.device("2101", "Reg Test").await;
    assert_eq!(sb.endpoint_state(&dev.username).await, "offline");

    let phone = register_and_listen(&sb.settings, &dev).await;
    let ep = sb.wait_endpoint_state(&dev.username, "online").await;
    phone.stop();
    assert_eq!(ep["technology"], "PJSIP");
    let contacts = sb.contacts(&dev.username).await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert!(contacts[0].uri.contains(&dev.username), "{contacts:?}");
    assert_eq!(contacts[0].user_agent, "eventpbx-e2e-sipp");
}

#[tokio::test]
async fn wrong_password_is_rejected_and_nothing_is_stored() {
    let sb = Sandbox::new().await;
    let mut dev = sb.device("2102", "Wrong Pw").await;
    dev.password = "definitely-not-the-password".into();
    sipp(&sb.settings, "register_rejected", &dev, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    assert!(sb.contacts(&dev.username).await.is_empty());
    assert_eq!(sb.endpoint_state(&dev.username).await, "offline");
}

#[tokio::test]
async fn two_devices_call_each_other_by_number() {
    let sb = Sandbox::new().await;
    let alice = sb.device("2001", "Alice").await;
    let bob = sb.device("2002", "Bob").await;

    let callee = register_and_listen(&sb.settings, &bob).await;
    assert_eq!(sb.contacts(&bob.username).await.len(), 1);

    let caller = sipp(
        &sb.settings,
        "call",
        &alice,
        &["-m", "1", "-key", "dial", &bob.number, "-d", "1000"],
    );
    let caller = caller.finish().await;
    let callee = callee.finish().await;
    callee.assert_ok();
    caller.assert_ok();

    let invite = callee
        .received_request("INVITE")
        .expect("the callee's log holds the INVITE it received");
    let from = header(&invite, "From").expect("From header");
    assert!(
        from.contains("sip:2001@"),
        "callee must see the caller's number, got From: {from}"
    );
    assert!(from.contains("Alice"), "and the caller's name: {from}");
    // The INVITE was addressed to Bob's device, found through the numbers table.
    assert!(
        invite.starts_with(&format!("INVITE sip:{}@", bob.username)),
        "{invite}"
    );
}
