//! The operator page renders whatever live source it is given, and hangs up through it.

use std::sync::{Arc, Mutex};

use eventpbx::domain::accounts::Role;
use eventpbx::web::live_view::{ActionFuture, LiveSnapshot, LiveSource, OperatorChannel};
use reqwest::StatusCode;

use crate::web_support::spawn;

struct FakeLive {
    hung_up: Mutex<Vec<String>>,
    changes: tokio::sync::watch::Sender<u64>,
}

impl Default for FakeLive {
    fn default() -> Self {
        FakeLive {
            hung_up: Mutex::default(),
            changes: tokio::sync::watch::channel(0).0,
        }
    }
}

impl LiveSource for FakeLive {
    fn snapshot(&self) -> LiveSnapshot {
        LiveSnapshot {
            ari_connected: true,
            ari_status: "connected".into(),
            ari_link: eventpbx::web::live_view::AriLink::Connected,
            registered_devices: 3,
            channels: vec![OperatorChannel {
                id: "1700000000.42".into(),
                caller: "\"<b>Eve</b>\" <4711>".into(),
                callee: "2000".into(),
                state: "Up".into(),
                started_at: eventpbx::db::now() - 75,
                bridged_with: Some("PJSIP/s123-0001".into()),
            }],
            channels_followed: true,
        }
    }

    fn hangup(&self, channel_id: String) -> ActionFuture {
        self.hung_up.lock().unwrap().push(channel_id);
        Box::pin(async { Ok(()) })
    }

    fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

#[tokio::test]
async fn web_operator_view_renders_a_live_source_and_hangs_up() {
    // The app from app::run has no live source; serve a router with a fake one beside it.
    let app = spawn().await;
    let live = Arc::new(FakeLive::default());
    let router = eventpbx::web::router_with_live(app.state.clone(), live.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });

    eventpbx::service::users::add_user(
        &app.state.db,
        "ops",
        "Ops",
        crate::web_support::PASSWORD,
        Role::Operator,
    )
    .await
    .unwrap();
    let b = login_ops(&base).await;

    let (status, html) = get(&b, &base, "/operator").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Asterisk is not connected"));
    assert!(html.contains("&lt;b&gt;Eve&lt;/b&gt;"), "{html}");
    assert!(html.contains("PJSIP/s123-0001"));
    assert!(html.contains("1:15") || html.contains("1:16"), "duration");
    assert!(html.contains("data-since="));

    let csrf = crate::web_support::csrf_in(&html);
    let r = b
        .post(format!("{base}/operator/channels/1700000000.42/hangup"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        *live.hung_up.lock().unwrap(),
        vec!["1700000000.42".to_string()]
    );
}

/// A browser logged in as "ops" on the server at `base` (not a TestApp's own address).
async fn login_ops(base: &str) -> reqwest::Client {
    let b = crate::web_support::browser();
    let (_, html) = get(&b, base, "/login").await;
    let csrf = crate::web_support::csrf_in(&html);
    let r = b
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "ops"),
            ("password", crate::web_support::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "operator login");
    b
}

async fn get(b: &reqwest::Client, base: &str, path: &str) -> (StatusCode, String) {
    let r = b.get(format!("{base}{path}")).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn web_operator_stream_ends_when_the_daemon_stops() {
    // With the real engine (against the fake ARI) the live registry never closes its change
    // feed, so only the daemon's own stop can end the stream.
    let fake = crate::fake_ari::FakeAri::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = eventpbx::config::Settings::default();
    settings.data.dir = dir.path().join("data");
    settings.ari.url = fake.base.clone();
    settings.ari.password = "fake-ari-secret".into();
    let state = eventpbx::app::AppState::open(settings).unwrap();
    eventpbx::service::users::add_user(
        &state.db,
        "ops",
        "Ops",
        crate::web_support::PASSWORD,
        Role::Operator,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let token = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(eventpbx::app::run(state, listener, token.clone()));
    let b = login_ops(&base).await;
    let mut stream = b
        .get(format!("{base}/operator/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), stream.chunk())
        .await
        .unwrap()
        .unwrap();
    assert!(first.is_some(), "the first frame arrives");
    token.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("graceful shutdown does not wait for the operator's stream")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn web_operator_shows_the_token_guard_alarm() {
    use eventpbx::db::handsets;
    let app = crate::web_support::spawn_with(|s| s.calls.token_guard_failures = 1).await;
    let ops = app
        .user_with_role("otto", eventpbx::domain::accounts::Role::Operator)
        .await;
    let (_, html) = app.get(&ops, "/operator").await;
    assert!(!html.contains("token-alarm"));
    let settings = app.state.settings.clone();
    app.state
        .db
        .write(move |tx| {
            let plan = handsets::TemporaryPlan::from_settings(&settings);
            let guard = settings.token_guard();
            for _ in 0..2 {
                let h = handsets::create_temporary(tx, &plan)?;
                let now = eventpbx::db::now();
                handsets::bind(tx, &h.credentials.username, "0000000000", now)?;
                eventpbx::db::attempts::check_guard(tx, guard, now)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (_, html) = app.get(&ops, "/operator").await;
    assert!(html.contains("token-alarm"), "{html}");
    assert!(html.contains("2 failed registration tokens"), "{html}");
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE type = 'alarm.token_guessing'")
            .await,
        1
    );
}

/// Reads SSE `live` events from `stream` until one satisfies `wanted`; panics after 5 s.
async fn live_event_where(
    stream: &mut reqwest::Response,
    buffer: &mut String,
    wanted: impl Fn(&str) -> bool,
) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        // Complete events end with a blank line; the data of one is its `data:` lines joined.
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if !frame.lines().any(|l| l == "event: live") {
                continue;
            }
            let data: Vec<&str> = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data: ").or(l.strip_prefix("data:")))
                .collect();
            let data = data.join("\n");
            if wanted(&data) {
                return data;
            }
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("a live event as wanted within 5 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn web_operator_alarms_and_desk_warnings_update_over_the_stream() {
    use eventpbx::db::handsets;
    // The real engine against the fake ARI: the live registry's change feed stays open, as in
    // production, and the database's writes must wake the stream beside it.
    let fake = crate::fake_ari::FakeAri::start().await;
    let ari = fake.base.clone();
    let app = crate::web_support::spawn_with(move |s| {
        s.ari.url = ari;
        s.ari.password = "fake-ari-secret".into();
        s.calls.token_guard_failures = 1;
    })
    .await;
    let ops = app.user_with_role("otto", Role::Operator).await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let emergency = "112 (emergency): no desk is set up";

    let mut stream = ops.get(app.url("/operator/stream")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buffer = String::new();
    let first = live_event_where(&mut stream, &mut buffer, |_| true).await;
    assert!(first.contains(emergency), "{first}");
    assert!(!first.contains("token-alarm"), "{first}");

    // Two failed tokens (more than the threshold of 1) raise the alarm: the open page hears
    // of it without a reload.
    let settings = app.state.settings.clone();
    app.state
        .db
        .write(move |tx| {
            let plan = handsets::TemporaryPlan::from_settings(&settings);
            let guard = settings.token_guard();
            for _ in 0..2 {
                let h = handsets::create_temporary(tx, &plan)?;
                let now = eventpbx::db::now();
                handsets::bind(tx, &h.credentials.username, "0000000000", now)?;
                eventpbx::db::attempts::check_guard(tx, guard, now)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let alarmed = live_event_where(&mut stream, &mut buffer, |d| d.contains("token-alarm")).await;
    assert!(
        alarmed.contains("2 failed registration tokens"),
        "{alarmed}"
    );
    assert!(alarmed.contains("temporary handsets waiting"), "{alarmed}");

    // An admin sets up the emergency desk: its warning goes from the open page.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/desks",
            &[("number", "112"), ("kind", "sip"), ("name", "First aid")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let settled = live_event_where(&mut stream, &mut buffer, |d| !d.contains(emergency)).await;
    assert!(
        settled.contains("1000 (help desk): no desk is set up"),
        "the other warning stays: {settled}"
    );
    assert!(
        settled.contains("token-alarm"),
        "the alarm stays: {settled}"
    );
}
