//! The DECT sections of /admin (the OMM's subscription window) and /operator (the OMM link and
//! the handsets it knows), against the fake OMM: shown only when the sync runs, CSRF-protected,
//! refused for attendees and for actions that are neither open nor close.

use std::time::{Duration, Instant};

use eventpbx::domain::accounts::Role;
use reqwest::StatusCode;

use crate::fake_omm::{self, FakeOmm};
use crate::web_support::{spawn_with, TestApp};

async fn app_with_omm(omm: &FakeOmm, secret: &tempfile::TempDir) -> TestApp {
    let password_file = secret.path().join("omm.secret");
    std::fs::write(&password_file, format!("{}\n", fake_omm::PASSWORD)).unwrap();
    let url = format!("tcp://127.0.0.1:{}", omm.addr.port());
    spawn_with(|s| {
        s.omm.enabled = true;
        s.omm.user = fake_omm::USER.into();
        s.omm.url = url;
        s.omm.password_file = password_file;
    })
    .await
}

/// Waits until `page` of the app shows `text` to `client`; returns the page.
async fn page_shows(app: &TestApp, client: &reqwest::Client, page: &str, text: &str) -> String {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, html) = app.get(client, page).await;
        if html.contains(text) {
            return html;
        }
        assert!(
            Instant::now() < until,
            "{page} never showed {text:?}:\n{html}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn web_admin_opens_and_closes_the_subscription_window_and_operators_see_the_handsets() {
    let omm = FakeOmm::start().await;
    let secret = tempfile::tempdir().unwrap();
    let app = app_with_omm(&omm, &secret).await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let ops = app.user_with_role("ops", Role::Operator).await;
    let olga = app.user_with_role("olga", Role::Attendee).await;

    page_shows(&app, &admin, "/admin", "OMM: <strong>connected</strong>").await;
    page_shows(
        &app,
        &admin,
        "/admin",
        "subscription mode: <strong class=\"omm-mode\">Configured",
    )
    .await;

    // Refused: an unknown action, no CSRF token, an attendee, an operator. Nothing changes.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/dect/window",
            &[("action", "open'; DROP")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Choose open or close."));
    let r = admin
        .post(app.url("/admin/dect/window"))
        .form(&[("csrf", "forged"), ("action", "open")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    for who in [&olga, &ops] {
        let r = app
            .submit(who, "/account", "/admin/dect/window", &[("action", "open")])
            .await;
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    assert_eq!(omm.subscription_mode().0, "Configured");

    // Open: the OMM takes any handset for the configured minutes, and the page says so.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/dect/window",
            &[("action", "open")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    page_shows(
        &app,
        &admin,
        "/admin",
        "<strong class=\"omm-mode\">Wildcard",
    )
    .await;
    assert_eq!(omm.subscription_mode().0, "Wildcard");

    // A handset subscribes: the operator sees its IPEI, temporary number and that it is unbound.
    omm.subscribe_handset("03103 0024641 3");
    let html = page_shows(&app, &ops, "/operator", "03103 0024641 3").await;
    assert!(
        html.contains("<strong class=\"omm-link\">connected</strong>"),
        "{html}"
    );
    let row = html
        .split("<tr>")
        .find(|r| r.contains("03103 0024641 3"))
        .unwrap()
        .to_string();
    assert!(row.contains("<td>9956"), "{row}");
    assert!(row.contains("<td>no</td>"), "{row}");
    // Attendees see no operator page at all.
    let (status, _) = app.get(&olga, "/operator").await;
    assert!(status.is_client_error(), "{status}");

    // Close: back to configured handsets only.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/dect/window",
            &[("action", "close")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    page_shows(
        &app,
        &admin,
        "/admin",
        "<strong class=\"omm-mode\">Configured",
    )
    .await;
    assert_eq!(omm.subscription_mode().0, "Configured");
}

#[tokio::test]
async fn web_without_the_sync_shows_no_dect_sections_and_refuses_the_window() {
    let app = spawn_with(|_| {}).await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(!html.contains("DECT subscription window"), "{html}");
    let (_, html) = app.get(&admin, "/operator").await;
    assert!(!html.contains("DECT (OMM)"), "{html}");
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/dect/window",
            &[("action", "open")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("The DECT sync is off"));
}
