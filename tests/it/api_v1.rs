//! JSON API v1 (the self-registration interface): auth missing, wrong and read-only; bad
//! JSON; unknown numbers; conflicts; and the happy paths.

use eventpbx::db::api_keys::{self, Scope};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::web_support::{spawn, TestApp};

async fn key(app: &TestApp, name: &str, scope: Scope) -> String {
    let name = name.to_string();
    app.state
        .db
        .write(move |tx| api_keys::create(tx, &name, scope))
        .await
        .unwrap()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, app.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, value)
}

use reqwest::Method;

#[tokio::test]
async fn api_auth_missing_wrong_revoked_and_read_only() {
    let app = spawn().await;
    let read = key(&app, "dash", Scope::Read).await;
    let (s, v) = send(&app, Method::POST, "/api/v1/handsets/temporary", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v["detail"].as_str().unwrap().contains("API key"));
    let (s, _) = send(
        &app,
        Method::POST,
        "/api/v1/handsets/temporary",
        Some("epbx_nope"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = send(
        &app,
        Method::POST,
        "/api/v1/handsets/temporary",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // Nothing was created by the refused requests.
    let n: i64 = app
        .state
        .db
        .read(|c| Ok(c.query_row("SELECT count(*) FROM devices", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(n, 0);
    app.state
        .db
        .write(|tx| api_keys::revoke(tx, "dash"))
        .await
        .unwrap();
    let (s, _) = send(
        &app,
        Method::GET,
        "/api/v1/extensions/4711",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_temporary_handsets_lifecycle() {
    let app = spawn().await;
    let rw = key(&app, "dect", Scope::ReadWrite).await;
    let read = key(&app, "dash", Scope::Read).await;
    let (s, h) = send(
        &app,
        Method::POST,
        "/api/v1/handsets/temporary",
        Some(&rw),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    let number = h["number"].as_str().unwrap();
    assert!(number.starts_with("9956") && number.len() == 8);
    assert!(h["sip_password"].as_str().unwrap().len() >= 16);
    let user = h["sip_username"].as_str().unwrap().to_string();

    let (s, got) = send(
        &app,
        Method::GET,
        &format!("/api/v1/handsets/{user}"),
        Some(&read),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["temporary_number"], h["number"]);
    assert_eq!(got["extension"], Value::Null);
    assert!(got.get("sip_password").is_none(), "no secrets on GET");

    let (s, _) = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/handsets/{user}"),
        Some(&read),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/handsets/{user}"),
        Some(&rw),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = send(
        &app,
        Method::GET,
        &format!("/api/v1/handsets/{user}"),
        Some(&read),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["detail"], "Handset not found");
}

#[tokio::test]
async fn api_extensions_create_conflicts_and_bad_input() {
    let app = spawn().await;
    let rw = key(&app, "prov", Scope::ReadWrite).await;
    let k = Some(rw.as_str());
    let (s, v) = send(
        &app,
        Method::POST,
        "/api/v1/extensions",
        k,
        Some(json!({"number": "4711", "name": "Alice", "kind": "handset"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["token"].as_str().unwrap().len(), 10);
    let (s, v) = send(
        &app,
        Method::POST,
        "/api/v1/extensions",
        k,
        Some(json!({"number": "4712", "name": "Bob", "kind": "sip"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v["sip_username"].as_str().unwrap().starts_with('s'));
    assert!(v.get("token").is_none());

    for (body, status, words) in [
        (
            json!({"number": "4711", "name": "X", "kind": "sip"}),
            StatusCode::CONFLICT,
            "taken",
        ),
        (
            json!({"number": "47111", "name": "X", "kind": "sip"}),
            StatusCode::CONFLICT,
            "4711",
        ),
        (
            json!({"number": "471", "name": "X", "kind": "sip"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            json!({"number": "1234", "name": "X", "kind": "sip"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            json!({"number": "4800", "name": "X", "kind": "fax"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "kind",
        ),
        (
            json!({"number": "4800"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
    ] {
        let (s, v) = send(
            &app,
            Method::POST,
            "/api/v1/extensions",
            k,
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, status, "{body} -> {v}");
        let detail = v["detail"].as_str().unwrap_or_default().to_lowercase();
        assert!(
            !detail.is_empty() && detail.contains(words),
            "{body} -> {detail}"
        );
    }
    // Bad JSON and no JSON.
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/extensions"))
        .bearer_auth(&rw)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.json::<Value>().await.unwrap()["detail"].is_string());
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/extensions"))
        .bearer_auth(&rw)
        .body("number=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Only the two good ones exist.
    let n: i64 = app
        .state
        .db
        .read(|c| Ok(c.query_row("SELECT count(*) FROM extensions", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn api_token_and_unbind_and_unknown_numbers() {
    let app = spawn().await;
    let rw = key(&app, "prov", Scope::ReadWrite).await;
    let k = Some(rw.as_str());
    let (_, created) = send(
        &app,
        Method::POST,
        "/api/v1/extensions",
        k,
        Some(json!({"number": "4711", "name": "Alice", "kind": "handset"})),
    )
    .await;
    let (s, v) = send(&app, Method::POST, "/api/v1/extensions/4711/token", k, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(v["token"], created["token"]);
    let (s, v) = send(
        &app,
        Method::POST,
        "/api/v1/extensions/4711/unbind",
        k,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["detail"].as_str().unwrap().contains("no handset bound"));
    for path in [
        "/api/v1/extensions/9999/token",
        "/api/v1/extensions/9999/unbind",
        "/api/v1/extensions/12ab/unbind",
    ] {
        let (s, v) = send(&app, Method::POST, path, k, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(v["detail"], "Extension not found");
    }
    let (s, v) = send(&app, Method::GET, "/api/v1/extensions/9999", k, None).await;
    assert_eq!(
        (s, v["detail"].as_str()),
        (StatusCode::NOT_FOUND, Some("Extension not found"))
    );

    // Bind through the database (the voice flow does this), then unbind via the API.
    let token = send(&app, Method::GET, "/api/v1/extensions/4711", k, None)
        .await
        .1["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, h) = send(&app, Method::POST, "/api/v1/handsets/temporary", k, None).await;
    let user = h["sip_username"].as_str().unwrap().to_string();
    let u = user.clone();
    app.state
        .db
        .write(move |tx| eventpbx::db::handsets::bind(tx, &u, &token, 1))
        .await
        .unwrap();
    let (_, e) = send(&app, Method::GET, "/api/v1/extensions/4711", k, None).await;
    assert_eq!(e["bound"], true);
    assert_eq!(e["device"].as_str(), Some(user.as_str()));
    let (s, v) = send(
        &app,
        Method::POST,
        "/api/v1/extensions/4711/unbind",
        k,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["handset_temporary_number"]
        .as_str()
        .unwrap()
        .starts_with("9956"));
    let (_, e) = send(&app, Method::GET, "/api/v1/extensions/4711", k, None).await;
    assert_eq!(e["bound"], false);
    assert!(e["token"].is_string());
    let (s, v) = send(&app, Method::GET, "/api/v1/nothing", k, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["detail"].is_string());
}
