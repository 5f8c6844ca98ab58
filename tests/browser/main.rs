#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Browser tests in a real headless Chromium (Debian's `chromium` + `chromedriver`), built only
//! with `--features browser` (scripts/test gives it). They fail when chromedriver is missing
//! (scripts/setup --test installs it). Screenshots of the main pages go to
//! `<target>/tmp/screenshots/`.

mod german;
mod helpdesk;
mod routing;
#[allow(dead_code)]
#[path = "../it/web_support.rs"]
mod web_support;
mod webdriver;

use std::path::PathBuf;

use eventpbx::domain::accounts::Role;

/// Logs `name` in (password [`web_support::PASSWORD`]) and waits for their extensions.
pub(crate) async fn log_in(s: &webdriver::Session, app: &web_support::TestApp, name: &str) {
    s.goto(&app.url("/login")).await;
    s.find("#username").await.type_text(name).await;
    s.find("#password")
        .await
        .type_text(web_support::PASSWORD)
        .await;
    s.find("form.stack button[type=submit]").await.click().await;
    s.wait_url("/account").await;
}

/// Fills the sign-up form already open in `s` (password [`web_support::PASSWORD`]).
pub(crate) async fn fill_sign_up(s: &webdriver::Session, username: &str, name: &str) {
    s.find("#username").await.type_text(username).await;
    s.find("#display_name").await.type_text(name).await;
    s.find("#password")
        .await
        .type_text(web_support::PASSWORD)
        .await;
    s.find("#password2")
        .await
        .type_text(web_support::PASSWORD)
        .await;
}

pub(crate) fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn browser_signup_claim_handset_and_read_the_token() {
    // Never skipped: scripts/setup --test installs Debian's chromium and chromium-driver.
    let (driver_bin, browser_bin) = webdriver::binaries()
        .expect("chromedriver and chromium are needed: scripts/setup --test installs them");
    let app = web_support::spawn().await;
    eventpbx::service::users::add_user(
        &app.state.db,
        "admin",
        "The Admin",
        web_support::PASSWORD,
        Role::Admin,
    )
    .await
    .unwrap();
    let driver = webdriver::Driver::start(&driver_bin).await;
    // A phone-sized window: the pages must work there.
    let s = driver.session(&browser_bin, 412, 915).await;
    let shots = screenshots();

    s.goto(&app.url("/")).await;
    s.screenshot(&shots.join("home.png")).await;

    s.goto(&app.url("/signup")).await;
    fill_sign_up(&s, "nina", "Nina <b>Bold</b>").await;
    s.screenshot(&shots.join("signup.png")).await;
    s.find("form.stack button[type=submit]").await.click().await;
    assert!(
        s.current_url().await.ends_with("/account"),
        "{}",
        s.current_url().await
    );

    // Claim a handset number by picking the first suggestion.
    s.find("input[name=kind][value=handset]")
        .await
        .click()
        .await;
    s.find("button[name=pick]").await.click().await;
    let url = s.wait_url("done=claimed").await;
    let number = url
        .split("n=")
        .nth(1)
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_string();
    let token_on_page = s
        .find(&format!("#token-{number}"))
        .await
        .property("value")
        .await;
    let dial_on_page = s
        .find(&format!("#dial-{number}"))
        .await
        .property("value")
        .await;
    let n = number.clone();
    let token: String = app
        .state
        .db
        .read(move |c| {
            Ok(
                c.query_row("SELECT token FROM extensions WHERE number = ?1", [n], |r| {
                    r.get(0)
                })?,
            )
        })
        .await
        .unwrap();
    assert_eq!(token_on_page, token);
    assert_eq!(dial_on_page, format!("9955{token}"));
    assert!(s.source().await.contains("Nina &lt;b&gt;Bold&lt;/b&gt;"));
    s.screenshot(&shots.join("account-handset.png")).await;

    // And a SIP extension, for the picture of its credentials.
    s.goto(&app.url("/account")).await;
    s.find("input[name=kind][value=sip]").await.click().await;
    s.find("button[name=pick]").await.click().await;
    s.wait_url("done=claimed").await;
    s.screenshot(&shots.join("account-sip.png")).await;

    s.goto(&app.url("/phonebook")).await;
    assert!(s.source().await.contains(&format!("tel:{number}")));
    s.screenshot(&shots.join("phonebook.png")).await;

    // Log out, log in as the admin.
    s.goto(&app.url("/account")).await;
    s.find("header form button").await.click().await;
    // Logged out: the start page offers "Log in" again.
    s.find("header a[href='/login']").await;
    s.goto(&app.url("/login")).await;
    s.find("#username").await.type_text("admin").await;
    s.find("#password")
        .await
        .type_text(web_support::PASSWORD)
        .await;
    s.screenshot(&shots.join("login.png")).await;
    s.find("form.stack button[type=submit]").await.click().await;
    s.wait_url("/account").await;
    s.goto(&app.url("/operator")).await;
    assert!(s.source().await.contains("Asterisk is not connected"));
    // The charts: eight inline SVGs the browser lays out with a width.
    assert_eq!(
        s.execute(
            "return String([...document.querySelectorAll('#charts svg')]\
             .filter(e => e.getBoundingClientRect().width > 100).length)"
        )
        .await,
        "8"
    );
    s.screenshot(&shots.join("operator.png")).await;
    // "Why didn't it ring?" for the attendee's handset number, as the help desk sees it.
    s.goto(&app.url(&format!("/ext/{number}/why"))).await;
    assert!(s.source().await.contains("Ring me"));
    s.screenshot(&shots.join("why-didnt-it-ring.png")).await;
    s.goto(&app.url("/admin")).await;
    s.screenshot(&shots.join("admin.png")).await;
    s.goto(&app.url("/nothing-here")).await;
    s.screenshot(&shots.join("not-found.png")).await;

    // The operator's live view says when its stream is lost instead of going stale quietly.
    s.goto(&app.url("/operator")).await;
    assert_eq!(
        s.execute("return document.querySelector('.stream-state').hidden")
            .await,
        "true",
        "no notice while the stream is up"
    );
    app.stop();
    let text = s.wait_source("Live updates").await;
    assert!(
        text.contains("Live updates interrupted, reconnecting")
            || text.contains("Live updates stopped"),
        "{text}"
    );
    s.screenshot(&shots.join("operator-stream-lost.png")).await;
    s.close().await;
}
