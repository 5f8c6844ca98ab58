//! `/healthz`: 200 only when the database can be written and ARI is connected, else 503 with
//! the same body; emergency and help-desk numbers without a desk are listed as warnings.

use reqwest::StatusCode;
use serde_json::Value;

use crate::fake_ari::FakeAri;
use crate::live_support::LiveApi;
use crate::web_support::spawn_with;

async fn health(base: &str) -> (StatusCode, Value) {
    let r = reqwest::get(format!("{base}/healthz")).await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn healthz_is_503_without_ari_and_lists_numbers_without_a_desk() {
    let app = spawn_with(|_| {}).await;
    let (status, body) = health(&app.base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["database"], true);
    assert_eq!(body["status"], "degraded");
    let warnings: Vec<&str> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "112 (emergency): no desk is set up — calls hear 'please go to the help desk'",
            "1000 (help desk): no desk is set up — calls hear 'please go to the help desk'",
        ]
    );
}

#[tokio::test]
async fn healthz_is_200_when_healthy_and_503_while_the_database_cannot_be_written() {
    let fake = FakeAri::start().await;
    let live = LiveApi::start_configured(fake, |s| s.data.busy_timeout_ms = 200).await;
    let base = live.api.app.base.clone();
    let (status, healthy) = health(&base).await;
    assert_eq!(status, StatusCode::OK, "{healthy}");
    assert_eq!(healthy["status"], "ok");

    // Another writer holds the lock (as a stuck Asterisk or CLI would).
    let path = live.api.app.state.settings.db_path();
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (status, body) = health(&base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["database"], false);
    assert_eq!(keys(&body), keys(&healthy), "the same body either way");
    blocker.execute_batch("ROLLBACK").unwrap();
    let (status, _) = health(&base).await;
    assert_eq!(status, StatusCode::OK);
}
