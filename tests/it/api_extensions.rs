//! `/api/v1/extensions`: create, list with filters, get, update, delete, token, unbind and SIP
//! password; conflicts, bad input and unknown numbers.

use eventpbx::db::handsets;
use eventpbx::domain::accounts::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api_support::{detail, Api};

async fn create(api: &Api, number: &str, name: &str, kind: &str) -> Value {
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": number, "name": name, "kind": kind})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{number}: {v}");
    v
}

/// Binds a fresh temporary handset to `number` the way the voice flow does; returns its SIP
/// username.
async fn bind(api: &Api, number: &str) -> String {
    let (_, e) = api
        .rw(Method::GET, &format!("/extensions/{number}"), None)
        .await;
    let token = e["token"].as_str().unwrap().to_string();
    let (_, h) = api.rw(Method::POST, "/handsets/temporary", None).await;
    let user = h["sip_username"].as_str().unwrap().to_string();
    let u = user.clone();
    let outcome = api
        .app
        .state
        .db
        .write(move |tx| handsets::bind(tx, &u, &token, 1))
        .await
        .unwrap();
    assert!(
        matches!(outcome, handsets::BindOutcome::Bound { .. }),
        "{outcome:?}"
    );
    user
}

#[tokio::test]
async fn api_extensions_create_handset_and_sip() {
    let api = Api::start().await;
    let h = create(&api, "4711", "Alice", "handset").await;
    assert_eq!(h["number"], "4711");
    assert_eq!(h["kind"], "handset");
    assert_eq!(h["token"].as_str().unwrap().len(), 10);
    assert!(h.get("sip_password").is_none());
    let s = create(&api, "4712", "Bob", "sip").await;
    assert!(s["sip_username"].as_str().unwrap().starts_with('s'));
    assert!(s["sip_password"].as_str().unwrap().len() >= 16);
    assert!(s.get("token").is_none());

    // Owned by a user, unlisted.
    crate::web_support::TestApp::user_with_role(&api.app, "carol", Role::Attendee).await;
    let (st, v) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": "4713", "name": "Carol", "kind": "sip", "owner": "Carol", "public": false})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (_, e) = api.ro(Method::GET, "/extensions/4713", None).await;
    assert_eq!(
        (e["owner"].as_str(), e["public"].as_bool()),
        (Some("carol"), Some(false))
    );
}

#[tokio::test]
async fn api_extensions_create_refusals_say_which() {
    let api = Api::start().await;
    create(&api, "4711", "Alice", "handset").await;
    let before = api.snapshot().await;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    for (body, status, words) in [
        (
            json!({"number": "4711", "name": "X", "kind": "sip"}),
            StatusCode::CONFLICT,
            "taken",
        ),
        // Five digits are outside the default range 2000-8999 (prefix clashes: next test).
        (
            json!({"number": "47111", "name": "X", "kind": "sip"}),
            unprocessable,
            "outside",
        ),
        (
            json!({"number": "1234", "name": "X", "kind": "sip"}),
            unprocessable,
            "outside",
        ),
        (
            json!({"number": "12ab", "name": "X", "kind": "sip"}),
            unprocessable,
            "digits",
        ),
        // Only admins set up the emergency and help-desk desks; a read-write key may not.
        (
            json!({"number": "112", "name": "X", "kind": "sip"}),
            StatusCode::CONFLICT,
            "emergency",
        ),
        (
            json!({"number": "1000", "name": "X", "kind": "handset"}),
            StatusCode::CONFLICT,
            "help desk",
        ),
        // The registration code 9955 is a prefix of 99551.
        (
            json!({"number": "9955", "name": "X", "kind": "sip"}),
            StatusCode::CONFLICT,
            "registration",
        ),
        (
            json!({"number": "4800", "name": "X", "kind": "fax"}),
            unprocessable,
            "kind",
        ),
        (
            json!({"number": "4800", "name": "", "kind": "sip"}),
            unprocessable,
            "name",
        ),
        (
            json!({"number": "4800", "name": "X", "kind": "sip", "owner": "nobody"}),
            unprocessable,
            "nobody",
        ),
        (json!({"number": "4800"}), unprocessable, "name"),
        (
            json!({"number": "4800", "name": "X", "kind": "sip", "extra": 1}),
            unprocessable,
            "extra",
        ),
        (
            json!({"number": 4800, "name": "X", "kind": "sip"}),
            unprocessable,
            "string",
        ),
    ] {
        let (s, v) = api
            .rw(Method::POST, "/extensions", Some(body.clone()))
            .await;
        assert_eq!(s, status, "{body} -> {v}");
        let d = detail(&v).to_lowercase();
        assert!(d.contains(words), "{body} -> {d}");
    }
    assert_eq!(api.snapshot().await, before, "refusals wrote nothing");
}

#[tokio::test]
async fn api_extensions_prefix_clash_both_ways() {
    // Ranges that allow 3 to 5 digits, so a prefix clash is not also out of range.
    let app = crate::web_support::spawn().await;
    app.state
        .db
        .write(|tx| {
            let r = eventpbx::domain::numbering::Range::parse("300", "399").unwrap();
            eventpbx::db::numbering::add_range(tx, &r)?;
            let r = eventpbx::domain::numbering::Range::parse("30000", "39999").unwrap();
            eventpbx::db::numbering::add_range(tx, &r)
        })
        .await
        .unwrap();
    let rw = crate::api_support::key(&app, "k", eventpbx::db::api_keys::Scope::ReadWrite).await;
    let post = |number: &'static str| {
        reqwest::Client::new()
            .post(app.url("/api/v1/extensions"))
            .bearer_auth(&rw)
            .json(&json!({"number": number, "name": "X", "kind": "handset"}))
            .send()
    };
    assert_eq!(post("31234").await.unwrap().status(), StatusCode::CREATED);
    // The new number is the start of one in use; a neighbour that clashes with nothing is fine.
    for (number, other) in [("312", "31234"), ("31299", "")] {
        let r = post(number).await.unwrap();
        let s = r.status();
        let v: Value = r.json().await.unwrap();
        if other.is_empty() {
            assert_eq!(s, StatusCode::CREATED, "{number}: {v}");
            continue;
        }
        assert_eq!(s, StatusCode::CONFLICT, "{number}: {v}");
        assert!(detail(&v).contains(other), "{v}");
    }
    // The other way round: a number in use is the start of the new one.
    assert_eq!(post("340").await.unwrap().status(), StatusCode::CREATED);
    let r = post("34000").await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let v: Value = r.json().await.unwrap();
    assert!(detail(&v).contains("340"), "{v}");
}

#[tokio::test]
async fn api_extensions_bad_json_and_content_type() {
    let api = Api::start().await;
    for (path, method) in [
        ("/extensions", Method::POST),
        ("/extensions/4711", Method::PATCH),
    ] {
        let (s, v) = api
            .raw(method.clone(), path, Some("application/json"), "{not json")
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
        assert!(!detail(&v).is_empty());
        let (s, v) = api
            .raw(method.clone(), path, Some("text/plain"), "number=1")
            .await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}: {v}");
        assert!(detail(&v).contains("application/json"));
        let (s, v) = api.raw(method.clone(), path, None, "").await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}: {v}");
        let (s, v) = api.raw(method, path, Some("application/json"), "[1]").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
    }
    // serde would read a struct from an array; the API takes objects only.
    create(&api, "4711", "Alice", "sip").await;
    let (s, v) = api
        .raw(
            Method::PATCH,
            "/extensions/4711",
            Some("application/json"),
            "[null, null]",
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(detail(&v).contains("object"), "{v}");
    let (s, v) = api
        .raw(
            Method::PATCH,
            "/extensions/4711",
            Some("application/merge-patch+json"),
            "{}",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "any application/*+json is JSON: {v}");
    let (s, v) = api
        .ro(Method::GET, "/extensions?offset=2147483648", None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    for q in ["kind=fax", "bound=maybe", "limit=x"] {
        let (s, v) = api.ro(Method::GET, &format!("/extensions?{q}"), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert!(!detail(&v).is_empty());
    }
}

#[tokio::test]
async fn api_extensions_list_filters_and_pages() {
    let api = Api::start().await;
    for n in 0..5 {
        create(&api, &format!("20{n:02}"), &format!("H{n}"), "handset").await;
    }
    create(&api, "3000", "S", "sip").await;
    let bound_user = bind(&api, "2001").await;
    crate::web_support::TestApp::user_with_role(&api.app, "dora", Role::Attendee).await;
    api.rw(
        Method::POST,
        "/extensions",
        Some(json!({"number": "3001", "name": "D", "kind": "sip", "owner": "dora"})),
    )
    .await;

    let numbers = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["number"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, all) = api.ro(Method::GET, "/extensions", None).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 7);
    assert_eq!(all["limit"], 100);
    assert_eq!(
        numbers(&all),
        ["2000", "2001", "2002", "2003", "2004", "3000", "3001"]
    );
    // Tokens are secrets: read keys do not see them, read-write keys do.
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["token"].is_null()));
    let (_, all_rw) = api.rw(Method::GET, "/extensions", None).await;
    assert!(all_rw["items"][0]["token"].is_string());

    let (_, p) = api
        .ro(Method::GET, "/extensions?limit=2&offset=2", None)
        .await;
    assert_eq!(
        (numbers(&p), p["total"].as_i64()),
        (vec!["2002".to_string(), "2003".into()], Some(7))
    );
    let (_, p) = api.ro(Method::GET, "/extensions?kind=sip", None).await;
    assert_eq!(numbers(&p), ["3000", "3001"]);
    let (_, p) = api.ro(Method::GET, "/extensions?bound=true", None).await;
    assert_eq!(numbers(&p), ["2001"]);
    assert_eq!(p["items"][0]["sip_username"], bound_user.as_str());
    assert_eq!(p["items"][0]["bound"], true);
    let (_, p) = api
        .ro(Method::GET, "/extensions?bound=false&limit=1", None)
        .await;
    assert_eq!(
        (numbers(&p), p["total"].as_i64()),
        (vec!["2000".to_string()], Some(4))
    );
    let (_, p) = api.ro(Method::GET, "/extensions?owner=DORA", None).await;
    assert_eq!(numbers(&p), ["3001"]);
    let (_, p) = api.ro(Method::GET, "/extensions?owner=nobody", None).await;
    assert_eq!((numbers(&p).len(), p["total"].as_i64()), (0, Some(0)));
    let (_, p) = api
        .ro(
            Method::GET,
            "/extensions?kind=handset&bound=false&offset=3",
            None,
        )
        .await;
    assert_eq!(numbers(&p), ["2004"]);
}

#[tokio::test]
async fn api_extensions_get_update_delete() {
    let api = Api::start().await;
    let s = create(&api, "4712", "Bob", "sip").await;
    let (st, e) = api.ro(Method::GET, "/extensions/4712", None).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(e["name"], "Bob");
    assert_eq!(e["kind"], "sip");
    assert_eq!(e["bound"], false);
    assert_eq!(e["sip_username"], s["sip_username"]);
    assert!(e.get("sip_password").is_none());

    let (st, e) = api
        .rw(
            Method::PATCH,
            "/extensions/4712",
            Some(json!({"name": "Robert <R&D>"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(
        (e["name"].as_str(), e["public"].as_bool()),
        (Some("Robert <R&D>"), Some(true))
    );
    let (_, e) = api
        .rw(
            Method::PATCH,
            "/extensions/4712",
            Some(json!({"public": false})),
        )
        .await;
    assert_eq!(
        (e["name"].as_str(), e["public"].as_bool()),
        (Some("Robert <R&D>"), Some(false))
    );
    // The device's caller id follows the name at once.
    let user = s["sip_username"].as_str().unwrap().to_string();
    let callerid: String = api
        .app
        .state
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT callerid FROM ps_endpoints WHERE id = ?1",
                [user],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(callerid, "\"Robert <R&D>\" <4712>");
    let (st, v) = api
        .rw(
            Method::PATCH,
            "/extensions/4712",
            Some(json!({"name": "line\nbreak"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (st, v) = api
        .rw(
            Method::PATCH,
            "/extensions/4712",
            Some(json!({"colour": "red"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let (st, v) = api.rw(Method::DELETE, "/extensions/4712", None).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    let n = api.app.count("SELECT count(*) FROM ps_endpoints").await;
    assert_eq!(n, 0, "the SIP extension's device went with it");
    let (st, v) = api.ro(Method::GET, "/extensions/4712", None).await;
    assert_eq!(
        (st, detail(&v).as_str()),
        (StatusCode::NOT_FOUND, "Extension not found")
    );
    // The number is free again.
    create(&api, "4712", "Bob again", "handset").await;
}

#[tokio::test]
async fn api_extensions_unknown_numbers_are_404() {
    let api = Api::start().await;
    for (m, path, body) in [
        (Method::GET, "/extensions/9999", None),
        (Method::GET, "/extensions/12ab", None),
        (
            Method::PATCH,
            "/extensions/9999",
            Some(json!({"name": "X"})),
        ),
        (Method::DELETE, "/extensions/9999", None),
        (Method::POST, "/extensions/9999/unbind", None),
        (Method::POST, "/extensions/9999/token", None),
        (Method::POST, "/extensions/9999/password", None),
        (Method::POST, "/extensions/12ab/unbind", None),
        (Method::POST, "/extensions/1234567890123456/token", None),
    ] {
        let (s, v) = api.rw(m.clone(), path, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path}: {v}");
        assert_eq!(detail(&v), "Extension not found");
    }
}

#[tokio::test]
async fn api_extensions_token_unbind_and_password() {
    let api = Api::start().await;
    let created = create(&api, "4711", "Alice", "handset").await;
    create(&api, "4712", "Bob", "sip").await;

    let (s, v) = api.rw(Method::POST, "/extensions/4711/token", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["number"], "4711");
    assert_ne!(v["token"], created["token"]);
    assert_eq!(v["token"].as_str().unwrap().len(), 10);

    // Unbinding an unbound extension is a conflict and changes nothing.
    let before = api.snapshot().await;
    let (s, v) = api.rw(Method::POST, "/extensions/4711/unbind", None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(detail(&v).contains("no handset bound"), "{v}");
    // A SIP extension has no token and nothing to unbind; a handset one has no password.
    let (s, v) = api.rw(Method::POST, "/extensions/4712/token", None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(detail(&v).contains("SIP extension"), "{v}");
    let (s, v) = api.rw(Method::POST, "/extensions/4712/unbind", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = api
        .rw(Method::POST, "/extensions/4711/password", None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(detail(&v).contains("handset extension"), "{v}");
    assert_eq!(api.snapshot().await, before);

    let user = bind(&api, "4711").await;
    let (_, e) = api.ro(Method::GET, "/extensions/4711", None).await;
    assert_eq!(
        (e["bound"].as_bool(), e["sip_username"].as_str()),
        (Some(true), Some(user.as_str()))
    );
    let (s, v) = api.rw(Method::POST, "/extensions/4711/token", None).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a bound extension keeps its binding: {v}"
    );
    let (s, v) = api.rw(Method::POST, "/extensions/4711/unbind", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["handset_temporary_number"]
        .as_str()
        .unwrap()
        .starts_with("9956"));
    let (_, e) = api.rw(Method::GET, "/extensions/4711", None).await;
    assert_eq!(e["bound"], false);
    assert!(e["token"].is_string());
    let (_, h) = api
        .ro(Method::GET, &format!("/handsets/{user}"), None)
        .await;
    assert_eq!(h["temporary_number"], v["handset_temporary_number"]);

    let (_, old) = api.ro(Method::GET, "/extensions/4712", None).await;
    // Another read-write key did not create 4712: a new password is someone else's secret.
    let other = crate::api_support::key(
        &api.app,
        "other-service",
        eventpbx::db::api_keys::Scope::ReadWrite,
    )
    .await;
    let before = api.snapshot().await;
    let (s, v) = api
        .send(
            Method::POST,
            "/extensions/4712/password",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(detail(&v).contains("admin API key"), "{v}");
    assert_eq!(api.snapshot().await, before, "the refusal changed nothing");
    let (s, v) = api
        .admin(Method::POST, "/extensions/4712/password", None)
        .await;
    assert_eq!(s, StatusCode::OK, "an admin key may: {v}");
    let (s, v) = api
        .rw(Method::POST, "/extensions/4712/password", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["sip_username"], old["sip_username"]);
    let sip_user = v["sip_username"].as_str().unwrap().to_string();
    let stored: String = api
        .app
        .state
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT password FROM ps_auths WHERE id = ?1",
                [sip_user],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(v["sip_password"].as_str(), Some(stored.as_str()));
}

#[tokio::test]
async fn api_extensions_delete_bound_handset_keeps_the_handset() {
    let api = Api::start().await;
    create(&api, "4711", "Alice", "handset").await;
    let user = bind(&api, "4711").await;
    let (s, v) = api.rw(Method::DELETE, "/extensions/4711", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, h) = api
        .ro(Method::GET, &format!("/handsets/{user}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["temporary_number"].is_string(), "{h}");
    assert_eq!(h["extension"], Value::Null);
}

#[tokio::test]
async fn api_extensions_only_an_admin_key_sets_up_the_emergency_desk() {
    let api = Api::start().await;
    let body = json!({"number": "112", "name": "Emergency desk", "kind": "sip"});
    let (status, refused) = api
        .rw(Method::POST, "/extensions", Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, created) = api.admin(Method::POST, "/extensions", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "112");
    let (status, _) = api.admin(Method::GET, "/extensions/112", None).await;
    assert_eq!(status, StatusCode::OK);
}
