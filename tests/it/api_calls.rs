//! `POST /calls/originate`: what eventpbx asks of ARI (ring `from`, then the dialplan at `to`
//! in `from`'s own context), and every refusal before Asterisk is bothered.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api_support::{detail, Api};
use crate::live_support::{
    endpoint_state, keys, schema_props, sip_device, temporary_device, LiveApi,
};

const ORIGINATE: &str = "/calls/originate";

/// ARI's answer to an originate: the new channel (the fake does not look at the request).
fn originated() -> String {
    json!({"id": "ignored", "name": "PJSIP/x-00000001", "state": "Down",
           "caller": {"name": "", "number": ""}, "connected": {"name": "", "number": ""},
           "dialplan": {"context": "eventpbx-extensions", "exten": "4712", "priority": 1,
                        "app_name": "", "app_data": ""},
           "creationtime": "2026-11-30T12:00:00.000+0000", "language": "en"})
    .to_string()
}

fn originates(live: &LiveApi) -> Vec<crate::fake_ari::Seen> {
    live.fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/ari/channels")
        .collect()
}

async fn call(live: &LiveApi, body: Value) -> (StatusCode, Value) {
    live.api.rw(Method::POST, ORIGINATE, Some(body)).await
}

#[tokio::test]
async fn api_originate_rings_from_then_runs_the_dialplan_at_to() {
    let live = LiveApi::start().await;
    let alice = sip_device(&live.api, "4711", "Alice").await;
    sip_device(&live.api, "4712", "Bob").await;
    live.event(endpoint_state(&alice, "online", &[]));
    live.get_until("/endpoints/4711", |d| d["status"] == "online")
        .await;
    live.fake
        .answer("POST", "/ari/channels", 200, &originated());

    let (s, v) = call(&live, json!({"from": "4711", "to": "4712"})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let sent = originates(&live);
    assert_eq!(sent.len(), 1);
    let o = &sent[0];
    assert_eq!(o.param("endpoint"), Some(format!("PJSIP/{alice}").as_str()));
    assert_eq!(o.param("extension"), Some("4712"));
    assert_eq!(o.param("context"), Some("eventpbx-extensions"));
    assert_eq!(o.param("priority"), Some("1"));
    assert_eq!(o.param("callerId"), Some("\"Alice\" <4711>"));
    assert_eq!(o.param("app"), None, "into the dialplan, not into Stasis");
    // Our own channel id, so the client can hang it up at once.
    assert_eq!(v["channel_id"].as_str(), o.param("channelId"));
    assert!(v["channel_id"].as_str().unwrap().starts_with("epbx-orig-"));
    assert_eq!(v["from_endpoint"], alice.as_str());
    assert_eq!(keys(&v), schema_props(&live.api, "OriginatedOut").await);

    // Service codes, emergency and help-desk numbers are not in the numbers table but dial.
    for to in ["9951", "112", "1000"] {
        let (s, v) = call(&live, json!({"from": "4711", "to": to})).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{to}: {v}");
    }
    assert_eq!(originates(&live).len(), 4);

    // Asterisk refusing is a bad gateway, with its reason.
    live.fake.answer(
        "POST",
        "/ari/channels",
        500,
        r#"{"message":"Allocation failed"}"#,
    );
    let (s, v) = call(&live, json!({"from": "4711", "to": "4712"})).await;
    assert_eq!(s, StatusCode::BAD_GATEWAY, "{v}");
    assert!(detail(&v).contains("Asterisk"), "{v}");
}

#[tokio::test]
async fn api_originate_refuses_what_cannot_ring() {
    let live = LiveApi::start().await;
    let api = &live.api;
    let alice = sip_device(api, "4711", "Alice").await;
    sip_device(api, "4712", "Bob").await;
    let temp = temporary_device(api, "99560001").await;
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": "4800", "name": "Loaner", "kind": "handset"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    live.fake
        .answer("POST", "/ari/channels", 200, &originated());

    // Bob's phone is not registered.
    let (s, v) = call(&live, json!({"from": "4712", "to": "4711"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(detail(&v).contains("not registered"), "{v}");

    live.event(endpoint_state(&alice, "online", &[]));
    live.event(endpoint_state(&temp, "online", &[]));
    live.get_until("/endpoints/99560001", |d| d["status"] == "online")
        .await;
    let cases: &[(Value, StatusCode, &str)] = &[
        (
            json!({"from": "4799", "to": "4712"}),
            StatusCode::NOT_FOUND,
            "Extension not found: 4799",
        ),
        (
            json!({"from": "4711", "to": "4799"}),
            StatusCode::NOT_FOUND,
            "Extension not found: 4799",
        ),
        (
            json!({"from": "4800", "to": "4711"}),
            StatusCode::CONFLICT,
            "Extension 4800 has no handset bound",
        ),
        (
            json!({"from": "4711", "to": "4800"}),
            StatusCode::CONFLICT,
            "Extension 4800 has no handset bound",
        ),
        (
            json!({"from": "99560001", "to": "4711"}),
            StatusCode::CONFLICT,
            "temporary handset",
        ),
        (
            json!({"from": "4711", "to": "4711"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "same number",
        ),
        (
            json!({"from": "47a1", "to": "4712"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "from must be a number",
        ),
        (
            json!({"from": "4711", "to": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to must be a number",
        ),
        (
            json!({"from": "4711"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to",
        ),
        (
            json!({"from": "4711", "to": "4712", "via": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "via",
        ),
        (
            json!({"from": 4711, "to": "4712"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
    ];
    for (body, status, words) in cases {
        let (s, v) = call(&live, body.clone()).await;
        assert_eq!(s, *status, "{body}: {v}");
        assert!(detail(&v).contains(words), "{body}: {v}");
    }
    let (s, v) = api
        .raw(
            Method::POST,
            ORIGINATE,
            Some("application/json"),
            "{\"from\": ",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api
        .raw(Method::POST, ORIGINATE, Some("text/plain"), "from=4711")
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    assert!(originates(&live).is_empty(), "nothing reached Asterisk");

    // A temporary handset may call a service code.
    let (s, v) = call(&live, json!({"from": "99560001", "to": "9951"})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(
        originates(&live)[0].param("context"),
        Some("eventpbx-temporary"),
        "its own restricted context"
    );
}

#[tokio::test]
async fn api_originate_needs_a_read_write_key_and_asterisk() {
    // No ARI configured.
    let api = Api::start().await;
    sip_device(&api, "4711", "Alice").await;
    sip_device(&api, "4712", "Bob").await;
    let body = json!({"from": "4711", "to": "4712"});
    for key in [None, Some("epbx_wrong")] {
        let (s, v) = api
            .send(Method::POST, ORIGINATE, key, Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    let (s, v) = api.ro(Method::POST, ORIGINATE, Some(body.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = api.rw(Method::POST, ORIGINATE, Some(body)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(detail(&v), "Asterisk is not connected");
}
