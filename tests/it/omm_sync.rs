//! The DECT sync (`service::dect`) against the fake OMM: new handsets get a temporary eventpbx
//! handset and an OMM user with its SIP credentials, nothing twice across restarts, labels
//! follow the binding, and a handset that comes back is matched by IPEI.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eventpbx::config::Settings;
use eventpbx::db::{dect, handsets, Db};
use eventpbx::domain::numbering::Authority;
use eventpbx::domain::ExtensionKind;
use eventpbx::omm::OmmConfig;
use eventpbx::service::dect::{run, OmmLink, OmmStatus, WindowCommand};
use eventpbx::service::extensions::{claim, Claim, Owner};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::fake_omm::{self, FakeOmm, User};

pub(crate) struct Sync {
    stop: CancellationToken,
    pub(crate) status: watch::Receiver<OmmStatus>,
    commands: mpsc::Sender<WindowCommand>,
    task: tokio::task::JoinHandle<()>,
}

impl Sync {
    pub(crate) async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap();
    }
}

pub(crate) fn start_sync(db: &Db, omm: &FakeOmm) -> Sync {
    start_sync_with(db, omm, Settings::default())
}

pub(crate) fn start_sync_with(db: &Db, omm: &FakeOmm, settings: Settings) -> Sync {
    let config = OmmConfig::new(
        "127.0.0.1",
        omm.addr.port(),
        fake_omm::USER,
        fake_omm::PASSWORD,
    );
    let (status_tx, status) = watch::channel(OmmStatus::default());
    let (commands, commands_rx) = mpsc::channel(4);
    let stop = CancellationToken::new();
    let task = tokio::spawn(run(
        db.clone(),
        settings,
        config,
        status_tx,
        commands_rx,
        stop.clone(),
    ));
    Sync {
        stop,
        status,
        commands,
        task,
    }
}

pub(crate) fn test_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("eventpbx.db"), Duration::from_millis(500)).unwrap();
    (dir, db)
}

/// Waits up to 10 s for `check` to hold.
pub(crate) async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) async fn logged_in_user(omm: &FakeOmm, ppn: u32) -> User {
    eventually("the OMM user", || {
        omm.user_of_device(ppn).filter(|u| u.rel_type == "Dynamic")
    })
    .await
}

#[tokio::test]
async fn a_new_handset_gets_a_temporary_device_and_an_omm_user_with_its_credentials() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    let sync = start_sync(&db, &omm);
    let mut status = sync.status.clone();
    status
        .wait_for(|s| s.link == OmmLink::Connected)
        .await
        .unwrap();
    let ppn = omm.subscribe_handset("03103 0024641 3");
    let user = logged_in_user(&omm, ppn).await;
    let remembered = db
        .read(|c| dect::by_ipei(c, "03103 0024641 3"))
        .await
        .unwrap()
        .expect("remembered by IPEI");
    let creds = db
        .read({
            let id = remembered.device_id.clone();
            move |c| dect::credentials(c, &id)
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.num, creds.username, "the OMM registers as the device");
    assert_eq!(user.sip_auth_id, creds.username);
    assert_eq!(user.sip_password.as_deref(), Some(creds.password.as_str()));
    let number = remembered.number.clone().unwrap();
    assert!(number.starts_with("9956"), "{number}");
    assert_eq!(user.name, format!("New {number}"));
    let info = db
        .read(move |c| handsets::get(c, &creds.username))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.sip_username, remembered.device_id);
    sync.stop().await;
}

#[tokio::test]
async fn restarts_of_either_side_create_nothing_twice() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    // Subscribed while eventpbx was away: the reconcile at connect finds it.
    let first = omm.subscribe_handset_quietly("1234567890123");
    let sync = start_sync(&db, &omm);
    let user = logged_in_user(&omm, first).await;
    sync.stop().await;
    let sync = start_sync(&db, &omm);
    let mut status = sync.status.clone();
    status
        .wait_for(|s| s.link == OmmLink::Connected)
        .await
        .unwrap();
    let second = omm.subscribe_handset("2222222222222");
    logged_in_user(&omm, second).await;
    assert_eq!(omm.users().len(), 2, "{:?}", omm.users());
    assert!(
        omm.devices().iter().all(|d| d.rel_type == "Dynamic"),
        "{:?}",
        omm.devices()
    );
    assert_eq!(
        omm.user_of_device(first).unwrap(),
        user,
        "the first one untouched"
    );
    assert_eq!(db.read(dect::list).await.unwrap().len(), 2);
    assert_eq!(db.read(handsets::count_temporary).await.unwrap(), 2);
    sync.stop().await;
}

#[tokio::test]
async fn the_label_follows_binding_and_unbinding_and_a_returning_handset_keeps_its_device() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    let sync = start_sync(&db, &omm);
    let mut status = sync.status.clone();
    status
        .wait_for(|s| s.link == OmmLink::Connected)
        .await
        .unwrap();
    let ppn = omm.subscribe_handset("03103 0024641 3");
    let user = logged_in_user(&omm, ppn).await;
    let device = user.num.clone();
    let created = claim(
        &db,
        Arc::new(Settings::default()),
        Claim {
            owner: Owner::Nobody,
            number: "4711".into(),
            name: "Alice 📞 Wonderland".into(),
            kind: ExtensionKind::Handset,
            public: true,
            authority: Authority::Admin,
            by_key: None,
        },
    )
    .await
    .unwrap();
    let eventpbx::db::extensions::Created::Handset { token } = created else {
        panic!("{created:?}")
    };
    let id = device.clone();
    let outcome = db
        .write(move |tx| handsets::bind(tx, &id, &token, eventpbx::db::now()))
        .await
        .unwrap();
    assert!(
        matches!(outcome, handsets::BindOutcome::Bound { .. }),
        "{outcome:?}"
    );
    let uid = user.uid;
    eventually("the bound label", || {
        let u = omm.users().into_iter().find(|u| u.uid == uid)?;
        (u.name == "Alice Wonderlan 4711").then_some(())
    })
    .await;
    eventpbx::service::extensions::unbind(
        &db,
        &Settings::default(),
        "4711",
        eventpbx::service::extensions::Actor::Staff,
    )
    .await
    .unwrap();
    let back = eventually("the temporary label again", || {
        let u = omm.users().into_iter().find(|u| u.uid == uid)?;
        u.name.starts_with("New 9956").then_some(u.name)
    })
    .await;
    // The OMM forgets everything; the handset subscribes again and gets its device back.
    omm.reset_database();
    let again = omm.subscribe_handset("03103 0024641 3");
    let user = logged_in_user(&omm, again).await;
    assert_eq!(user.num, device, "matched by IPEI: the same device");
    assert_eq!(user.name, back);
    assert_eq!(db.read(handsets::count_temporary).await.unwrap(), 1);
    sync.stop().await;
}

#[tokio::test]
async fn the_subscription_window_opens_and_closes_on_command() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    let sync = start_sync(&db, &omm);
    let mut status = sync.status.clone();
    status
        .wait_for(|s| s.link == OmmLink::Connected)
        .await
        .unwrap();
    sync.commands.send(WindowCommand::Open(10)).await.unwrap();
    status
        .wait_for(|s| s.subscription == Some(eventpbx::omm::SubscriptionMode::Wildcard))
        .await
        .unwrap();
    assert_eq!(
        omm.subscription_mode(),
        ("Wildcard".into(), Some("10".into()))
    );
    sync.commands.send(WindowCommand::Close).await.unwrap();
    status
        .wait_for(|s| s.subscription == Some(eventpbx::omm::SubscriptionMode::Configured))
        .await
        .unwrap();
    assert_eq!(omm.subscription_mode().0, "Configured");
    sync.stop().await;
}

#[tokio::test]
async fn a_wrong_password_shows_as_down_with_the_reason() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    let config = OmmConfig::new("127.0.0.1", omm.addr.port(), fake_omm::USER, "wrong");
    let (status_tx, mut status) = watch::channel(OmmStatus::default());
    let (_commands, commands_rx) = mpsc::channel(1);
    let stop = CancellationToken::new();
    let task = tokio::spawn(run(
        db.clone(),
        Settings::default(),
        config,
        status_tx,
        commands_rx,
        stop.clone(),
    ));
    let down = status
        .wait_for(|s| matches!(s.link, OmmLink::Down(_)))
        .await
        .unwrap()
        .clone();
    assert!(format!("{:?}", down.link).contains("EAuth"), "{down:?}");
    assert!(db.read(dect::list).await.unwrap().is_empty());
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn healthz_reports_the_omm_link_only_when_the_sync_is_enabled() {
    let omm = FakeOmm::start().await;
    let secret = tempfile::tempdir().unwrap();
    let password_file = secret.path().join("omm.secret");
    std::fs::write(&password_file, format!("{}\n", fake_omm::PASSWORD)).unwrap();
    let url = format!("tcp://127.0.0.1:{}", omm.addr.port());
    let app = crate::web_support::spawn_with(|s| {
        s.omm.enabled = true;
        s.omm.user = fake_omm::USER.into();
        s.omm.url = url;
        s.omm.password_file = password_file;
    })
    .await;
    let body = eventually_async_health(&app.base, "connected").await;
    assert_eq!(body["omm"]["subscription"], "Configured");
    assert_eq!(body["omm"]["error"], serde_json::Value::Null);
    let off = crate::web_support::spawn_with(|_| {}).await;
    let r: serde_json::Value = reqwest::get(format!("{}/healthz", off.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["omm"], serde_json::Value::Null, "{r}");
}

async fn eventually_async_health(base: &str, link: &str) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let body: serde_json::Value = reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["omm"]["link"] == link {
            return body;
        }
        assert!(Instant::now() < until, "omm never {link}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
