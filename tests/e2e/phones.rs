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
