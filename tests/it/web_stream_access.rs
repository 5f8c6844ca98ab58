//! Open Server-Sent-Event streams end within seconds once their session is logged out or its
//! user disabled, or their API key revoked (also by another process), and not before.

use std::time::{Duration, Instant};

use eventpbx::db::{api_keys, users};
use eventpbx::domain::accounts::Role;
use reqwest::{Client, Response, StatusCode};

use crate::api_support::Api;
use crate::fake_ari::FakeAri;
use crate::web_support::{spawn_with, TestApp};

/// The app with its engine connected to a fake ARI: the live registry then never closes its
/// change feed (offline, the page streams end by themselves), so only the access checks can
/// end the streams.
async fn live_app() -> (TestApp, FakeAri) {
    let fake = FakeAri::start().await;
    let base = fake.base.clone();
    let app = spawn_with(move |s| {
        s.ari.url = base;
        s.ari.password = "fake-ari-secret".into();
    })
    .await;
    (app, fake)
}

/// Well above the re-check interval (2 s) plus a slow machine's scheduling.
const ENDS_WITHIN: Duration = Duration::from_secs(6);

async fn open(app: &TestApp, client: &Client, path: &str, key: Option<&str>) -> Response {
    let mut req = client.get(app.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    r
}

/// Reads until the stream ends; fails if it is still open after `within`.
async fn ends_within(stream: &mut Response, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let left = within.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, stream.chunk()).await {
            Ok(Ok(None)) | Ok(Err(_)) => return start.elapsed(),
            Ok(Ok(Some(_))) => continue,
            Err(_) => panic!("the stream was still open after {within:?}"),
        }
    }
}

/// Reads for `long` and fails if the stream ends meanwhile.
async fn stays_open(stream: &mut Response, long: Duration) {
    let start = Instant::now();
    loop {
        let left = long.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, stream.chunk()).await {
            Err(_) => return,
            Ok(Ok(Some(_))) => continue,
            Ok(other) => panic!("the stream ended while still allowed: {other:?}"),
        }
    }
}

#[tokio::test]
async fn account_and_operator_streams_end_after_logout() {
    let (app, _fake) = live_app().await;
    let b = app.user_with_role("olga", Role::Operator).await;
    let mut account = open(&app, &b, "/account/stream", None).await;
    let mut operator = open(&app, &b, "/operator/stream", None).await;
    stays_open(&mut operator, Duration::from_millis(2500)).await;
    stays_open(&mut account, Duration::from_millis(100)).await;
    let r = app.submit(&b, "/account", "/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    ends_within(&mut account, ENDS_WITHIN).await;
    ends_within(&mut operator, ENDS_WITHIN).await;
}

#[tokio::test]
async fn streams_end_when_the_user_is_disabled_by_another_process() {
    let (app, _fake) = live_app().await;
    let b = app.user_with_role("pete", Role::Operator).await;
    let mut account = open(&app, &b, "/account/stream", None).await;
    let mut operator = open(&app, &b, "/operator/stream", None).await;
    // As the CLI or a second daemon would: its own connection, no notice to this process.
    let path = app.state.db.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut conn = rusqlite::Connection::open(path).unwrap();
        eventpbx::db::write_in(&mut conn, |tx| {
            let id: i64 =
                tx.query_row("SELECT id FROM users WHERE username = 'pete'", [], |r| {
                    r.get(0)
                })?;
            // Only the flag, not the sessions: the streams must notice the user, not the rows.
            tx.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [id])?;
            Ok(())
        })
        .unwrap();
    })
    .await
    .unwrap();
    ends_within(&mut account, ENDS_WITHIN).await;
    ends_within(&mut operator, ENDS_WITHIN).await;
}

#[tokio::test]
async fn the_operator_stream_ends_when_the_operator_role_is_taken_away() {
    let (app, _fake) = live_app().await;
    let b = app.user_with_role("quin", Role::Operator).await;
    let mut operator = open(&app, &b, "/operator/stream", None).await;
    let mut account = open(&app, &b, "/account/stream", None).await;
    app.state
        .db
        .write(|tx| {
            let id: i64 =
                tx.query_row("SELECT id FROM users WHERE username = 'quin'", [], |r| {
                    r.get(0)
                })?;
            users::set_role(tx, id, Role::Attendee)
        })
        .await
        .unwrap();
    ends_within(&mut operator, ENDS_WITHIN).await;
    // The account page needs no role: it stays.
    stays_open(&mut account, Duration::from_millis(2500)).await;
}

#[tokio::test]
async fn the_events_stream_ends_when_its_key_is_revoked_and_not_before() {
    let api = Api::start().await;
    let client = Client::new();
    let mut mine = open(&api.app, &client, "/api/v1/events", Some(&api.read)).await;
    let mut other = open(&api.app, &client, "/api/v1/events", Some(&api.rw)).await;
    stays_open(&mut mine, Duration::from_millis(2500)).await;
    // Revoked by the CLI: another process, so this one's key cache hears nothing.
    let path = api.app.state.db.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut conn = rusqlite::Connection::open(path).unwrap();
        eventpbx::db::write_in(&mut conn, |tx| api_keys::revoke(tx, "dashboard")).unwrap();
    })
    .await
    .unwrap();
    ends_within(&mut mine, ENDS_WITHIN).await;
    stays_open(&mut other, Duration::from_millis(2500)).await;
}
