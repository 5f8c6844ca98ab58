//! `/api/v1/extensions/{number}/browser-phone`: add, read and remove an extension's WebRTC
//! device; who sees its password; and every refusal changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api_support::{detail, key, Api};

const PATH: &str = "/extensions/4712/browser-phone";

async fn create(api: &Api, number: &str, kind: &str) {
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": number, "name": "Bob", "kind": kind})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{number}: {v}");
}

#[tokio::test]
async fn api_browser_phone_add_read_remove() {
    let api = Api::start().await;
    create(&api, "4712", "sip").await;
    let (s, v) = api.ro(Method::GET, PATH, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "none yet: {v}");
    assert!(detail(&v).contains("no browser phone"), "{v}");

    let (s, added) = api.rw(Method::PUT, PATH, None).await;
    assert_eq!(s, StatusCode::CREATED, "{added}");
    let user = added["sip_username"].as_str().unwrap().to_string();
    assert!(user.starts_with('w'), "{added}");
    assert!(added["sip_password"].as_str().unwrap().len() >= 16);
    assert_eq!(added["status"], "offline");

    // The creating key and admin keys see the password; a read-only key does not.
    let (s, v) = api.rw(Method::GET, PATH, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["sip_username"], user.as_str());
    assert_eq!(v["sip_password"], added["sip_password"]);
    let (_, v) = api.admin(Method::GET, PATH, None).await;
    assert_eq!(v["sip_password"], added["sip_password"]);
    let (s, v) = api.ro(Method::GET, PATH, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["sip_username"], user.as_str());
    assert!(v["sip_password"].is_null(), "{v}");
    // No Asterisk in this test: the registration state is unknown, not a made-up offline.
    assert_eq!(v["status"], "unknown");
    // It rings beside the phone: the extension's route dials both.
    let (_, e) = api.ro(Method::GET, "/extensions/4712", None).await;
    let phone = e["sip_username"].as_str().unwrap().to_string();
    let dial: String = api
        .app
        .state
        .db
        .read(|c| {
            Ok(
                c.query_row("SELECT dial FROM routes WHERE number = '4712'", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .await
        .unwrap();
    assert_eq!(dial, format!("PJSIP/{phone}&PJSIP/{user}"));

    let (s, v) = api.rw(Method::DELETE, PATH, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = api.ro(Method::GET, PATH, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let left: i64 = api
        .app
        .state
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT count(*) FROM ps_endpoints WHERE id = ?1",
                [user],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(left, 0, "its endpoint went with it");
}

#[tokio::test]
async fn api_browser_phone_refusals_change_nothing() {
    let api = Api::start().await;
    create(&api, "4712", "sip").await;
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": "4720", "name": "Team", "kind": "group"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let before = api.snapshot().await;
    // Unknown extension, a group, removing what is not there.
    for (method, path, status, words) in [
        (
            Method::PUT,
            "/extensions/4799/browser-phone",
            StatusCode::NOT_FOUND,
            "not found",
        ),
        (
            Method::GET,
            "/extensions/4799/browser-phone",
            StatusCode::NOT_FOUND,
            "not found",
        ),
        (
            Method::DELETE,
            "/extensions/4799/browser-phone",
            StatusCode::NOT_FOUND,
            "not found",
        ),
        (
            Method::PUT,
            "/extensions/4720/browser-phone",
            StatusCode::CONFLICT,
            "4720",
        ),
        (Method::DELETE, PATH, StatusCode::CONFLICT, "4712"),
    ] {
        let (s, v) = api.rw(method.clone(), path, None).await;
        assert_eq!(s, status, "{method} {path}: {v}");
        assert!(detail(&v).contains(words), "{method} {path}: {v}");
    }
    // A read-only key may not write; another read-write key may not see the new password.
    let (s, v) = api.ro(Method::PUT, PATH, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let other = key(
        &api.app,
        "other-service",
        eventpbx::db::api_keys::Scope::ReadWrite,
    )
    .await;
    let (s, v) = api.send(Method::PUT, PATH, Some(&other), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(detail(&v).contains("admin API key"), "{v}");
    assert_eq!(api.snapshot().await, before, "the refusals changed nothing");

    // A second one is refused and keeps the first.
    let (s, first) = api.admin(Method::PUT, PATH, None).await;
    assert_eq!(s, StatusCode::CREATED, "an admin key may: {first}");
    let before = api.snapshot().await;
    let (s, v) = api.rw(Method::PUT, PATH, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(api.snapshot().await, before);
    let (_, v) = api.rw(Method::GET, PATH, None).await;
    assert_eq!(v["sip_username"], first["sip_username"]);
}
