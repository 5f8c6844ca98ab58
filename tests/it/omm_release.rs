//! Releasing a DECT handset (deleting its device: a loaner handed back) removes what it left
//! in the OMM, through the service layer and whichever front end deleted it: its OMM user, and
//! with `omm.unsubscribe_on_release` (the default) its subscription. Idempotent, done later
//! when the OMM was away, and never touching a record that is no longer this handset's.

use eventpbx::config::Settings;
use eventpbx::db::{dect, handsets, Db};
use eventpbx::service::dect::OmmLink;
use eventpbx::service::handsets as handset_service;

use crate::fake_omm::FakeOmm;
use crate::omm_sync::{eventually, logged_in_user, start_sync, start_sync_with, test_db};

async fn connected(sync: &crate::omm_sync::Sync) {
    let mut status = sync.status.clone();
    status
        .wait_for(|s| s.link == OmmLink::Connected)
        .await
        .unwrap();
}

async fn pending(db: &Db) -> usize {
    db.read(dect::pending_releases).await.unwrap().len()
}

#[tokio::test]
async fn releasing_a_loaner_deletes_its_omm_user_and_unsubscribes_it() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    let sync = start_sync(&db, &omm);
    connected(&sync).await;
    let loaner = omm.subscribe_handset("03103 0024641 3");
    let kept = omm.subscribe_handset("1234567890123");
    let user = logged_in_user(&omm, loaner).await;
    let other = logged_in_user(&omm, kept).await;
    handset_service::delete(&db, &Settings::default(), &user.num)
        .await
        .unwrap();
    eventually("the loaner gone from the OMM", || {
        let gone = !omm.devices().iter().any(|d| d.ppn == loaner)
            && !omm.users().iter().any(|u| u.uid == user.uid);
        gone.then_some(())
    })
    .await;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while pending(&db).await > 0 {
        assert!(std::time::Instant::now() < until, "release never completed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The other handset is untouched, and the loaner is forgotten by eventpbx too.
    assert_eq!(omm.users(), vec![other.clone()]);
    assert_eq!(omm.devices().len(), 1);
    assert_eq!(omm.user_of_device(kept), Some(other));
    let remembered = db.read(dect::list).await.unwrap();
    assert_eq!(remembered.len(), 1);
    assert_eq!(db.read(handsets::count_temporary).await.unwrap(), 1);
    // Releasing again is refused and changes nothing in the OMM.
    let again = handset_service::delete(&db, &Settings::default(), &user.num).await;
    assert!(again.is_err(), "{again:?}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(omm.users().len(), 1);
    assert_eq!(pending(&db).await, 0);
    sync.stop().await;
}

#[tokio::test]
async fn without_unsubscribing_a_released_handset_comes_back_as_a_new_temporary_one() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    let mut settings = Settings::default();
    settings.omm.unsubscribe_on_release = false;
    let sync = start_sync_with(&db, &omm, settings.clone());
    connected(&sync).await;
    let ppn = omm.subscribe_handset("03103 0024641 3");
    let first = logged_in_user(&omm, ppn).await;
    handset_service::delete(&db, &settings, &first.num)
        .await
        .unwrap();
    let second = eventually("a new user on the same handset", || {
        omm.user_of_device(ppn)
            .filter(|u| u.rel_type == "Dynamic" && u.num != first.num)
    })
    .await;
    assert!(second.name.starts_with("New 9956"), "{second:?}");
    assert_eq!(
        omm.users().len(),
        1,
        "the old user is gone: {:?}",
        omm.users()
    );
    assert_eq!(omm.devices().len(), 1, "still subscribed");
    let remembered = db.read(dect::list).await.unwrap();
    assert_eq!(remembered.len(), 1);
    assert_eq!(remembered[0].device_id, second.num);
    sync.stop().await;
}

#[tokio::test]
async fn a_release_while_the_sync_is_away_is_done_at_the_next_login_and_only_once() {
    let (_dir, db) = test_db();
    let omm = FakeOmm::start().await;
    let sync = start_sync(&db, &omm);
    connected(&sync).await;
    let a = omm.subscribe_handset("03103 0024641 3");
    let b = omm.subscribe_handset("1234567890123");
    let c = omm.subscribe_handset("2222222222222");
    let user_a = logged_in_user(&omm, a).await;
    let user_b = logged_in_user(&omm, b).await;
    let user_c = logged_in_user(&omm, c).await;
    sync.stop().await;
    // While eventpbx's sync is away: three releases. An administrator already deleted a's
    // user in the OMM, and b's ppn now carries another handset (an OMM reset reused it).
    for user in [&user_a, &user_b, &user_c] {
        handset_service::delete(&db, &Settings::default(), &user.num)
            .await
            .unwrap();
    }
    assert_eq!(pending(&db).await, 3);
    omm.forget_user(user_a.uid);
    omm.set_device_ipei(b, "9999999999999");
    let sync = start_sync(&db, &omm);
    connected(&sync).await;
    assert_eq!(pending(&db).await, 0, "done at login, before Connected");
    let devices: Vec<u32> = omm.devices().iter().map(|d| d.ppn).collect();
    assert_eq!(
        devices,
        vec![b],
        "a and c unsubscribed, b's ppn is someone else's now"
    );
    assert!(omm.users().is_empty(), "{:?}", omm.users());
    let deletes = omm
        .requests()
        .iter()
        .filter(|r| r.starts_with("Delete"))
        .count();
    assert_eq!(deletes, 4, "a: device; b: user; c: device and user");
    sync.stop().await;
    // A restart finds nothing left to do.
    let sync = start_sync(&db, &omm);
    connected(&sync).await;
    let after = omm
        .requests()
        .iter()
        .filter(|r| r.starts_with("Delete"))
        .count();
    assert_eq!(after, 4);
    sync.stop().await;
}
