//! AXI over TLS (port 12622) against the fake OMM serving TLS 1.2 at most with a self-signed
//! certificate made at test time, as a real OMM is said to: with `omm.tls_accept_self_signed`
//! the sync logs in and a new handset gets its OMM user; without it the handshake is refused,
//! nothing reaches the OMM, and `/healthz` and the operator page say why.

use std::time::{Duration, Instant};

use eventpbx::config::Settings;
use eventpbx::db::dect;
use eventpbx::domain::accounts::Role;
use eventpbx::omm::{OmmConfig, OmmError, OmmSession, Transport};
use eventpbx::service::dect::{run, OmmLink, OmmStatus};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::fake_omm::{self, FakeOmm};
use crate::omm_sync::{logged_in_user, test_db};
use crate::web_support::{spawn_with, TestApp};

fn tls_config(omm: &FakeOmm, accept_self_signed: bool) -> OmmConfig {
    let mut c = OmmConfig::new(
        "localhost",
        omm.addr.port(),
        fake_omm::USER,
        fake_omm::PASSWORD,
    );
    c.transport = Transport::Tls { accept_self_signed };
    c
}

#[tokio::test]
async fn the_sync_logs_in_over_tls_when_the_self_signed_certificate_is_accepted() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start_tls().await;
    let (status_tx, mut status) = watch::channel(OmmStatus::default());
    let (_commands, commands_rx) = mpsc::channel(1);
    let stop = CancellationToken::new();
    let task = tokio::spawn(run(
        db.clone(),
        Settings::default(),
        tls_config(&omm, true),
        status_tx,
        commands_rx,
        stop.clone(),
    ));
    status
        .wait_for(|s| s.link == OmmLink::Connected)
        .await
        .unwrap();
    let ppn = omm.subscribe_handset("03103 0024641 3");
    let user = logged_in_user(&omm, ppn).await;
    let handset = db
        .read(|c| dect::by_ipei(c, "03103 0024641 3"))
        .await
        .unwrap()
        .unwrap();
    let creds = db
        .read(move |c| dect::credentials(c, &handset.device_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.num, creds.username);
    assert_eq!(
        user.sip_password.as_deref(),
        Some(creds.password.as_str()),
        "the password went through TLS and the RSA envelope intact"
    );
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn the_self_signed_certificate_is_refused_by_default_with_the_reason() {
    let omm = FakeOmm::start_tls().await;
    let r = OmmSession::connect(&tls_config(&omm, false)).await;
    let Err(OmmError::Tls(why)) = r.as_ref().map(|_| ()) else {
        panic!("{:?}", r.map(|_| ()))
    };
    assert!(why.contains("certificate"), "{why}");
    assert!(why.contains("omm.tls_accept_self_signed"), "{why}");
    assert!(omm.requests().is_empty(), "nothing reached the OMM");
}

#[tokio::test]
async fn plain_tcp_to_the_tls_port_fails_without_logging_in() {
    let omm = FakeOmm::start_tls().await;
    let mut config = tls_config(&omm, true);
    config.transport = Transport::Tcp;
    config.request_timeout = Duration::from_millis(500);
    let r = OmmSession::connect(&config).await;
    assert!(r.is_err());
    assert!(omm.requests().is_empty());
}

async fn app_with_tls_omm(omm: &FakeOmm, secret: &tempfile::TempDir, accept: bool) -> TestApp {
    let password_file = secret.path().join("omm.secret");
    std::fs::write(&password_file, format!("{}\n", fake_omm::PASSWORD)).unwrap();
    let url = format!("tls://localhost:{}", omm.addr.port());
    spawn_with(|s| {
        s.omm.enabled = true;
        s.omm.user = fake_omm::USER.into();
        s.omm.url = url;
        s.omm.password_file = password_file;
        s.omm.tls_accept_self_signed = accept;
    })
    .await
}

/// `/healthz`'s `omm` object once `done` holds for it.
async fn omm_health(app: &TestApp, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let body: serde_json::Value = reqwest::get(format!("{}/healthz", app.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if done(&body["omm"]) {
            return body["omm"].clone();
        }
        assert!(Instant::now() < until, "never: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_settings_choose_tls_and_a_refused_certificate_shows_on_healthz_and_the_operator_page()
{
    let secret = tempfile::tempdir().unwrap();
    let omm = FakeOmm::start_tls().await;
    let refusing = app_with_tls_omm(&omm, &secret, false).await;
    let down = omm_health(&refusing, |o| o["link"] == "down").await;
    let error = down["error"].as_str().unwrap();
    assert!(
        error.contains("certificate") && error.contains("omm.tls_accept_self_signed = true"),
        "{down}"
    );
    let ops = refusing.user_with_role("ops", Role::Operator).await;
    let (_, html) = refusing.get(&ops, "/operator").await;
    assert!(
        html.contains("down: OMM TLS: the OMM&#39;s certificate was refused")
            || html.contains("down: OMM TLS: the OMM's certificate was refused"),
        "{html}"
    );
    assert!(omm.requests().is_empty(), "{:?}", omm.requests());

    let accepting = app_with_tls_omm(&omm, &secret, true).await;
    let up = omm_health(&accepting, |o| o["link"] == "connected").await;
    assert_eq!(up["error"], serde_json::Value::Null);
    assert_eq!(omm.requests()[0], "Open");
}
