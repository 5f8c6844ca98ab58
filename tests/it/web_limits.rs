//! Abuse limits of the web UI: login throttling per (account, client address) with an
//! account-wide ceiling, the admin's way back in (`eventpbx user password`), the client address
//! behind trusted proxies, and sign-up limits.

use eventpbx::domain::accounts::Role;
use eventpbx::domain::throttle;
use reqwest::{Client, Response, StatusCode};

use crate::web_support::{browser, csrf_in, spawn_with, TestApp, PASSWORD};

/// The app with the test client (127.0.0.1) as a trusted proxy, so `X-Forwarded-For` picks
/// the client address.
async fn behind_proxy() -> TestApp {
    spawn_with(|s| {
        s.web.trusted_proxies = vec!["127.0.0.1".to_string().try_into().unwrap()];
    })
    .await
}

/// A login posted with `X-Forwarded-For: from`.
async fn login_from(app: &TestApp, b: &Client, from: &str, user: &str, password: &str) -> Response {
    let (_, html) = app.get(b, "/login").await;
    let csrf = csrf_in(&html);
    b.post(app.url("/login"))
        .header("x-forwarded-for", from)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn user(app: &TestApp, name: &str) {
    eventpbx::service::users::add_user(&app.state.db, name, name, PASSWORD, Role::Attendee)
        .await
        .unwrap();
}

/// Fails from `from` until the throttle answers; returns that answer. A second boundary
/// passing between two tries may let one more through, never more than that.
async fn fail_until_throttled(app: &TestApp, b: &Client, from: &str, user: &str) -> Response {
    for i in 0..(throttle::FREE_FAILURES + 2) {
        let r = login_from(app, b, from, user, "not the password").await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(i >= throttle::FREE_FAILURES, "throttled after {i} failures");
            return r;
        }
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "try {i}");
    }
    panic!("never throttled");
}

#[tokio::test]
async fn login_throttle_slows_one_address_and_never_locks_the_owner_out_elsewhere() {
    let app = behind_proxy().await;
    user(&app, "gina").await;
    let attacker = browser();
    let r = fail_until_throttled(&app, &attacker, "203.0.113.66", "gina").await;
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let text = r.text().await.unwrap();
    assert!(
        text.contains("Too many failed attempts for this account from your address"),
        "{text}"
    );
    assert!(text.contains(&format!("try again in {retry} s")), "{text}");
    // Even the right password waits at that address, so guessing there gains nothing.
    let r = login_from(&app, &attacker, "203.0.113.66", "gina", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 0);

    // The owner, elsewhere, is not slowed down at all.
    let owner = browser();
    let r = login_from(&app, &owner, "198.51.100.7", "gina", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the owner gets in");

    // The delay grows: after waiting it out, one more try, then a longer wait.
    tokio::time::sleep(std::time::Duration::from_millis(1000 * retry as u64 + 100)).await;
    // The throttle counts in whole seconds, so start just after a second begins: then the
    // two requests below normally finish within that second and Retry-After shows the whole
    // new wait.
    let into_second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    tokio::time::sleep(std::time::Duration::from_millis(
        u64::from(1000 - into_second) + 20,
    ))
    .await;
    let failed_at = std::time::Instant::now();
    let r = login_from(&app, &attacker, "203.0.113.66", "gina", "still wrong").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = login_from(&app, &attacker, "203.0.113.66", "gina", "still wrong").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let longer: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let taken = failed_at.elapsed();
    if taken < std::time::Duration::from_millis(900) {
        assert!(longer > retry, "{longer} after {retry}");
    } else {
        // A machine so busy that hashing took most of a second: part of the new wait is
        // already gone, so only "still throttled" can be told from the header.
        assert!(longer >= 1, "{longer} after {retry}, {taken:?} later");
    }
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    // No trusted proxies: every request comes from 127.0.0.1, whatever the header says, so a
    // guesser cannot get a fresh budget by inventing addresses.
    let app = spawn_with(|_| {}).await;
    user(&app, "hank").await;
    let b = browser();
    for i in 0..throttle::FREE_FAILURES {
        let r = login_from(&app, &b, &format!("10.0.0.{i}"), "hank", "wrong guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "try {i}");
    }
    let mut throttled = false;
    for i in 0..2 {
        let r = login_from(&app, &b, &format!("10.1.0.{i}"), "hank", "wrong guess").await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "a forged X-Forwarded-For escaped the throttle");
    let rows = app
        .count("SELECT count(*) FROM login_failures WHERE address <> '127.0.0.1'")
        .await;
    assert_eq!(rows, 0, "only the TCP peer is recorded");
}

#[tokio::test]
async fn a_distributed_guess_hits_the_account_ceiling_and_the_cli_lets_the_owner_back_in() {
    let app = behind_proxy().await;
    user(&app, "ida").await;
    // Guesses from many addresses, each under its own free budget.
    let seeded = throttle::ACCOUNT_CEILING - 1;
    app.state
        .db
        .write(move |tx| {
            let now = eventpbx::db::now();
            for i in 0..seeded {
                eventpbx::db::sessions::record_failure(
                    tx,
                    "ida",
                    &format!("10.{}.{}.1", i / 200, i % 200),
                    now,
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let b = browser();
    let r = login_from(&app, &b, "198.51.100.1", "ida", "one more guess").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let owner = browser();
    let r = login_from(&app, &owner, "192.0.2.50", "ida", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let text = r.text().await.unwrap();
    assert!(text.contains("from many addresses"), "{text}");
    assert!(text.contains("ask an admin"), "{text}");

    // The admin sets a new password with the CLI (another process on the same database).
    let new_password = "a brand new passphrase";
    let out = cli_password(&app, "IDA", &format!("{new_password}\n"));
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("new password set"),
        "{out:?}"
    );
    let r = login_from(&app, &owner, "192.0.2.50", "ida", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    let r = login_from(&app, &owner, "192.0.2.50", "ida", new_password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the owner is back in");
}

#[tokio::test]
async fn cli_password_refuses_bad_input_and_changes_nothing() {
    let app = behind_proxy().await;
    user(&app, "jill").await;
    let session = app.login(&browser(), "jill", PASSWORD).await;
    assert_eq!(session.status(), StatusCode::SEE_OTHER);
    let hash = || async {
        app.state
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT password_hash FROM users WHERE username = 'jill'",
                    [],
                    |r| r.get::<_, String>(0),
                )?)
            })
            .await
            .unwrap()
    };
    let before = hash().await;
    for (name, input, words) in [
        ("jill", "short\n", "password"),
        ("jill", "jill-jill-jill-jill\n", "password"),
        ("nobody", "a long enough secret\n", "no user"),
    ] {
        let out = cli_password(&app, name, input);
        assert!(!out.status.success(), "{name} {input:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(err.contains(words), "{name} {input:?}: {err}");
    }
    assert_eq!(hash().await, before);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1);
    // A good one ends the sessions.
    let out = cli_password(&app, "jill", "a long enough secret\n");
    assert!(out.status.success(), "{out:?}");
    assert_ne!(hash().await, before);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 0);
}

/// Runs `eventpbx user password NAME` against the app's database with `stdin` as input.
fn cli_password(app: &TestApp, name: &str, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let dir = app.state.settings.data.dir.clone();
    let config = dir.with_file_name("cli.toml");
    std::fs::write(
        &config,
        format!("[data]\ndir = {:?}\n", dir.display().to_string()),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_eventpbx"))
        .args(["--config"])
        .arg(&config)
        .args(["user", "password", name])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A sign-up posted with `X-Forwarded-For: from`.
async fn signup_from(app: &TestApp, from: &str, username: &str, password2: &str) -> Response {
    let b = browser();
    let (_, html) = app.get(&b, "/signup").await;
    let csrf = csrf_in(&html);
    b.post(app.url("/signup"))
        .header("x-forwarded-for", from)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("display_name", username),
            ("password", PASSWORD),
            ("password2", password2),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn signups_are_limited_per_address_and_in_all() {
    let app = spawn_with(|s| {
        s.web.trusted_proxies = vec!["127.0.0.0/8".to_string().try_into().unwrap()];
        s.web.signups_per_address_per_hour = 2;
        s.web.signups_per_hour = 3;
    })
    .await;
    // Refused forms take no slot.
    let r = signup_from(&app, "203.0.113.1", "amy", "a different one").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = signup_from(&app, "203.0.113.1", "x", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM signups").await, 0);

    for name in ["amy", "ben"] {
        let r = signup_from(&app, "203.0.113.1", name, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
    }
    let r = signup_from(&app, "203.0.113.1", "cat", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let text = r.text().await.unwrap();
    assert!(text.contains("from your address"), "{text}");
    assert!(text.contains("try again in 60 min"), "{text}");

    let r = signup_from(&app, "198.51.100.2", "cat", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "another address may");
    let r = signup_from(&app, "192.0.2.3", "dan", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the global limit"
    );
    let text = r.text().await.unwrap();
    assert!(
        text.contains("Too many accounts were created in the last hour"),
        "{text}"
    );
    assert_eq!(app.count("SELECT count(*) FROM users").await, 3);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username IN ('dan')")
            .await,
        0,
        "a refused sign-up creates nothing"
    );
}

#[tokio::test]
async fn signups_from_one_ipv6_64_share_a_limit() {
    let app = spawn_with(|s| {
        s.web.trusted_proxies = vec!["127.0.0.1".to_string().try_into().unwrap()];
        s.web.signups_per_address_per_hour = 1;
    })
    .await;
    let r = signup_from(&app, "2001:db8:1:2::1", "eve", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = signup_from(&app, "2001:db8:1:2:ffff::9", "fay", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = signup_from(&app, "2001:db8:1:3::1", "fay", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "another /64");
}

/// Posts the change-password form of `client`'s session.
async fn change_password(
    app: &TestApp,
    client: &Client,
    current: &str,
    new: &str,
    again: &str,
) -> (StatusCode, String) {
    let r = app
        .submit(
            client,
            "/account/password",
            "/account/password",
            &[
                ("current", current),
                ("password", new),
                ("password2", again),
            ],
        )
        .await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn users_change_their_own_password_and_other_sessions_end() {
    let app = spawn_with(|_| {}).await;
    let here = app.user_with_role("kim", Role::Attendee).await;
    let elsewhere = browser();
    let r = app.login(&elsewhere, "kim", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, account) = app.get(&here, "/account").await;
    assert!(
        account.contains("/account/password"),
        "linked from the account page"
    );

    let hash = || async {
        app.state
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT password_hash FROM users WHERE username = 'kim'",
                    [],
                    |r| r.get::<_, String>(0),
                )?)
            })
            .await
            .unwrap()
    };
    let before = hash().await;
    let new = "a fresh passphrase 42";
    for (current, password, again, words) in [
        ("wrong password!", new, new, "current password is wrong"),
        (PASSWORD, new, "something else", "differ"),
        (PASSWORD, "short", "short", "password"),
    ] {
        let (s, text) = change_password(&app, &here, current, password, again).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{words}");
        assert!(text.contains(words), "{words}: {text}");
    }
    assert_eq!(hash().await, before, "refusals changed nothing");
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 2);

    // Without the CSRF token nothing happens.
    let r = here
        .post(app.url("/account/password"))
        .form(&[("current", PASSWORD), ("password", new), ("password2", new)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(hash().await, before);

    let (s, text) = change_password(&app, &here, PASSWORD, new, new).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(text.contains("Your password is changed"), "{text}");
    let stored = hash().await;
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert_ne!(stored, before);
    let (s, _) = app.get(&here, "/account").await;
    assert_eq!(s, StatusCode::OK, "this session stays");
    let (s, _) = app.get(&elsewhere, "/account").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the other session ended");
    let r = app.login(&browser(), "kim", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.login(&browser(), "kim", new).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn guesses_at_the_current_password_are_throttled() {
    let app = spawn_with(|_| {}).await;
    let here = app.user_with_role("lou", Role::Attendee).await;
    let new = "lou's new passphrase";
    let mut throttled = false;
    for i in 0..(throttle::FREE_FAILURES + 2) {
        let (s, text) = change_password(&app, &here, "a wrong guess", new, new).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert!(i >= throttle::FREE_FAILURES, "after {i}");
            assert!(text.contains("try again in"), "{text}");
            throttled = true;
            break;
        }
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert!(throttled);
}
