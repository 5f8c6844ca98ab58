//! The help desk in the browser: a box of loaners minted on `/helpdesk/loaners`, and the
//! printable sheet with one QR code per handset, drawn (not just present in the markup).

use eventpbx::domain::accounts::Role;

use crate::webdriver;
use crate::{log_in, screenshots, web_support};

#[tokio::test]
async fn browser_helpdesk_mints_loaners_and_shows_their_sheet() {
    let (driver_bin, browser_bin) = webdriver::binaries()
        .expect("chromedriver and chromium are needed: scripts/setup --test installs them");
    let app = web_support::spawn().await;
    eventpbx::service::users::add_user(
        &app.state.db,
        "helen",
        "Helen",
        web_support::PASSWORD,
        Role::Helpdesk,
    )
    .await
    .unwrap();
    let driver = webdriver::Driver::start(&driver_bin).await;
    // A desk's screen: the sheet is printed from there.
    let s = driver.session(&browser_bin, 1024, 1200).await;
    log_in(&s, &app, "helen").await;

    s.find("header a[href='/helpdesk']").await.click().await;
    s.wait_url("/helpdesk").await;
    s.find("a[href='/helpdesk/loaners']").await.click().await;
    s.wait_url("/helpdesk/loaners").await;
    s.find("#count").await.clear().await;
    s.find("#count").await.type_text("6").await;
    s.find("#mint button[type=submit]").await.click().await;
    s.wait_source("Loaner 9956").await;

    // Six cards, each with a QR code the browser lays out at its size.
    let drawn = s
        .execute(
            "return Array.from(document.querySelectorAll('article.loaner figure.qr svg'))
                .filter(svg => svg.getBoundingClientRect().width >= 100).length",
        )
        .await;
    assert_eq!(drawn, "6");
    // The print stylesheet hides the site's frame.
    let print_rules = s
        .execute(
            "return Array.from(document.styleSheets).flatMap(sheet => Array.from(sheet.cssRules))
                .filter(rule => rule.media && rule.media.mediaText === 'print')
                .map(rule => rule.cssText).join(' ')",
        )
        .await;
    assert!(print_rules.contains("header.top"), "{print_rules}");
    let lines = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'minted' AND actor = 'helen'")
        .await;
    assert_eq!(lines, 1);
    s.screenshot(&screenshots().join("helpdesk-loaner-sheet.png"))
        .await;
    s.close().await;
}
