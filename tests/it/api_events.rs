//! `GET /api/v1/events`: Server-Sent Events of extension, handset and registration changes,
//! replayed from the outbox after `Last-Event-ID` / `?after=`, then live.

use std::time::Duration;

use eventpbx::app::{self, AppState};
use eventpbx::config::Settings;
use eventpbx::db::{self, extensions, handsets, outbox, DbError};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::api_support::{detail, Api};

/// How long a test waits for an event that should come.
const PATIENCE: Duration = Duration::from_secs(5);

/// One SSE event as received.
#[derive(Debug, Clone)]
struct Received {
    id: i64,
    event: String,
    /// The parsed `data:` line.
    data: Value,
}

/// A client reading an SSE response as it arrives.
struct Stream {
    resp: reqwest::Response,
    buf: String,
    ended: bool,
}

impl Stream {
    async fn open(api: &Api, query: &str, last_event_id: Option<&str>) -> Stream {
        let mut req = reqwest::Client::new()
            .get(api.app.url(&format!("/api/v1/events{query}")))
            .bearer_auth(&api.read);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Stream {
            resp,
            buf: String::new(),
            ended: false,
        }
    }

    /// The next event within `within`; None if the stream ended or nothing came.
    async fn next_within(&mut self, within: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if let Some(event) = parse_block(&block) {
                    return Some(event);
                }
            }
            if self.ended {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => return None,
                Ok(chunk) => match chunk.unwrap() {
                    Some(bytes) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                    None => self.ended = true,
                },
            }
        }
    }

    async fn next(&mut self) -> Received {
        self.next_within(PATIENCE)
            .await
            .expect("an event within the patience")
    }

    /// Everything until the stream ends (for `follow=false`).
    async fn rest(mut self) -> Vec<Received> {
        let mut out = Vec::new();
        while let Some(e) = self.next_within(PATIENCE).await {
            out.push(e);
        }
        assert!(self.ended, "a follow=false stream ends once caught up");
        out
    }
}

/// An event block, or None for comments (keep-alives).
fn parse_block(block: &str) -> Option<Received> {
    let (mut id, mut event, mut data) = (None, None, None);
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = Some(v.trim().parse::<i64>().unwrap());
        } else if let Some(v) = line.strip_prefix("event:") {
            event = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("data:") {
            data = Some(serde_json::from_str::<Value>(v.trim()).unwrap());
        }
    }
    let data = data?;
    let received = Received {
        id: id.expect("every event has an id"),
        event: event.expect("every event has a type"),
        data,
    };
    // The envelope repeats the SSE fields, for clients that only read data.
    assert_eq!(received.data["id"], received.id, "{received:?}");
    assert_eq!(
        received.data["type"],
        received.event.as_str(),
        "{received:?}"
    );
    Some(received)
}

fn types(events: &[Received]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

fn ids(events: &[Received]) -> Vec<i64> {
    events.iter().map(|e| e.id).collect()
}

async fn head(api: &Api) -> i64 {
    api.app.state.db.read(outbox::head).await.unwrap()
}

async fn create(api: &Api, number: &str, kind: &str) -> Value {
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": number, "name": "Alice", "kind": kind})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

#[tokio::test]
async fn api_events_need_a_key() {
    let api = Api::start().await;
    for key in [None, Some("epbx_0000")] {
        let (s, v) = api
            .send(Method::GET, "/events?follow=false", key, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{key:?}: {v}");
        assert!(detail(&v).contains("API key"), "{v}");
    }
    // A read key is enough.
    let stream = Stream::open(&api, "?follow=false", None).await;
    let events = stream.rest().await;
    assert_eq!(types(&events), ["reset"]);
}

#[tokio::test]
async fn api_events_extension_changes_arrive_live_in_order() {
    let api = Api::start().await;
    let mut stream = Stream::open(&api, "", None).await;
    // No position given: a reset at the newest event, so the client knows to take a copy.
    let reset = stream.next().await;
    assert_eq!(reset.event, "reset");
    assert_eq!(reset.data["data"], json!({"reason": "start"}));
    assert_eq!(reset.id, head(&api).await);

    create(&api, "4711", "sip").await;
    let (s, _) = api
        .rw(
            Method::PATCH,
            "/extensions/4711",
            Some(json!({"name": "Bob", "public": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api.rw(Method::DELETE, "/extensions/4711", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let got = vec![
        stream.next().await,
        stream.next().await,
        stream.next().await,
    ];
    assert_eq!(
        types(&got),
        [
            "extension.created",
            "extension.updated",
            "extension.deleted"
        ]
    );
    assert!(got[0].id > reset.id);
    assert!(got.windows(2).all(|w| w[0].id < w[1].id), "{:?}", ids(&got));
    for e in &got {
        assert_eq!(e.data["subject"], "4711");
    }
    let created = &got[0].data["data"];
    assert_eq!(created["number"], "4711");
    assert_eq!(created["name"], "Alice");
    assert_eq!(created["kind"], "sip");
    assert_eq!(created["public"], true);
    assert_eq!(created["bound"], false);
    assert!(created.get("sip_password").is_none() && created.get("token").is_none());
    assert_eq!(got[1].data["data"]["name"], "Bob");
    assert_eq!(got[1].data["data"]["public"], false);
    assert_eq!(got[2].data["data"]["number"], "4711");
}

#[tokio::test]
async fn api_events_bind_and_unbind_are_handset_events() {
    let api = Api::start().await;
    let token = create(&api, "4711", "handset").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let before = head(&api).await;
    let plan = handsets::TemporaryPlan::from_settings(&api.app.state.settings);
    let h = api
        .app
        .state
        .db
        .write(move |tx| handsets::create_temporary(tx, &plan))
        .await
        .unwrap();
    let id = h.credentials.username.clone();
    let (i, t) = (id.clone(), token.clone());
    let outcome = api
        .app
        .state
        .db
        .write(move |tx| handsets::bind(tx, &i, &t, db::now()))
        .await
        .unwrap();
    assert!(matches!(outcome, handsets::BindOutcome::Bound { .. }));
    let plan = handsets::TemporaryPlan::from_settings(&api.app.state.settings);
    api.app
        .state
        .db
        .write(move |tx| handsets::unbind(tx, "4711", &plan, 10))
        .await
        .unwrap();

    let events = Stream::open(&api, &format!("?after={before}&follow=false"), None)
        .await
        .rest()
        .await;
    assert_eq!(types(&events), ["handset.bound", "handset.unbound"]);
    for e in &events {
        assert_eq!(
            e.data["data"],
            json!({"number": "4711", "name": "Alice", "sip_username": id})
        );
    }
    let text = format!("{events:?}");
    assert!(!text.contains(&token) && !text.contains(&h.credentials.password));
}

#[tokio::test]
async fn api_events_reconnect_gets_exactly_what_it_missed_then_live() {
    let api = Api::start().await;
    for n in ["4711", "4712", "4713"] {
        create(&api, n, "handset").await;
    }
    let all = Stream::open(&api, "?after=0&follow=false", None)
        .await
        .rest()
        .await;
    assert_eq!(all.len(), 3);
    let first = all[0].id;

    // Last-Event-ID, as an EventSource sends it when reconnecting.
    let missed = Stream::open(&api, "?follow=false", Some(&first.to_string()))
        .await
        .rest()
        .await;
    assert_eq!(ids(&missed), ids(&all[1..]));
    let subjects: Vec<&Value> = missed.iter().map(|e| &e.data["subject"]).collect();
    assert_eq!(subjects, [&json!("4712"), &json!("4713")]);
    // ?after= does the same, and the header wins over it (the URL is the first connection's).
    let by_query = Stream::open(&api, &format!("?after={first}&follow=false"), None)
        .await
        .rest()
        .await;
    assert_eq!(ids(&by_query), ids(&missed));
    let header_wins = Stream::open(&api, "?after=0&follow=false", Some(&all[1].id.to_string()))
        .await
        .rest()
        .await;
    assert_eq!(ids(&header_wins), ids(&all[2..]));

    // Following: the missed ones, then a live one, with no reset in between.
    let mut stream = Stream::open(&api, "", Some(&first.to_string())).await;
    assert_eq!(stream.next().await.id, all[1].id);
    assert_eq!(stream.next().await.id, all[2].id);
    create(&api, "4714", "sip").await;
    let live = stream.next().await;
    assert_eq!(live.event, "extension.created");
    assert_eq!(live.data["subject"], "4714");
    assert!(live.id > all[2].id);
}

#[tokio::test]
async fn api_events_rolled_back_or_refused_writes_yield_nothing() {
    let api = Api::start().await;
    create(&api, "4711", "handset").await;
    let before = head(&api).await;
    // A claim the rules refuse (taken number) is answered with an error and no event.
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": "4711", "name": "B", "kind": "sip"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A transaction that changes extensions and then fails.
    let settings = api.app.state.settings.clone();
    let result: Result<(), DbError> = api
        .app
        .state
        .db
        .write(move |tx| {
            let new = extensions::NewExtension {
                owner_id: None,
                number: "4712".into(),
                name: "C".into(),
                kind: extensions::ExtensionKind::Sip,
                public: true,
                authority: eventpbx::domain::numbering::Authority::Attendee,
            };
            extensions::create(tx, &settings, &new).unwrap();
            extensions::update(tx, "4711", "Renamed", false)?;
            Err(DbError::Refused(eventpbx::db::Refusal::ChangedMeanwhile(
                "4711".into(),
            )))
        })
        .await;
    assert!(result.is_err());
    assert_eq!(head(&api).await, before);
    let events = Stream::open(&api, &format!("?after={before}&follow=false"), None)
        .await
        .rest()
        .await;
    assert!(events.is_empty(), "{events:?}");
    // A write that commits afterwards gets the next id: nothing is missing in between.
    create(&api, "4713", "handset").await;
    let events = Stream::open(&api, &format!("?after={before}&follow=false"), None)
        .await
        .rest()
        .await;
    assert_eq!(ids(&events), [before + 1]);
}

#[tokio::test]
async fn api_events_pruned_unknown_and_bad_positions() {
    let api = Api::start().await;
    for n in ["4711", "4712"] {
        create(&api, n, "handset").await;
    }
    let newest = head(&api).await;
    // A day and a second later, the daemon's pruning removes both.
    let a_day_later = db::now() + outbox::RETENTION_SECS + 1;
    let pruned = api
        .app
        .state
        .db
        .write(move |tx| outbox::prune(tx, a_day_later - outbox::RETENTION_SECS))
        .await
        .unwrap();
    assert_eq!(pruned, 2);

    // A client that had seen only the first one missed a pruned event: reset, at the newest.
    let events = Stream::open(&api, "?follow=false", Some(&(newest - 1).to_string()))
        .await
        .rest()
        .await;
    assert_eq!(types(&events), ["reset"]);
    assert_eq!(events[0].id, newest);
    assert_eq!(events[0].data["data"]["reason"], "expired");
    // One that had seen both is up to date: nothing.
    let events = Stream::open(&api, &format!("?after={newest}&follow=false"), None)
        .await
        .rest()
        .await;
    assert!(events.is_empty(), "{events:?}");
    // A position this server never gave (another or a restored database).
    let events = Stream::open(&api, &format!("?after={}&follow=false", newest + 100), None)
        .await
        .rest()
        .await;
    assert_eq!(types(&events), ["reset"]);
    assert_eq!(events[0].data["data"]["reason"], "unknown");
    assert_eq!(events[0].id, newest);

    for (query, header) in [
        ("?after=-1", None),
        ("?after=x", None),
        ("?follow=maybe", None),
        ("", Some("abc")),
    ] {
        let mut req = reqwest::Client::new()
            .get(api.app.url(&format!("/api/v1/events{query}")))
            .bearer_auth(&api.read);
        if let Some(h) = header {
            req = req.header("Last-Event-ID", h);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query} {header:?}");
        let v: Value = resp.json().await.unwrap();
        assert!(!detail(&v).is_empty());
    }
    let (s, v) = api
        .ro(Method::GET, "/events?after=9223372036854775808", None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn api_events_write_by_another_process_reaches_a_connected_stream() {
    let api = Api::start().await;
    let mut stream = Stream::open(&api, "", None).await;
    assert_eq!(stream.next().await.event, "reset");
    // As the CLI does: its own connection, its own transaction, no way to wake the daemon.
    let path = api.app.state.db.path().to_path_buf();
    let settings = api.app.state.settings.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db::open(&path, Duration::from_secs(5)).unwrap();
        let new = extensions::NewExtension {
            owner_id: None,
            number: "4711".into(),
            name: "From the CLI".into(),
            kind: extensions::ExtensionKind::Handset,
            public: true,
            authority: eventpbx::domain::numbering::Authority::Attendee,
        };
        db::write_in_as(&mut conn, |tx| extensions::create(tx, &settings, &new)).unwrap();
    })
    .await
    .unwrap();
    let e = stream.next().await;
    assert_eq!(e.event, "extension.created");
    assert_eq!(e.data["data"]["name"], "From the CLI");
}

#[tokio::test]
async fn api_events_streams_end_when_the_daemon_stops() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.data.dir = dir.path().join("data");
    let state = AppState::open(settings).unwrap();
    let key = state
        .db
        .write(|tx| db::api_keys::create(tx, "dash", db::api_keys::Scope::Read))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let server = tokio::spawn(app::run(state, listener, token.clone()));
    let resp = reqwest::Client::new()
        .get(format!("http://{addr}/api/v1/events"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    token.cancel();
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("graceful shutdown does not wait for event streams")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn api_events_are_documented_as_an_event_stream() {
    let api = Api::start().await;
    let doc: Value = reqwest::get(api.app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = &doc["paths"]["/events"]["get"];
    let content = &op["responses"]["200"]["content"];
    assert_eq!(
        content["text/event-stream"]["schema"]["$ref"], "#/components/schemas/StreamEvent",
        "{op}"
    );
    let params: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in ["after", "follow", "Last-Event-ID"] {
        assert!(params.contains(&p), "{params:?}");
    }
    for schema in [
        "ExtensionEventData",
        "HandsetEventData",
        "RegistrationEventData",
        "ResetEventData",
        "AlarmEventData",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
}

/// Asterisk's two events for one transition, in the order Asterisk 22 sends them (captured in
/// tests/fixtures/ari/recorded_session.jsonl).
fn transition(endpoint: &str, state: &str, contact_status: &str, uri: &str) -> [String; 2] {
    let ep =
        json!({"technology": "PJSIP", "resource": endpoint, "state": state, "channel_ids": []});
    [
        json!({"type": "EndpointStateChange", "timestamp": "2026-11-22T12:03:05.699+0000",
               "endpoint": ep, "application": "eventpbx"})
        .to_string(),
        json!({"type": "ContactStatusChange", "timestamp": "2026-11-22T12:03:05.699+0000",
               "endpoint": ep, "application": "eventpbx",
               "contact_info": {"uri": uri, "contact_status": contact_status, "aor": endpoint,
                                "roundtrip_usec": "0"}})
        .to_string(),
    ]
}

#[tokio::test]
async fn api_events_registration_changes_from_ari_reach_the_stream() {
    use crate::fake_ari::{FakeAri, Script};
    use crate::web_support::spawn_with;

    let fake = FakeAri::start().await;
    let base = fake.base.clone();
    let app = spawn_with(move |s| {
        s.ari.url = base;
        s.ari.password = "fake-ari-secret".into();
    })
    .await;
    let read = crate::api_support::key(&app, "dash", db::api_keys::Scope::Read).await;
    let rw = crate::api_support::key(&app, "prov", db::api_keys::Scope::ReadWrite).await;
    let admin = crate::api_support::key(&app, "root", db::api_keys::Scope::Admin).await;
    let api = Api {
        app,
        rw,
        read,
        admin,
    };
    let plan = handsets::TemporaryPlan::from_settings(&api.app.state.settings);
    let h = api
        .app
        .state
        .db
        .write(move |tx| handsets::create_temporary(tx, &plan))
        .await
        .unwrap();
    let id = h.credentials.username.clone();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while fake.connections() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the engine connects"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut stream = Stream::open(&api, "", None).await;
    assert_eq!(stream.next().await.event, "reset");

    let uri = format!("sip:{id}@192.0.2.7:5060");
    for frame in transition(&id, "online", "Reachable", &uri) {
        fake.script(Script::Send(frame));
    }
    let online = stream.next().await;
    assert_eq!(online.event, "registration");
    assert_eq!(online.data["subject"], id.as_str());
    assert_eq!(
        online.data["data"],
        json!({"endpoint": id, "number": h.number, "temporary": true, "status": "online",
               "contact_status": "Reachable", "uri": uri})
    );
    // The same state again (a channel count change, a repeated contact status): no event.
    for frame in transition(&id, "online", "Reachable", &uri) {
        fake.script(Script::Send(frame));
    }
    for frame in transition(&id, "offline", "Unreachable", &uri) {
        fake.script(Script::Send(frame));
    }
    let offline = stream.next().await;
    assert_eq!(offline.event, "registration");
    assert_eq!(offline.data["data"]["status"], "offline");
    assert_eq!(offline.data["data"]["contact_status"], "Unreachable");
    assert_eq!(offline.id, online.id + 1, "nothing in between");
}
