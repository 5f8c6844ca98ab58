//! Helpers for the JSON API tests: an app with a read and a read-write key, and requests that
//! answer (status, JSON).

use eventpbx::db::api_keys::{self, Scope};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::web_support::{spawn, TestApp};

/// Every route the API serves: method, path as in the OpenAPI document, and a concrete path
/// (numbers and names that do not exist). The auth and OpenAPI tests walk this list.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/handsets/temporary", "/handsets/temporary"),
    ("POST", "/handsets/temporary", "/handsets/temporary"),
    ("GET", "/handsets/{sip_username}", "/handsets/hnobody0000"),
    (
        "DELETE",
        "/handsets/{sip_username}",
        "/handsets/hnobody0000",
    ),
    ("GET", "/extensions", "/extensions"),
    ("POST", "/extensions", "/extensions"),
    ("GET", "/extensions/{number}", "/extensions/4711"),
    ("PATCH", "/extensions/{number}", "/extensions/4711"),
    ("DELETE", "/extensions/{number}", "/extensions/4711"),
    (
        "POST",
        "/extensions/{number}/unbind",
        "/extensions/4711/unbind",
    ),
    (
        "POST",
        "/extensions/{number}/token",
        "/extensions/4711/token",
    ),
    (
        "POST",
        "/extensions/{number}/password",
        "/extensions/4711/password",
    ),
    (
        "GET",
        "/extensions/{number}/browser-phone",
        "/extensions/4711/browser-phone",
    ),
    (
        "PUT",
        "/extensions/{number}/browser-phone",
        "/extensions/4711/browser-phone",
    ),
    (
        "DELETE",
        "/extensions/{number}/browser-phone",
        "/extensions/4711/browser-phone",
    ),
    ("GET", "/users", "/users"),
    ("POST", "/users", "/users"),
    ("GET", "/users/{username}", "/users/nobody"),
    ("POST", "/users/{username}/disable", "/users/nobody/disable"),
    ("POST", "/users/{username}/enable", "/users/nobody/enable"),
    // follow=false: the stream ends once caught up, so walking the routes does not hang.
    ("GET", "/events", "/events?follow=false"),
    ("GET", "/endpoints", "/endpoints"),
    ("GET", "/endpoints/{id}", "/endpoints/4799"),
    ("GET", "/endpoints/{id}/config", "/endpoints/4799/config"),
    ("GET", "/channels", "/channels"),
    ("DELETE", "/channels/{id}", "/channels/1764500000.1"),
    ("POST", "/calls/originate", "/calls/originate"),
    ("GET", "/calls/history", "/calls/history"),
    (
        "PUT",
        "/extensions/{number}/members",
        "/extensions/4711/members",
    ),
    (
        "POST",
        "/extensions/{number}/invitations",
        "/extensions/4711/invitations",
    ),
    (
        "POST",
        "/extensions/{number}/invitations/{member}/accept",
        "/extensions/4711/invitations/2001/accept",
    ),
    (
        "POST",
        "/extensions/{number}/invitations/{member}/decline",
        "/extensions/4711/invitations/2001/decline",
    ),
    ("GET", "/numbers/{number}/route", "/numbers/4711/route"),
    ("GET", "/conferences/{number}", "/conferences/4711"),
    (
        "POST",
        "/conferences/{number}/participants/{id}/mute",
        "/conferences/4711/participants/1764500000.1/mute",
    ),
    (
        "POST",
        "/conferences/{number}/participants/{id}/unmute",
        "/conferences/4711/participants/1764500000.1/unmute",
    ),
    (
        "DELETE",
        "/conferences/{number}/participants/{id}",
        "/conferences/4711/participants/1764500000.1",
    ),
];

/// The app plus one key of each scope.
pub struct Api {
    pub app: TestApp,
    pub rw: String,
    pub read: String,
    pub admin: String,
}

pub async fn key(app: &TestApp, name: &str, scope: Scope) -> String {
    let name = name.to_string();
    app.state
        .db
        .write(move |tx| api_keys::create(tx, &name, scope))
        .await
        .unwrap()
}

impl Api {
    pub async fn start() -> Api {
        let app = spawn().await;
        let rw = key(&app, "provisioning", Scope::ReadWrite).await;
        let read = key(&app, "dashboard", Scope::Read).await;
        let admin = key(&app, "root", Scope::Admin).await;
        Api {
            app,
            rw,
            read,
            admin,
        }
    }

    /// A request with the admin key.
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.send(method, path, Some(&self.admin), body).await
    }

    /// A request with the read-write key.
    pub async fn rw(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.send(method, path, Some(&self.rw), body).await
    }

    /// A request with the read key.
    pub async fn ro(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.send(method, path, Some(&self.read), body).await
    }

    /// `path` is below /api/v1.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (s, _, v) = self.send_full(method, path, key, body).await;
        (s, v)
    }

    pub async fn send_full(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req =
            reqwest::Client::new().request(method, self.app.url(&format!("/api/v1{path}")));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let sse = headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let value = if text.is_empty() {
            Value::Null
        } else if sse {
            Value::String(text)
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
        };
        (status, headers, value)
    }

    /// A body sent as is, with the given content type (None: no header).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: &'static str,
    ) -> (StatusCode, Value) {
        let mut req = reqwest::Client::new()
            .request(method, self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.rw)
            .body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        (status, value)
    }

    /// A string column of every row of a table, sorted: to see that a refusal changed nothing.
    pub async fn snapshot(&self) -> Vec<String> {
        self.app
            .state
            .db
            .read(|c| {
                let mut out = Vec::new();
                for q in [
                    "SELECT number || '|' || name || '|' || public || '|' || coalesce(device_id,'') || '|' || coalesce(token,'') FROM extensions ORDER BY 1",
                    "SELECT number || '>' || endpoint FROM numbers ORDER BY 1",
                    "SELECT id || '|' || context || '|' || callerid FROM ps_endpoints ORDER BY 1",
                    "SELECT id || '|' || password FROM ps_auths ORDER BY 1",
                    "SELECT username || '|' || disabled FROM users ORDER BY 1",
                    "SELECT id FROM devices ORDER BY 1",
                ] {
                    let mut stmt = c.prepare(q)?;
                    let rows: Vec<String> = stmt
                        .query_map([], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    out.push(rows.join(","));
                }
                Ok(out)
            })
            .await
            .unwrap()
    }
}

/// The `detail` of an error body; fails if there is none.
pub fn detail(v: &Value) -> String {
    v["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no detail in {v}"))
        .to_string()
}

/// A method name from [`ROUTES`].
pub fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}
