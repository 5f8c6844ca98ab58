//! `/channels`: the live registry's channels (reloaded after connecting and kept by ARI
//! events from the fake ARI), and hanging one up through ARI.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api_support::{detail, Api};
use crate::fake_ari::FakeAri;
use crate::live_support::{
    channel, channel_destroyed, channel_event, keys, schema_props, sip_device, LiveApi,
};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn api_channels_list_the_live_registry_and_hang_up() {
    // A call that was up before eventpbx connected: the reload after connecting finds it.
    let fake = FakeAri::start().await;
    let mut early = channel("1764500000.1", "PJSIP/saaaa-00000001", "Up", "4711", "4712");
    early["creationtime"] = json!("2026-11-30T11:00:00.000+0000");
    fake.answer(
        "GET",
        "/ari/channels",
        200,
        &Value::Array(vec![early.clone()]).to_string(),
    );
    let live = LiveApi::start_with(fake).await;
    let api = &live.api;
    sip_device(api, "4711", "Alice").await;

    let page = live.get_until("/channels", |p| p["total"] == 1).await;
    assert_eq!(page["ari_connected"], true);
    let c = &page["items"][0];
    assert_eq!(c["id"], "1764500000.1");
    assert_eq!(c["name"], "PJSIP/saaaa-00000001");
    assert_eq!(c["state"], "Up");
    assert_eq!(c["caller"], json!({"name": "Alice", "number": "4711"}));
    assert_eq!(c["dialled"], "4712");
    assert_eq!(c["endpoint"], "saaaa");
    // 2026-11-30T11:00:00Z, from ARI's creationtime.
    assert_eq!(c["started_at"], 1_796_036_400);
    assert_eq!(keys(&page), schema_props(api, "ChannelPage").await);
    assert_eq!(keys(c), schema_props(api, "ChannelOut").await);

    // A new call appears from its events, after the older one.
    let ring = channel(
        "1764500000.2",
        "PJSIP/sbbbb-00000002",
        "Ring",
        "4712",
        "9951",
    );
    live.event(channel_event("ChannelCreated", ring.clone()));
    let page = live.get_until("/channels", |p| p["total"] == 2).await;
    assert_eq!(ids(&page), ["1764500000.1", "1764500000.2"], "oldest first");
    assert_eq!(page["items"][1]["state"], "Ring");
    let (_, p) = api
        .ro(Method::GET, "/channels?limit=1&offset=1", None)
        .await;
    assert_eq!(ids(&p), ["1764500000.2"]);
    assert_eq!(
        (p["total"].as_u64(), p["offset"].as_u64()),
        (Some(2), Some(1))
    );
    let (s, v) = api.ro(Method::GET, "/channels?limit=1001", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Hang-up goes to ARI with our reason; a read key may not.
    let (s, v) = api.ro(Method::DELETE, "/channels/1764500000.2", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let before = live.fake.requests().len();
    let (s, v) = api.rw(Method::DELETE, "/channels/1764500000.2", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let sent = live.fake.requests();
    let hangups: Vec<_> = sent[before..]
        .iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(hangups.len(), 1, "{sent:?}");
    assert_eq!(hangups[0].path, "/ari/channels/1764500000.2");
    assert_eq!(hangups[0].param("reason"), Some("normal"));
    // Asterisk then reports it destroyed, and it is gone from the list.
    live.event(channel_destroyed(ring));
    let page = live.get_until("/channels", |p| p["total"] == 1).await;
    assert_eq!(ids(&page), ["1764500000.1"]);

    // Unknown channels are 404 without bothering Asterisk.
    let before = live.fake.requests().len();
    let (s, v) = api.rw(Method::DELETE, "/channels/1764500000.2", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(detail(&v), "Channel not found");
    let (s, v) = api.rw(Method::DELETE, "/channels/nope", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(live.fake.requests().len(), before);

    // Asterisk refusing the hang-up is its failure, not ours.
    live.fake.channel_status(500);
    let (s, v) = api.rw(Method::DELETE, "/channels/1764500000.1", None).await;
    assert_eq!(s, StatusCode::BAD_GATEWAY, "{v}");
    assert!(detail(&v).contains("Asterisk"), "{v}");
}

#[tokio::test]
async fn api_channels_without_asterisk() {
    let api = Api::start().await;
    let (s, page) = api.ro(Method::GET, "/channels", None).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["ari_connected"], false);
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["total"], 0);
    let (s, headers, v) = api
        .send_full(
            Method::DELETE,
            "/channels/1764500000.1",
            Some(&api.rw),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(detail(&v), "Asterisk is not connected");
    assert!(headers.contains_key("retry-after"));
}

#[tokio::test]
async fn api_channels_need_a_key() {
    let api = Api::start().await;
    for (m, path) in [
        (Method::GET, "/channels"),
        (Method::DELETE, "/channels/1764500000.1"),
    ] {
        for key in [None, Some("epbx_wrong")] {
            let (s, v) = api.send(m.clone(), path, key, None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path}: {v}");
        }
    }
    let (s, v) = api.ro(Method::DELETE, "/channels/1764500000.1", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
}

#[tokio::test]
async fn api_channels_mask_a_dialled_registration_token() {
    let live = LiveApi::start().await;
    let mut ch = channel(
        "1764500000.9",
        "PJSIP/hsecret-00000009",
        "Up",
        "99561234",
        "99551234567890",
    );
    ch["dialplan"]["app_name"] = json!("Stasis");
    ch["dialplan"]["app_data"] = json!("eventpbx,register,hsecret,1234567890");
    live.event(json!({
        "type": "StasisStart",
        "args": ["register", "hsecret", "1234567890"],
        "channel": ch,
    }));
    let page = live.get_until("/channels", |p| p["total"] == 1).await;
    assert_eq!(page["items"][0]["dialled"], "9955••••••••••");
    assert!(!page.to_string().contains("1234567890"), "{page}");
}
