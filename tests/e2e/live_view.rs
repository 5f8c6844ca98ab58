//! The operator's live view in a real headless Chromium: a sipp call between two extensions
//! appears, shows both sides, and disappears, without a reload (SSE from the live registry).

use std::time::{Duration, Instant};

use eventpbx::domain::accounts::Role;

use crate::support::{call, register_and_listen, End, Sandbox, Step};
use crate::webdriver;

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn operator_live_view_shows_a_call_appear_and_disappear_without_reload() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let alice = sb.device("2701", "Alice Live").await;
    let bob = sb.device("2702", "Bob Live").await;
    let user = format!("op{}", std::process::id());
    eventpbx::service::users::add_user(&app.state.db, &user, "Operator", PASSWORD, Role::Operator)
        .await
        .unwrap();

    let (driver_bin, browser_bin) = webdriver::binaries()
        .expect("chromedriver and chromium are needed: scripts/setup --test installs them");
    let driver = webdriver::Driver::start(&driver_bin).await;
    let s = driver.session(&browser_bin, 1280, 900).await;
    s.goto(&format!("{}/login", app.base)).await;
    s.find("#username").await.type_text(&user).await;
    s.find("#password").await.type_text(PASSWORD).await;
    s.find("form.stack button[type=submit]").await.click().await;
    // The login answers with a redirect to the account page; navigating on before it arrived
    // would race it (and sometimes lose to it).
    s.wait_url("/account").await;
    s.goto(&format!("{}/operator", app.base)).await;
    // Mark the document: a reload would lose this.
    s.execute("document.body.dataset.marker = 'no-reload'; return 1;")
        .await;
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    let listener = register_and_listen(&sb.settings, &bob).await;
    let caller = call(
        &sb.settings,
        &alice,
        "2702",
        &[Step::Pause(4000)],
        End::CallerHangsUp,
    );

    let live_html = || async { s.find("#live").await.property("innerHTML").await };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let html = live_html().await;
        if html.contains("2701") && html.contains("Up") && html.contains("2702") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the call never appeared:\n{html}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    s.screenshot(&shots.join("operator-live-call.png")).await;

    caller.finish().await.assert_ok();
    listener.finish().await.assert_ok();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let html = live_html().await;
        if html.contains("No calls right now") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the call never went away:\n{html}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let marker = s.execute("return document.body.dataset.marker;").await;
    assert_eq!(marker, "no-reload", "the page was reloaded");
    s.screenshot(&shots.join("operator-live-idle.png")).await;
    s.close().await;
    app.stop().await;
}
