//! Sign-up, login, logout, CSRF, session rotation and role guards (throttling and limits:
//! web_limits.rs).

use eventpbx::domain::accounts::Role;
use reqwest::StatusCode;

use crate::web_support::{browser, csrf_in, location, set_cookie, spawn, spawn_with, PASSWORD};

#[tokio::test]
async fn web_signup_login_logout() {
    let app = spawn().await;
    let b = browser();
    let r = app.signup(&b, "alice", "Alice Example").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account");
    let cookie = set_cookie(&r, "epbx_session").expect("session cookie");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let (status, html) = app.get(&b, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Alice Example"));
    assert!(html.contains("Log out"));

    let r = app.submit(&b, "/account", "/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    assert!(set_cookie(&r, "epbx_session")
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 0);
    let r = b.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");

    let r = app.login(&b, "ALICE", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account");
    let r = app.login(&browser(), "alice", "wrong password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Wrong username or password."));
}

#[tokio::test]
async fn web_signup_explains_refusals() {
    let app = spawn().await;
    app.signup(&browser(), "bob", "Bob").await;
    let b = browser();
    let r = app.signup(&b, "BOB", "Another Bob").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The username &quot;BOB&quot; is taken"),
        "{html}"
    );
    assert!(
        html.contains("Another Bob"),
        "the form keeps what was typed"
    );
    let r = app
        .submit(
            &b,
            "/signup",
            "/signup",
            &[
                ("username", "carol"),
                ("display_name", "Carol"),
                ("password", "short"),
                ("password2", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("at least 10 characters"));
    let r = app
        .submit(
            &b,
            "/signup",
            "/signup",
            &[
                ("username", "carol"),
                ("display_name", "Carol"),
                ("password", "password123"),
                ("password2", "password123"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("too easy to guess"));
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
}

#[tokio::test]
async fn web_post_without_csrf_is_rejected_and_changes_nothing() {
    let app = spawn().await;
    let b = app.user_with_role("dave", Role::Attendee).await;
    let claim = [("number", "4711"), ("kind", "sip"), ("name", "Dave")];
    let r = b
        .post(app.url("/account/claim"))
        .form(&claim)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Form expired"));
    let mut wrong = claim.to_vec();
    wrong.push((
        "csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));
    let r = b
        .post(app.url("/account/claim"))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM devices").await, 0);

    // Logout without the token keeps the session.
    let r = b.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1);

    // Login and sign-up forms need their token too.
    let fresh = browser();
    let r = fresh
        .post(app.url("/login"))
        .form(&[("username", "dave"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = fresh
        .post(app.url("/signup"))
        .form(&[
            ("username", "eve"),
            ("display_name", "Eve"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1);

    // With the token it works.
    let r = app.submit(&b, "/account", "/account/claim", &claim).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 1);
}

#[tokio::test]
async fn web_session_id_rotates_on_login() {
    let app = spawn().await;
    eventpbx::service::users::add_user(&app.state.db, "frank", "Frank", PASSWORD, Role::Attendee)
        .await
        .unwrap();
    let b = browser();
    let first = app.login(&b, "frank", PASSWORD).await;
    let first = set_cookie(&first, "epbx_session").unwrap();
    // Logging in again while logged in (the login page redirects, so post with the session's token).
    let (_, html) = app.get(&b, "/account").await;
    let csrf = csrf_in(&html);
    let second = b
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "frank"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let second = set_cookie(&second, "epbx_session").unwrap();
    assert_ne!(first, second);
    // The old session is gone: one session row, and the old id no longer logs anyone in.
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1);
    let old_id = first.split(';').next().unwrap().to_string();
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/account"))
        .header("cookie", old_id)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A session id planted before login (session fixation) is not adopted.
    let planted = "epbx_session=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let c = browser();
    c.get(app.url("/login"))
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    let r = app.login(&c, "frank", PASSWORD).await;
    let new = set_cookie(&r, "epbx_session").unwrap();
    assert!(!new.contains("aaaaaaaa"));
    // Only the hash is stored.
    let stored = app
        .count("SELECT count(*) FROM sessions WHERE length(id_hash) = 64")
        .await;
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn web_operator_pages_refuse_attendees() {
    let app = spawn().await;
    let anonymous = browser();
    for path in ["/operator", "/admin", "/account"] {
        let r = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), "/login");
    }
    let attendee = app.user_with_role("ida", Role::Attendee).await;
    for path in ["/operator", "/admin"] {
        let (status, html) = app.get(&attendee, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(html.contains("Not allowed"));
    }
    let r = app
        .submit(&attendee, "/account", "/admin/max", &[("max", "50")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count(
            "SELECT CAST(value AS INTEGER) FROM app_settings WHERE key='max_extensions_per_user'"
        )
        .await,
        3
    );
    let operator = app.user_with_role("joe", Role::Operator).await;
    let (status, html) = app.get(&operator, "/operator").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Asterisk is not connected"));
    assert!(html.contains("registered devices"));
    assert_eq!(app.get(&operator, "/admin").await.0, StatusCode::FORBIDDEN);
    let admin = app.user_with_role("kim", Role::Admin).await;
    assert_eq!(app.get(&admin, "/operator").await.0, StatusCode::OK);
    let (status, html) = app.get(&admin, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ida") && html.contains("2000–8999"));
    // The admin promotes the attendee; the next request sees the new role.
    let ida_id = app
        .count("SELECT id FROM users WHERE username = 'ida'")
        .await;
    let r = app
        .submit(
            &admin,
            "/admin",
            &format!("/admin/users/{ida_id}/role"),
            &[("role", "operator")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&attendee, "/operator").await.0, StatusCode::OK);
    // Disabling ends the sessions.
    let r = app
        .submit(
            &admin,
            "/admin",
            &format!("/admin/users/{ida_id}/disabled"),
            &[("disabled", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = attendee.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn web_cookies_are_secure_when_configured() {
    let app = spawn_with(|s| s.web.secure_cookies = true).await;
    // A cookie jar keeps Secure cookies away from http://, so carry the cookie by hand.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = plain.get(app.url("/signup")).send().await.unwrap();
    let pre = set_cookie(&r, "epbx_csrf").unwrap();
    assert!(pre.ends_with("; Secure"), "{pre}");
    let pair = pre.split(';').next().unwrap().to_string();
    let csrf = csrf_in(&r.text().await.unwrap());
    let r = plain
        .post(app.url("/signup"))
        .header("cookie", pair)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "lena"),
            ("display_name", "Lena"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&r, "epbx_session").unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn web_parallel_guesses_cannot_outrun_the_throttle() {
    let app = spawn().await;
    eventpbx::service::users::add_user(&app.state.db, "quinn", "Quinn", PASSWORD, Role::Attendee)
        .await
        .unwrap();
    let b = browser();
    let (_, html) = app.get(&b, "/login").await;
    let csrf = csrf_in(&html);
    let guesses = (0..12).map(|i| {
        let (b, url, csrf) = (b.clone(), app.url("/login"), csrf.clone());
        async move {
            let password = format!("guess number {i}");
            b.post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "quinn"),
                    ("password", password.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // Five free failures; a sixth only if a second boundary passed during the burst (its
    // delay is 1 s), never more.
    assert!((5..=6).contains(&checked), "{statuses:?}");
    assert_eq!(checked + refused, 12, "{statuses:?}");
}
