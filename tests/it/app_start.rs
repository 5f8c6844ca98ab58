//! The daemon starts on port 0 with a fresh database, answers, and shuts down on its token.

use eventpbx::app::{self, AppState};
use eventpbx::config::Settings;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn starts_migrates_answers_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let settings =
        Settings::from_toml(&format!("[data]\ndir = {:?}\n", dir.path().join("data"))).unwrap();
    let state = AppState::open(settings).unwrap();
    assert!(dir.path().join("data/eventpbx.db").exists());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let server = tokio::spawn(app::run(state, listener, token.clone()));

    let health: serde_json::Value = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database"], true);
    // No ARI secret in this temp data folder: no call engine, and it says so.
    assert_eq!(health["status"], "degraded");
    assert!(
        health["ari"].as_str().unwrap().contains("no ARI"),
        "{health}"
    );

    token.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("shuts down promptly")
        .unwrap()
        .unwrap();
}
