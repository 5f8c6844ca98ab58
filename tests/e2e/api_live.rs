//! The live part of the JSON API against the real Asterisk: `/endpoints` reflects a sipp
//! registration, `/channels` a sipp call, `DELETE /channels/{id}` hangs one up, and
//! `POST /calls/originate` rings a registered sipp phone and then runs the dialplan.

use std::time::{Duration, Instant};

use eventpbx::db::api_keys::{self, Scope};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{call, register_and_listen, End, Eventpbx, Sandbox, Step};

/// The running eventpbx's API with a read-write key.
struct Api {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Api {
    async fn new(app: &Eventpbx) -> Api {
        let name = format!("e2e-live-{}", std::process::id());
        let key = app
            .state
            .db
            .write(move |tx| {
                // Keys outlive a test in the shared database; the name must be free.
                tx.execute("DELETE FROM api_keys WHERE name = ?1", [&name])?;
                api_keys::create(tx, &name, Scope::ReadWrite)
            })
            .await
            .expect("API key");
        Api {
            base: format!("{}/api/v1", app.base),
            key,
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("API request");
        let status = resp.status();
        let text = resp.text().await.expect("API body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
        };
        (status, value)
    }

    /// GETs `path` until `check` holds on a 200 answer (or `secs` pass); returns that answer.
    async fn get_until(&self, path: &str, secs: u64, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (s, v) = self.send(Method::GET, path, None).await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
            if check(&v) {
                return v;
            }
            assert!(Instant::now() < deadline, "{path} never matched: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The channels of `/channels` whose endpoint is `endpoint`.
fn channels_of(page: &Value, endpoint: &str) -> Vec<Value> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|c| c["endpoint"] == endpoint)
        .cloned()
        .collect()
}

#[tokio::test]
async fn api_live_endpoints_and_channels_reflect_sipp_registration_and_call() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let api = Api::new(&app).await;
    let alice = sb.device("2801", "Alice Api").await;
    let bob = sb.device("2802", "Bob Api").await;

    // Before it registers, Alice's endpoint is listed offline.
    let page = api.get_until("/endpoints", 5, |_| true).await;
    assert_eq!(page["ari_connected"], true);
    let a = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == alice.username.as_str())
        .unwrap_or_else(|| panic!("alice listed: {page}"));
    assert_eq!(a["status"], "offline", "{a}");
    assert_eq!(a["numbers"], json!(["2801"]));

    // sipp registers as Alice and answers qualify: online, its contact with URI, user agent
    // and a measured round trip.
    let listener = register_and_listen(&sb.settings, &alice).await;
    let port = format!("127.0.0.1:{}", alice.port);
    let d = api
        .get_until("/endpoints/2801", 15, |d| {
            d["status"] == "online" && d["contacts"][0]["rtt_usec"].as_u64().is_some_and(|r| r > 0)
        })
        .await;
    assert_eq!(d["id"], alice.username.as_str());
    assert_eq!(d["device_state"], "not_inuse", "{d}");
    assert_eq!(
        d["numbers"],
        json!([{"number": "2801", "kind": "extension"}])
    );
    let contacts = d["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1, "{d}");
    let uri = contacts[0]["uri"].as_str().unwrap();
    assert!(uri.contains(&port), "contact {uri} is sipp's {port}");
    assert_eq!(contacts[0]["user_agent"], "eventpbx-e2e-sipp");
    assert_eq!(contacts[0]["status"], "Reachable");
    assert!(contacts[0]["expires_at"].as_i64().unwrap() > eventpbx::db::now());
    let page = api.get_until("/endpoints", 5, |_| true).await;
    let a = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == alice.username.as_str())
        .unwrap();
    assert_eq!(a["status"], "online", "{a}");
    let (s, v) = api.send(Method::GET, "/endpoints/2899", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["detail"], "Extension not found");

    // Bob calls the echo code: his channel shows, then goes when he hangs up.
    let caller = call(
        &sb.settings,
        &bob,
        &sb.settings.codes.echo,
        &[Step::Pause(4000)],
        End::CallerHangsUp,
    );
    let page = api
        .get_until("/channels", 10, |p| {
            channels_of(p, &bob.username)
                .iter()
                .any(|c| c["state"] == "Up")
        })
        .await;
    let ch = &channels_of(&page, &bob.username)[0];
    assert_eq!(ch["dialled"], sb.settings.codes.echo.as_str(), "{ch}");
    assert!(ch["name"]
        .as_str()
        .unwrap()
        .starts_with(&format!("PJSIP/{}-", bob.username)));
    let id = ch["id"].as_str().unwrap().to_string();
    caller.finish().await.assert_ok();
    api.get_until("/channels", 10, |p| {
        !p["items"].as_array().unwrap().iter().any(|c| c["id"] == id)
    })
    .await;

    listener.stop();
    app.stop().await;
}

#[tokio::test]
async fn api_live_delete_channel_hangs_up_a_sipp_call() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let api = Api::new(&app).await;
    let bob = sb.device("2803", "Bob Hangup").await;

    // The echo flow waits a minute for digits; sipp waits for Asterisk's BYE, and gives up
    // (failing) after 40 s. Only the API's hang-up can end it sooner.
    let caller = call(
        &sb.settings,
        &bob,
        &sb.settings.codes.echo,
        &[],
        End::AsteriskHangsUp,
    );
    let page = api
        .get_until("/channels", 10, |p| {
            channels_of(p, &bob.username)
                .iter()
                .any(|c| c["state"] == "Up")
        })
        .await;
    let id = channels_of(&page, &bob.username)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // sipp ACKs the 200 right after Asterisk reports the channel Up; a BYE before that would
    // be "unexpected" to it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hung_up_at = Instant::now();
    let (s, v) = api
        .send(Method::DELETE, &format!("/channels/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    caller.finish().await.assert_ok();
    assert!(
        hung_up_at.elapsed() < Duration::from_secs(10),
        "sipp got its BYE from the hang-up"
    );
    api.get_until("/channels", 10, |p| {
        !p["items"].as_array().unwrap().iter().any(|c| c["id"] == id)
    })
    .await;
    let (s, v) = api
        .send(Method::DELETE, &format!("/channels/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["detail"], "Channel not found");
    app.stop().await;
}

#[tokio::test]
async fn api_live_originate_rings_from_then_dials_to() {
    let sb = Sandbox::new().await;
    let app = sb.start_eventpbx().await;
    let api = Api::new(&app).await;
    let alice = sb.device("2804", "Alice Click").await;
    let listener = register_and_listen(&sb.settings, &alice).await;
    api.get_until("/endpoints/2804", 15, |d| d["status"] == "online")
        .await;

    // Alice's sipp answers the call; her channel then runs the dialplan at the echo code,
    // which hands it to eventpbx's echo flow.
    let echo = sb.settings.codes.echo.clone();
    let (s, v) = api
        .send(
            Method::POST,
            "/calls/originate",
            Some(json!({"from": "2804", "to": echo})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["channel_id"].as_str().unwrap().to_string();
    assert_eq!(v["from_endpoint"], alice.username.as_str());
    let deadline = Instant::now() + Duration::from_secs(10);
    let ch = loop {
        let ch = sb.ari_get(&format!("/channels/{id}")).await;
        if let Ok(ch) = &ch {
            if ch["state"] == "Up" && ch["dialplan"]["app_name"] == "Stasis" {
                break ch.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "never reached the echo flow: {ch:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ch["dialplan"]["exten"], echo.as_str(), "{ch}");
    assert_eq!(ch["dialplan"]["context"], "eventpbx-extensions", "{ch}");
    let page = api
        .get_until("/channels", 5, |p| {
            p["items"].as_array().unwrap().iter().any(|c| c["id"] == id)
        })
        .await;
    assert_eq!(channels_of(&page, &alice.username).len(), 1, "{page}");

    let (s, v) = api
        .send(Method::DELETE, &format!("/channels/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    // The listener passes only once it got the BYE for the call it answered.
    listener.finish().await.assert_ok();
    app.stop().await;
}
