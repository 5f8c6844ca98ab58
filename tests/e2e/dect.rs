//! The DECT sync end to end, through the real Asterisk: the fake OMM (tests/omm/fake_omm.rs)
//! reports a newly subscribed handset, eventpbx mints a temporary handset and creates the OMM
//! user with its SIP credentials, a sipp "handset" registers with exactly what the OMM was
//! given (the password as the fake decrypted it), dials the registration code with a token,
//! and the OMM user then shows the extension's name and number.

use std::time::{Duration, Instant};

use eventpbx::db::dect;

use crate::fake_omm::{self, FakeOmm, User};
use crate::support::{
    call, next_port, played, register_and_listen, AsteriskLog, Device, End, Sandbox, Step,
};

/// Waits up to 10 s for `check` to hold.
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_handset_the_omm_reports_registers_with_the_omms_credentials_and_binds_by_token() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4713", "Dora").await;
    let omm = FakeOmm::start().await;
    let secret = tempfile::tempdir().unwrap();
    let password_file = secret.path().join("omm.secret");
    std::fs::write(&password_file, format!("{}\n", fake_omm::PASSWORD)).unwrap();
    let mut settings = sb.settings.clone();
    settings.omm.enabled = true;
    settings.omm.url = format!("tcp://127.0.0.1:{}", omm.addr.port());
    settings.omm.user = fake_omm::USER.into();
    settings.omm.password_file = password_file;
    let app = sb.start_eventpbx_with(settings).await;
    eventually("the OMM sync to connect", || {
        omm.requests()
            .iter()
            .any(|r| r == "Subscribe")
            .then_some(())
    })
    .await;

    let ipei = "03103 0024641 3";
    let ppn = omm.subscribe_handset(ipei);
    let user: User = eventually("the OMM user logged in on the handset", || {
        omm.user_of_device(ppn)
            .filter(|u| u.rel_type == "Dynamic" && u.sip_password.is_some())
    })
    .await;
    let remembered = sb
        .db
        .read(move |c| dect::by_ipei(c, ipei))
        .await
        .unwrap()
        .expect("the handset remembered by IPEI");
    let temporary = remembered.number.clone().expect("a temporary number");
    assert_eq!(user.name, format!("New {temporary}"));
    // The OMM registers as `num` and authenticates as `sipAuthId`: one SIP identity.
    assert_eq!(user.sip_auth_id, user.num);
    let handset = Device {
        number: temporary.clone(),
        username: user.num.clone(),
        password: user.sip_password.clone().unwrap(),
        port: next_port(),
    };

    // The handset as the OMM would log it in: exactly those credentials, nothing from our DB.
    let listener = register_and_listen(&sb.settings, &handset).await;
    assert_eq!(sb.contacts(&handset.username).await.len(), 1);
    assert_eq!(sb.endpoint_of(&temporary).await, Some(user.num.clone()));

    let log = AsteriskLog::mark();
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
    let heard = played(&sb.settings, &log.since());
    assert_eq!(
        heard.first().map(String::as_str),
        Some("bound-now"),
        "{heard:?}"
    );
    assert_eq!(sb.endpoint_of("4713").await, Some(user.num.clone()));
    assert_eq!(sb.endpoint_of(&temporary).await, None);
    // 4713 rings the handset at the address it registered from, without a new registration.
    let bob = sb.device("2502", "Bob").await;
    call(
        &sb.settings,
        &bob,
        "4713",
        &[Step::Pause(300)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let handset_side = listener.finish().await;
    handset_side.assert_ok();
    assert!(handset_side.received_request("INVITE").is_some());

    // The sync follows the binding: the OMM user shows the extension, same SIP identity.
    let uid = user.uid;
    let shown = eventually("the extension's label in the OMM", || {
        let u = omm.users().into_iter().find(|u| u.uid == uid)?;
        (u.name == "Dora 4713").then_some(u)
    })
    .await;
    assert_eq!((shown.num, shown.sip_auth_id), (user.num.clone(), user.num));
    assert_eq!(omm.users().len(), 1, "{:?}", omm.users());
    app.stop().await;
}
