//! `GET /api/v1/openapi.json`: every route the API serves is documented, every documented
//! operation is served, and the document hangs together (security scheme, error answers,
//! schema references).

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::api_support::{method, Api, ROUTES};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every `$ref` string anywhere in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "$ref" {
                    out.push(x.as_str().unwrap_or_default().to_string());
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn api_openapi_documents_exactly_what_is_served() {
    let api = Api::start().await;
    // Served without a key: other services read it before they have one.
    let resp = reqwest::get(api.app.url("/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = resp.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                documented.insert((m.to_uppercase(), path.clone()));
                if path == "/openapi.json" {
                    continue;
                }
                let responses = op["responses"].as_object().unwrap();
                assert_eq!(
                    op["security"][0]["bearer"],
                    Value::Array(vec![]),
                    "{m} {path}"
                );
                assert!(responses.contains_key("401"), "{m} {path}");
                assert_eq!(responses.contains_key("403"), m != "get", "{m} {path}");
                assert!(
                    responses.keys().any(|s| s.starts_with('2')),
                    "{m} {path} has a success answer"
                );
                if op.get("requestBody").is_some() {
                    for s in ["400", "415", "422"] {
                        assert!(responses.contains_key(s), "{m} {path} documents {s}");
                    }
                }
                if path.contains('{') {
                    assert!(responses.contains_key("404"), "{m} {path} documents 404");
                }
            }
        }
    }
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .chain([("GET".to_string(), "/openapi.json".to_string())])
        .collect();
    assert_eq!(documented, served, "documented vs served");

    // Each documented operation is really routed: without a key it is refused by the auth
    // extractor (401), not by the router (404/405).
    for (m, _, path) in ROUTES {
        let (s, v) = api.send(method(m), path, None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path}: {v}");
    }

    // Every schema reference resolves.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
}

#[tokio::test]
async fn api_openapi_schemas_match_answers() {
    // The documented fields of a few answers are the fields the server sends.
    let api = Api::start().await;
    let doc: Value = reqwest::get(api.app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let props = |name: &str| -> BTreeSet<String> {
        doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has properties"))
            .keys()
            .cloned()
            .collect()
    };
    let keys = |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let (_, h) = api
        .rw(reqwest::Method::POST, "/handsets/temporary", None)
        .await;
    assert_eq!(keys(&h), props("TemporaryHandsetOut"));
    let (_, e) = api
        .rw(
            reqwest::Method::POST,
            "/extensions",
            Some(serde_json::json!({"number": "4711", "name": "A", "kind": "handset"})),
        )
        .await;
    assert!(keys(&e).is_subset(&props("CreatedExtensionOut")));
    let (_, e) = api.rw(reqwest::Method::GET, "/extensions/4711", None).await;
    assert_eq!(keys(&e), props("ExtensionOut"));
    let (_, p) = api.rw(reqwest::Method::GET, "/extensions", None).await;
    assert_eq!(keys(&p), props("ExtensionPage"));
    let (_, v) = api.rw(reqwest::Method::GET, "/extensions/9999", None).await;
    assert_eq!(keys(&v), props("ErrorBody"));
}
