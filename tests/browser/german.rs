//! The web pages in German in a real Chromium: the footer's switch turns the site German for
//! a visitor, the choice carries through sign-up into the account, every main page reads in
//! German (screenshots `*-de.png`), and a logged-in user switches back to English.

use eventpbx::domain::accounts::Role;

use crate::webdriver::{self, Session};
use crate::{fill_sign_up, log_in, screenshots, web_support};

/// The page's `<html lang>` and whether any message is missing from its catalogue.
async fn lang_and_missing(s: &Session) -> (String, bool) {
    let lang = s.execute("return document.documentElement.lang").await;
    let missing = s.source().await.contains('⟦');
    (lang, missing)
}

/// Waits (up to 10 s) until the page in the window is in `lang`: after a click the old page
/// may still be there for a moment, at the same address.
async fn wait_lang(s: &Session, lang: &str) {
    for _ in 0..100 {
        if lang_and_missing(s).await.0 == lang {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the page did not turn {lang}");
}

async fn shot_in_german(s: &Session, url: &str, name: &str) {
    s.goto(url).await;
    let (lang, missing) = lang_and_missing(s).await;
    assert_eq!(lang, "de", "{url}");
    assert!(
        !missing,
        "{url}: a message is missing:\n{}",
        s.source().await
    );
    s.screenshot(&screenshots().join(format!("{name}-de.png")))
        .await;
}

#[tokio::test]
async fn browser_pages_in_german() {
    let (driver_bin, browser_bin) = webdriver::binaries()
        .expect("chromedriver and chromium are needed: scripts/setup --test installs them");
    let app = web_support::spawn().await;
    eventpbx::service::users::add_user(
        &app.state.db,
        "admina",
        "Admina",
        web_support::PASSWORD,
        Role::Admin,
    )
    .await
    .unwrap();
    let driver = webdriver::Driver::start(&driver_bin).await;
    let s = driver.session(&browser_bin, 1024, 1200).await;

    // A visitor picks German in the footer.
    s.goto(&app.url("/phonebook")).await;
    assert_eq!(lang_and_missing(&s).await.0, "en");
    s.find("footer a[hreflang=de]").await.click().await;
    wait_lang(&s, "de").await;
    assert!(s.current_url().await.ends_with("/phonebook"));
    shot_in_german(&s, &app.url("/"), "home").await;
    shot_in_german(&s, &app.url("/signup"), "signup").await;

    // Sign up in German, claim a handset number.
    fill_sign_up(&s, "greta", "Greta").await;
    s.find("form.stack button[type=submit]").await.click().await;
    s.wait_url("/account").await;
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
    shot_in_german(&s, &app.url("/account"), "account").await;
    shot_in_german(&s, &app.url(&format!("/ext/{number}/why")), "why").await;
    shot_in_german(&s, &app.url("/account/password"), "password").await;

    // The logged-in user's switch is a form: back to English, stored with the account.
    s.find("footer button[name=lang][value=en]")
        .await
        .click()
        .await;
    wait_lang(&s, "en").await;
    assert!(s.current_url().await.ends_with("/account/password"));
    let stored = app
        .count("SELECT count(*) FROM users WHERE username = 'greta' AND language = 'en'")
        .await;
    assert_eq!(stored, 1);
    s.find("footer button[name=lang][value=de]")
        .await
        .click()
        .await;
    wait_lang(&s, "de").await;

    // The staff pages, as an admin whose browser asked for German before logging in.
    s.find("header form button").await.click().await;
    s.find("header a[href='/login']").await;
    log_in(&s, &app, "admina").await;
    shot_in_german(&s, &app.url("/operator"), "operator").await;
    shot_in_german(&s, &app.url("/admin"), "admin").await;
    shot_in_german(&s, &app.url("/helpdesk"), "helpdesk").await;
    shot_in_german(&s, &app.url("/helpdesk/loaners"), "helpdesk-loaners").await;
    shot_in_german(&s, &app.url("/nothing-here"), "not-found").await;
    s.close().await;
}
