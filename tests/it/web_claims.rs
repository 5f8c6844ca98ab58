//! Claiming numbers through the account page: the rules, and what each kind shows.

use eventpbx::db::numbering;
use eventpbx::domain::accounts::Role;
use eventpbx::domain::numbering::Range;
use reqwest::{Client, StatusCode};

use crate::web_support::{location, spawn, TestApp};

async fn claim(app: &TestApp, b: &Client, number: &str, kind: &str) -> (StatusCode, String) {
    let r = app
        .submit(
            b,
            "/account",
            "/account/claim",
            &[
                ("number", number),
                ("kind", kind),
                ("name", "Someone"),
                ("public", "on"),
            ],
        )
        .await;
    let status = r.status();
    let loc = location(&r);
    (
        status,
        if loc.is_empty() {
            r.text().await.unwrap()
        } else {
            loc
        },
    )
}

#[tokio::test]
async fn web_claim_rules() {
    let app = spawn().await;
    let alice = app.user_with_role("alice", Role::Attendee).await;
    let bob = app.user_with_role("bob", Role::Attendee).await;

    let (status, loc) = claim(&app, &alice, "4711", "sip").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(loc.starts_with("/account?done=claimed&n=4711"), "{loc}");

    let (status, html) = claim(&app, &bob, "4711", "handset").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("4711 is already taken"), "{html}");
    assert!(
        html.contains("list=\"suggested-numbers\" value=\"4711\""),
        "the form keeps the number"
    );
    assert!(html.contains("value=\"handset\" checked"), "and the kind");

    let (_, html) = claim(&app, &bob, "1999", "sip").await;
    assert!(
        html.contains("1999 is outside the numbers you can claim (2000–8999)"),
        "{html}"
    );

    let (_, html) = claim(&app, &bob, "9955", "sip").await;
    assert!(
        html.contains("clashes with the registration code 9955"),
        "{html}"
    );

    let (_, html) = claim(&app, &bob, "47x", "sip").await;
    assert!(html.contains("is not a number"), "{html}");

    // A three-digit range makes 471 claimable in principle, but it is the start of 4711.
    let range = Range::parse("400", "499").unwrap();
    app.state
        .db
        .write(move |tx| numbering::add_range(tx, &range))
        .await
        .unwrap();
    let (_, html) = claim(&app, &bob, "471", "sip").await;
    assert!(
        html.contains("471 clashes with the existing number 4711"),
        "{html}"
    );
    let (status, _) = claim(&app, &bob, "472", "handset").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // ...and now 4720 is blocked by 472.
    let (_, html) = claim(&app, &alice, "4720", "sip").await;
    assert!(
        html.contains("4720 clashes with the existing number 472"),
        "{html}"
    );

    // The per-user maximum.
    app.state
        .db
        .write(|tx| numbering::set_max_per_user(tx, 2))
        .await
        .unwrap();
    let (status, _) = claim(&app, &bob, "2001", "sip").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = claim(&app, &bob, "2002", "sip").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("the most one person may have"), "{html}");

    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM devices").await, 2);
}

#[tokio::test]
async fn web_sip_and_handset_details() {
    let app = spawn().await;
    let b = app.user_with_role("carol", Role::Attendee).await;
    let (_, html) = app.get(&b, "/account").await;
    assert!(html.contains("Claim a number"));
    assert!(html.contains("name=\"pick\""), "suggestions are offered");

    claim(&app, &b, "5000", "sip").await;
    let r = b.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let (user, pw): (String, String) = app
        .state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT a.id, a.password FROM ps_auths a JOIN extensions e ON e.device_id = a.id WHERE e.number = '5000'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert!(html.contains("127.0.0.1:5060"));
    assert!(html.contains(&user) && html.contains(&pw));

    let r = app
        .submit(&b, "/account", "/account/ext/5000/password", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get(&b, &location(&r)).await;
    assert!(!html.contains(&pw), "the old password is gone");
    assert!(html.contains("has a new SIP password"));

    claim(&app, &b, "5001", "handset").await;
    let token: String = app
        .state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT token FROM extensions WHERE number = '5001'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    let (_, html) = app.get(&b, "/account").await;
    assert!(
        html.contains(&format!("9955{token}")),
        "the exact digits to dial"
    );

    // Rename and unlist: the caller id follows.
    let r = app
        .submit(
            &b,
            "/account",
            "/account/ext/5000/edit",
            &[("name", "Carol's desk")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let callerid: String = app
        .state
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT callerid FROM ps_endpoints WHERE id = ?1",
                [user],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(callerid, "\"Carol's desk\" <5000>");
    assert_eq!(
        app.count("SELECT public FROM extensions WHERE number = '5000'")
            .await,
        0
    );

    // "New token" replaces the handset's token.
    let before = app
        .state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT token FROM extensions WHERE number = '5001'",
                [],
                |r| r.get::<_, String>(0),
            )?)
        })
        .await
        .unwrap();
    let r = app
        .submit(&b, "/account", "/account/ext/5001/token", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = app
        .state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT token FROM extensions WHERE number = '5001'",
                [],
                |r| r.get::<_, String>(0),
            )?)
        })
        .await
        .unwrap();
    assert_ne!(before, after);
    let (_, page) = app.get(&b, "/account").await;
    assert!(page.contains(&after));
    assert!(!page.contains(&before));
    // "Release" of a handset that is not bound says so and changes nothing.
    let r = app
        .submit(&b, "/account", "/account/ext/5001/release", &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("no handset bound"));

    // Delete needs the confirmation box.
    let r = app
        .submit(&b, "/account", "/account/ext/5000/delete", &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 2);
    let r = app
        .submit(
            &b,
            "/account",
            "/account/ext/5000/delete",
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM ps_endpoints").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM numbers").await, 0);
}

#[tokio::test]
async fn web_others_extensions_are_out_of_reach() {
    let app = spawn().await;
    let owner = app.user_with_role("dora", Role::Attendee).await;
    let other = app.user_with_role("egon", Role::Attendee).await;
    claim(&app, &owner, "6000", "sip").await;
    for action in ["edit", "password", "delete"] {
        let r = app
            .submit(
                &other,
                "/account",
                &format!("/account/ext/6000/{action}"),
                &[("name", "Mine now"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM extensions WHERE name = 'Someone'")
            .await,
        1
    );
    let (_, html) = app.get(&other, "/account").await;
    assert!(!html.contains("6000 "), "not listed for others");
}
