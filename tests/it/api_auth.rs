//! JSON API auth and the shared error shapes: every route refuses a missing, wrong or revoked
//! key with 401, every write refuses a read key with 403, and nothing changes meanwhile.

use eventpbx::db::api_keys;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api_support::{detail, method, Api, ROUTES};

/// A body that would be valid for the write routes that take one.
fn body_for(m: &str, path: &str) -> Option<serde_json::Value> {
    match (m, path) {
        ("POST", "/extensions") => Some(json!({"number": "4711", "name": "A", "kind": "sip"})),
        ("PATCH", _) => Some(json!({"name": "B"})),
        ("POST", "/calls/originate") => Some(json!({"from": "4711", "to": "4712"})),
        ("POST", "/users") => Some(json!({
            "username": "carol", "display_name": "Carol", "password": "a long enough secret"
        })),
        _ => None,
    }
}

#[tokio::test]
async fn api_auth_every_route_needs_a_key_and_writes_need_read_write() {
    let api = Api::start().await;
    let before = api.snapshot().await;
    for (m, doc_path, path) in ROUTES {
        let body = body_for(m, doc_path);
        for key in [None, Some("epbx_0000"), Some("Basic abc")] {
            let (s, headers, v) = api.send_full(method(m), path, key, body.clone()).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path} with {key:?}: {v}");
            assert_eq!(headers["www-authenticate"], "Bearer", "{m} {path}");
            assert!(detail(&v).contains("API key"), "{v}");
        }
        let (s, v) = api.ro(method(m), path, body.clone()).await;
        if *m == "GET" {
            assert_ne!(s, StatusCode::FORBIDDEN, "{m} {path}: a read key may read");
            assert_ne!(s, StatusCode::UNAUTHORIZED, "{m} {path}");
        } else {
            assert_eq!(s, StatusCode::FORBIDDEN, "{m} {path}: {v}");
            assert!(detail(&v).contains("read"), "{v}");
        }
    }
    assert_eq!(
        api.snapshot().await,
        before,
        "refused requests changed nothing"
    );
}

#[tokio::test]
async fn api_auth_revoked_key_and_case_of_the_scheme() {
    let api = Api::start().await;
    let resp = reqwest::Client::new()
        .get(api.app.url("/api/v1/extensions"))
        .header("authorization", format!("bearer {}", api.read))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "the scheme is case-insensitive"
    );
    api.app
        .state
        .db
        .write(|tx| api_keys::revoke(tx, "dashboard"))
        .await
        .unwrap();
    let (s, v) = api.ro(Method::GET, "/extensions", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, v) = api.rw(Method::GET, "/extensions", None).await;
    assert_eq!(s, StatusCode::OK, "other keys keep working: {v}");
}

#[tokio::test]
async fn api_unknown_routes_and_methods_answer_json() {
    let api = Api::start().await;
    let (s, v) = api.rw(Method::GET, "/nothing", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!detail(&v).is_empty());
    let (s, headers, v) = api
        .send_full(Method::PUT, "/extensions", Some(&api.rw), None)
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{v}");
    assert!(!detail(&v).is_empty());
    let allow = headers["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn api_auth_a_key_revoked_by_another_process_stops_within_seconds() {
    let api = Api::start().await;
    let (s, _) = api.ro(Method::GET, "/extensions", None).await;
    assert_eq!(s, StatusCode::OK);
    // The CLI revokes through its own connection; this process's write counter never moves.
    let path = api.app.state.db.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut conn = rusqlite::Connection::open(path).unwrap();
        eventpbx::db::write_in(&mut conn, |tx| api_keys::revoke(tx, "dashboard")).unwrap();
    })
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let (s, v) = api.ro(Method::GET, "/extensions", None).await;
        if s == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(
            std::time::Instant::now() < deadline,
            "a revoked key kept working"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
