//! "Why didn't it ring?" (`/ext/{number}/why`): the owner and the help desk see the phones,
//! the route, the registration timeline and the ring button; anyone else gets "not found";
//! the ring button refuses a phone that is not the number's, a forged form, and (with no
//! Asterisk connected, as in these tests) says it cannot call, changing nothing. The calls
//! themselves are tested against the real Asterisk (tests/e2e/why.rs).

use eventpbx::db::outbox::{self, RegistrationChange};
use eventpbx::domain::accounts::Role;
use reqwest::{Client, StatusCode};

use crate::web_support::{csrf_in, location, spawn, TestApp};

async fn claim(app: &TestApp, b: &Client, number: &str) {
    let r = app
        .submit(
            b,
            "/account",
            "/account/claim",
            &[
                ("number", number),
                ("kind", "sip"),
                ("name", "Alice Desk"),
                ("public", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "claim {number}");
    assert!(location(&r).contains("done=claimed"), "claim {number}");
}

async fn endpoint_of(app: &TestApp, number: &'static str) -> String {
    app.state
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT endpoint FROM numbers WHERE number = ?1",
                [number],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
}

async fn registration(app: &TestApp, endpoint: &str, status: &str, at: i64) {
    let change = RegistrationChange {
        endpoint: endpoint.to_string(),
        status: status.to_string(),
        contact_status: if status == "online" {
            "Reachable"
        } else {
            "Removed"
        }
        .to_string(),
        uri: String::new(),
    };
    app.state
        .db
        .write(move |tx| outbox::record_registration(tx, &change, at))
        .await
        .unwrap();
}

#[tokio::test]
async fn web_why_page_is_for_the_owner_and_the_help_desk_only() {
    let app = spawn().await;
    let alice = app.user_with_role("alice", Role::Attendee).await;
    let mallory = app.user_with_role("mallory", Role::Attendee).await;
    let operator = app.user_with_role("olga", Role::Operator).await;
    claim(&app, &alice, "2401").await;
    let ep = endpoint_of(&app, "2401").await;
    let now = eventpbx::db::now();
    registration(&app, &ep, "online", now - 600).await;
    registration(&app, &ep, "offline", now - 60).await;

    let (status, page) = app.get(&alice, "/ext/2401/why").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Why didn't 2401 ring?"), "{page}");
    // Without Asterisk the verdict says the state is unknown, not that the phone is fine.
    assert!(page.contains("not connected to Asterisk"), "{page}");
    assert!(page.contains("id=\"phones\""), "{page}");
    assert!(page.contains(&format!("data-endpoint=\"{ep}\"")), "{page}");
    assert!(page.contains("Who rings when a call to 2401"), "{page}");
    assert!(page.contains("id=\"recent-calls\""), "{page}");
    // The timeline: both changes, newest first.
    let timeline = &page[page.find("id=\"timeline\"").unwrap()..];
    let offline = timeline
        .find("<td>offline</td>")
        .expect("offline change shown");
    let online = timeline
        .find("<td>online</td>")
        .expect("online change shown");
    assert!(offline < online, "newest first: {timeline}");
    // The ring buttons: through the route, and the phone alone.
    assert!(page.contains("action=\"/ext/2401/why/ring\""), "{page}");
    assert!(page.contains("value=\"route\""), "{page}");
    assert!(page.contains(&format!("value=\"{ep}\"")), "{page}");
    // The account card links to it.
    let (_, account) = app.get(&alice, "/account").await;
    assert!(account.contains("href=\"/ext/2401/why\""), "{account}");

    // The help desk (operators and up) sees any extension's page.
    let (status, page) = app.get(&operator, "/ext/2401/why").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let helpdesk = app.user_with_role("hella", Role::Helpdesk).await;
    let (status, page) = app.get(&helpdesk, "/ext/2401/why").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // Anyone else: not found, the same answer as for a number nobody has.
    let (status, _) = app.get(&mallory, "/ext/2401/why").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&alice, "/ext/2999/why").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Logged out: to the login page.
    let r = crate::web_support::browser()
        .get(app.url("/ext/2401/why"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"), "{}", location(&r));
    // Hostile paths are not numbers.
    for path in ["2401'--", "%24%7BSHELL(id)%7D", "2401%00"] {
        let (status, _) = app.get(&alice, &format!("/ext/{path}/why")).await;
        assert!(status.is_client_error(), "{path}: {status}");
    }
}

#[tokio::test]
async fn web_why_ring_button_refuses_what_it_must_and_calls_nothing() {
    let app = spawn().await;
    let alice = app.user_with_role("alice", Role::Attendee).await;
    let mallory = app.user_with_role("mallory", Role::Attendee).await;
    claim(&app, &alice, "2402").await;
    claim(&app, &mallory, "2403").await;
    let mallory_ep = endpoint_of(&app, "2403").await;

    // Another number's phone through this number's button: refused, says why.
    let r = app
        .submit(
            &alice,
            "/ext/2402/why",
            "/ext/2402/why/ring",
            &[("target", &mallory_ep)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("That phone does not belong to 2402"));
    for hostile in [
        "PJSIP/anything",
        "Local/112@eventpbx-extensions",
        "",
        "route;x",
    ] {
        let r = app
            .submit(
                &alice,
                "/ext/2402/why",
                "/ext/2402/why/ring",
                &[("target", hostile)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{hostile:?}");
    }

    // Someone else's number: not found, before anything is called.
    let r = app
        .submit(
            &mallory,
            "/account",
            "/ext/2402/why/ring",
            &[("target", "route")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A forged form (no or a wrong CSRF token): refused.
    let r = alice
        .post(app.url("/ext/2402/why/ring"))
        .form(&[("csrf", "nope"), ("target", "route")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    // The real button with no Asterisk connected: a clear 503, no test recorded.
    let (_, page) = app.get(&alice, "/ext/2402/why").await;
    let csrf = csrf_in(&page);
    let r = alice
        .post(app.url("/ext/2402/why/ring"))
        .form(&[("csrf", csrf.as_str()), ("target", "route")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = r.text().await.unwrap();
    assert!(body.contains("cannot call"), "{body}");
    assert!(!body.contains("data-ring-test"), "{body}");

    // A test id that does not exist, or is not this number's, shows nothing and 404s.
    let (status, page) = app
        .get(
            &alice,
            "/ext/2402/why?test=epbx-ring-000000000000000000000000",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("id=\"ring-test\""), "{page}");
    let (status, page) = app.get(&alice, "/ext/2402/why?test=%3Cscript%3E").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>"), "{page}");
    let (status, _) = app
        .get(
            &alice,
            "/ext/2402/why/ring/epbx-ring-000000000000000000000000",
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
