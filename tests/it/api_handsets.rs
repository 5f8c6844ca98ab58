//! `/api/v1/handsets`: mint, list, get and delete temporary handsets.

use eventpbx::db::handsets;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api_support::{detail, Api};

#[tokio::test]
async fn api_handsets_mint_list_get_delete() {
    let api = Api::start().await;
    let mut minted = Vec::new();
    for _ in 0..3 {
        let (s, h) = api.rw(Method::POST, "/handsets/temporary", None).await;
        assert_eq!(s, StatusCode::CREATED, "{h}");
        let number = h["number"].as_str().unwrap();
        assert!(number.starts_with("9956") && number.len() == 8, "{h}");
        assert!(h["sip_password"].as_str().unwrap().len() >= 16);
        minted.push(h);
    }
    let user = minted[0]["sip_username"].as_str().unwrap().to_string();

    let (s, page) = api
        .ro(Method::GET, "/handsets/temporary?limit=2", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 3);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let (_, rest) = api
        .ro(Method::GET, "/handsets/temporary?limit=2&offset=2", None)
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(
        page["items"][0].get("sip_password").is_none(),
        "no secrets in lists"
    );

    let (s, got) = api
        .ro(Method::GET, &format!("/handsets/{user}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["temporary_number"], minted[0]["number"]);
    assert_eq!(got["extension"], Value::Null);
    assert_eq!(got["recent_failures"], 0);
    assert_eq!(got["locked_until"], Value::Null);
    assert!(got.get("sip_password").is_none(), "no secrets on GET");

    let (s, v) = api
        .rw(Method::DELETE, &format!("/handsets/{user}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, v) = api
        .ro(Method::GET, &format!("/handsets/{user}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(detail(&v), "Handset not found");
    let (s, v) = api
        .rw(Method::DELETE, &format!("/handsets/{user}"), None)
        .await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::NOT_FOUND, "Handset not found")
    );
    let (_, page) = api.ro(Method::GET, "/handsets/temporary", None).await;
    assert_eq!(page["total"], 2);
}

#[tokio::test]
async fn api_handsets_show_failures_and_lockout() {
    let api = Api::start().await;
    let (_, h) = api.rw(Method::POST, "/handsets/temporary", None).await;
    let user = h["sip_username"].as_str().unwrap().to_string();
    let u = user.clone();
    let now = eventpbx::db::now();
    api.app
        .state
        .db
        .write(move |tx| {
            for _ in 0..5 {
                handsets::bind(tx, &u, "0000000000", now)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (_, got) = api
        .ro(Method::GET, &format!("/handsets/{user}"), None)
        .await;
    assert_eq!(got["recent_failures"], 5, "{got}");
    assert!(got["locked_until"].as_i64().unwrap() > now);
}

#[tokio::test]
async fn api_handsets_bad_paging_and_full_range() {
    let api = Api::start().await;
    for q in ["limit=0", "limit=1001"] {
        let (s, v) = api
            .ro(Method::GET, &format!("/handsets/temporary?{q}"), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
        assert!(detail(&v).contains("limit"));
    }
    for q in ["limit=ten", "offset=-1"] {
        let (s, v) = api
            .ro(Method::GET, &format!("/handsets/temporary?{q}"), None)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert!(!detail(&v).is_empty());
    }
    // A temporary range of one number: the second handset finds none free.
    let app = crate::web_support::spawn_with(|s| {
        s.numbering.temporary_first = "99560000".into();
        s.numbering.temporary_last = "99560000".into();
    })
    .await;
    let rw = crate::api_support::key(&app, "k", eventpbx::db::api_keys::Scope::ReadWrite).await;
    let post = || {
        reqwest::Client::new()
            .post(app.url("/api/v1/handsets/temporary"))
            .bearer_auth(&rw)
            .json(&json!({}))
            .send()
    };
    assert_eq!(post().await.unwrap().status(), StatusCode::CREATED);
    let r = post().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let v: Value = r.json().await.unwrap();
    assert!(detail(&v).contains("temporary number"), "{v}");
}
