//! Numbers held from the last event (`eventpbx import --next-event`) on the account page:
//! shown with the hold's end, taken back by their owner with one CSRF-protected button, and
//! refused for anyone else, after the hold, and for a hostile path.

use eventpbx::domain::accounts::Role;
use reqwest::StatusCode;

use crate::web_support::{location, spawn, TestApp};

/// Makes `number` a SIP extension of `owner`, held for them until `until` (unix seconds).
async fn held(app: &TestApp, owner: &str, number: &'static str, until: i64) {
    app.add_extension(number, "Held Phone", true).await;
    let owner = owner.to_string();
    app.state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE extensions SET held_until = ?1,
                     owner_id = (SELECT id FROM users WHERE username = ?2)
                 WHERE number = ?3",
                rusqlite::params![until, owner, number],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn held_until(app: &TestApp, number: &'static str) -> Option<i64> {
    app.state
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT held_until FROM extensions WHERE number = ?1",
                [number],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn web_held_numbers_are_shown_and_taken_back_by_their_owner_only() {
    let app = spawn().await;
    let alice = app.user_with_role("alice", Role::Attendee).await;
    let mallory = app.user_with_role("mallory", Role::Attendee).await;
    let now = eventpbx::db::now();
    held(&app, "alice", "2301", now + 86_400).await;
    held(&app, "alice", "2302", now - 60).await;

    let (_, page) = app.get(&alice, "/account").await;
    assert!(
        page.contains("Held for you from the last event until"),
        "{page}"
    );
    assert!(
        page.contains("action=\"/account/ext/2301/take-back\""),
        "{page}"
    );
    // The hold of 2302 has ended (the release task deletes it soon): no button for it.
    assert!(!page.contains("/account/ext/2302/take-back"), "{page}");

    // Someone else cannot take it, through the button's route or otherwise.
    let r = app
        .submit(&mallory, "/account", "/account/ext/2301/take-back", &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("is not held for you"));
    assert_eq!(held_until(&app, "2301").await, Some(now + 86_400));

    // After the hold: refused, nothing changes.
    let r = app
        .submit(&alice, "/account", "/account/ext/2302/take-back", &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(held_until(&app, "2302").await, Some(now - 60));

    // Hostile and unknown numbers in the path: refused, nothing changes.
    for path in ["2301'--", "%24%7BSHELL(id)%7D", "9999"] {
        let r = app
            .submit(
                &alice,
                "/account",
                &format!("/account/ext/{path}/take-back"),
                &[],
            )
            .await;
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }
    assert_eq!(held_until(&app, "2301").await, Some(now + 86_400));

    // Without the CSRF token: refused.
    let r = alice
        .post(app.url("/account/ext/2301/take-back"))
        .form(&[("csrf", "nope")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(held_until(&app, "2301").await, Some(now + 86_400));

    // The owner takes it back: an ordinary extension from now on.
    let r = app
        .submit(&alice, "/account", "/account/ext/2301/take-back", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).contains("done=taken-back"), "{}", location(&r));
    assert_eq!(held_until(&app, "2301").await, None);
    let (_, page) = app.get(&alice, "/account?done=taken-back&n=2301").await;
    assert!(
        page.contains("2301 is yours again for this event."),
        "{page}"
    );
    assert!(!page.contains("/account/ext/2301/take-back"), "{page}");
}
