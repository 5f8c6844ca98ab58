//! The API app with its call engine connected to the fake ARI, so the live registry is the
//! real one, fed by scripted ARI events; plus builders for those events' JSON.

use std::time::{Duration, Instant};

use eventpbx::db::api_keys::Scope;
use eventpbx::db::{devices, numbers, pjsip};
use eventpbx::domain::{CONTEXT_EXTENSIONS, CONTEXT_TEMPORARY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api_support::{key, Api};
use crate::fake_ari::{FakeAri, Script};
use crate::web_support::spawn_with;

/// The API app plus the fake ARI its engine is connected to.
pub struct LiveApi {
    pub api: Api,
    pub fake: FakeAri,
}

impl LiveApi {
    /// Starts the fake ARI and the app against it, and waits until the engine is connected.
    pub async fn start() -> LiveApi {
        let fake = FakeAri::start().await;
        LiveApi::start_with(fake).await
    }

    /// Like [`LiveApi::start`] with a fake prepared by the caller (canned answers for the
    /// reload after connecting).
    pub async fn start_with(fake: FakeAri) -> LiveApi {
        LiveApi::start_configured(fake, |_| {}).await
    }

    /// Like [`LiveApi::start_with`], with settings changed by `change` first.
    pub async fn start_configured(
        fake: FakeAri,
        change: impl FnOnce(&mut eventpbx::config::Settings),
    ) -> LiveApi {
        let base = fake.base.clone();
        let app = spawn_with(move |s| {
            s.ari.url = base;
            s.ari.password = "fake-ari-secret".into();
            change(s);
        })
        .await;
        let rw = key(&app, "provisioning", Scope::ReadWrite).await;
        let read = key(&app, "dashboard", Scope::Read).await;
        let admin = key(&app, "root", Scope::Admin).await;
        let live = LiveApi {
            api: Api {
                app,
                rw,
                read,
                admin,
            },
            fake,
        };
        live.until("ARI connected", |_| async {
            let h: Value = reqwest::get(live.api.app.url("/healthz"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            h["ari"] == "connected"
        })
        .await;
        // After connecting, the engine subscribes and reloads channels and endpoints from ARI
        // (empty here), replacing what events had set. It holds the registry's updates from
        // before it asks for the listing until it has applied it, and replays them on top:
        // once the fake saw the reload's GET /channels, every event sent from now on is
        // applied after it.
        live.until("the engine's reload", |_| async {
            live.fake
                .requests()
                .iter()
                .filter(|r| r.method == "GET" && r.path == "/ari/channels")
                .count()
                >= 1
        })
        .await;
        // The engine follows every channel only while someone reads them, and for a while
        // after (a minute): one read now makes the events these tests send reach the live
        // registry. It answers once the engine subscribed and applied its listing.
        let (status, _) = live.api.ro(Method::GET, "/channels", None).await;
        assert_eq!(status, StatusCode::OK);
        live
    }

    /// Sends one ARI event over the websocket.
    pub fn event(&self, event: Value) {
        self.fake.script(Script::Send(event.to_string()));
    }

    /// Polls `check` until it holds (events are applied asynchronously); fails after 5 s.
    pub async fn until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut(()) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !check(()).await {
            assert!(Instant::now() < deadline, "never happened: {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// GETs `path` with the read key until `check` holds on the 200 answer; returns it.
    pub async fn get_until(&self, path: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (s, v) = self.api.ro(Method::GET, path, None).await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
            if check(&v) {
                return v;
            }
            assert!(Instant::now() < deadline, "{path} never matched: {v}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Creates a SIP device with `number` the way eventpbx does; returns its endpoint id.
pub async fn sip_device(api: &Api, number: &str, name: &str) -> String {
    device(api, number, name, false).await
}

/// A temporary handset at `number`; returns its endpoint id.
pub async fn temporary_device(api: &Api, number: &str) -> String {
    device(api, number, "Temporary", true).await
}

async fn device(api: &Api, number: &str, name: &str, temporary: bool) -> String {
    let settings = api.app.state.settings.clone();
    let (number, callerid) = (number.to_string(), pjsip::callerid(name, number));
    api.app
        .state
        .db
        .write(move |tx| {
            let (kind, context, number_kind) = if temporary {
                (
                    devices::DeviceKind::Handset,
                    CONTEXT_TEMPORARY,
                    numbers::NumberKind::Temporary,
                )
            } else {
                (
                    devices::DeviceKind::Sip,
                    CONTEXT_EXTENSIONS,
                    numbers::NumberKind::Extension,
                )
            };
            let c = devices::create(
                tx,
                kind,
                context,
                &callerid,
                &eventpbx::db::pjsip::EndpointDefaults::from_settings(&settings),
            )?;
            numbers::assign(tx, &number, &c.username, number_kind)?;
            Ok(c.username)
        })
        .await
        .unwrap()
}

/// A channel object as ARI sends it.
pub fn channel(id: &str, name: &str, state: &str, caller: &str, exten: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "state": state,
        "protocol_id": "",
        "caller": {"name": "Alice", "number": caller},
        "connected": {"name": "", "number": ""},
        "accountcode": "",
        "dialplan": {"context": "eventpbx-route", "exten": exten, "priority": 4,
                     "app_name": "Dial", "app_data": "PJSIP/x,60"},
        "creationtime": "2026-11-30T12:00:00.000+0000",
        "language": "en"
    })
}

/// `ChannelCreated` (or another channel event of `kind`) for `channel`.
pub fn channel_event(kind: &str, channel: Value) -> Value {
    json!({"type": kind, "timestamp": "2026-11-30T12:00:00.000+0000", "channel": channel,
           "asterisk_id": "02:fc:00:00:00:01", "application": "eventpbx"})
}

/// `ChannelDestroyed` for `channel`.
pub fn channel_destroyed(channel: Value) -> Value {
    json!({"type": "ChannelDestroyed", "timestamp": "2026-11-30T12:00:09.000+0000",
           "cause": 16, "cause_txt": "Normal Clearing", "channel": channel,
           "asterisk_id": "02:fc:00:00:00:01", "application": "eventpbx"})
}

/// `EndpointStateChange` of a PJSIP endpoint.
pub fn endpoint_state(resource: &str, state: &str, channel_ids: &[&str]) -> Value {
    json!({"type": "EndpointStateChange", "timestamp": "2026-11-30T12:00:00.000+0000",
           "endpoint": {"technology": "PJSIP", "resource": resource, "state": state,
                        "channel_ids": channel_ids},
           "asterisk_id": "02:fc:00:00:00:01", "application": "eventpbx"})
}

/// `ContactStatusChange` of one contact of a PJSIP endpoint.
pub fn contact_status(resource: &str, uri: &str, status: &str, rtt_usec: &str) -> Value {
    json!({"type": "ContactStatusChange", "timestamp": "2026-11-30T12:00:00.000+0000",
           "endpoint": {"technology": "PJSIP", "resource": resource, "state": "online",
                        "channel_ids": []},
           "contact_info": {"uri": uri, "contact_status": status, "aor": resource,
                            "roundtrip_usec": rtt_usec},
           "asterisk_id": "02:fc:00:00:00:01", "application": "eventpbx"})
}

/// Stores a registration the way Asterisk writes it into ps_contacts.
pub async fn register(api: &Api, endpoint: &str, uri: &str, user_agent: &str) {
    let (endpoint, uri, user_agent) = (
        endpoint.to_string(),
        uri.to_string(),
        user_agent.to_string(),
    );
    api.app
        .state
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO ps_contacts (id, uri, expiration_time, qualify_frequency,
                     user_agent, endpoint, qualify_timeout, via_port)
                 VALUES (?1 || ';@0123abcd', ?2, 1800000000, 60, ?3, ?1, 3.0, 0)",
                rusqlite::params![endpoint, uri, user_agent],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

/// The property names the OpenAPI document gives schema `name`.
pub async fn schema_props(api: &Api, name: &str) -> std::collections::BTreeSet<String> {
    let doc: Value = reqwest::get(api.app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["components"]["schemas"][name]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{name} has properties"))
        .keys()
        .cloned()
        .collect()
}

/// The keys of a JSON object.
pub fn keys(v: &Value) -> std::collections::BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}
