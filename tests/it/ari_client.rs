//! The ARI REST client against the fake ARI: every typed call goes out with basic auth to the
//! path, method and parameters of Asterisk 22's swagger description, decodes Asterisk's real
//! answers (taken from captured events), and maps each error status to its kind.

use base64::Engine;
use eventpbx::ari::client::Originate;
use eventpbx::ari::{AriClient, AriError};
use serde_json::Value;

use crate::fake_ari::{FakeAri, Seen};

/// A JSON object from a captured event fixture, e.g. the `channel` of StasisStart.
fn captured(event: &str, field: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/ari/{event}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v[field].to_string()
}

fn params(seen: &Seen) -> Vec<(&str, &str)> {
    seen.query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn client() -> (FakeAri, AriClient) {
    let fake = FakeAri::start().await;
    let client = AriClient::new(&fake.base, "eventpbx", "s3cr:t").unwrap();
    (fake, client)
}

#[tokio::test]
async fn ari_client_channel_calls_follow_the_swagger() {
    let (fake, c) = client().await;
    let channel = captured("StasisStart", "channel");
    let channel_id = serde_json::from_str::<Value>(&channel).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    fake.answer("GET", "/ari/channels", 200, &format!("[{channel}]"));
    let list = c.channels().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, channel_id);
    assert!(list[0].name.starts_with("PJSIP/"));
    let seen = fake.last_request();
    let basic = base64::engine::general_purpose::STANDARD.encode("eventpbx:s3cr:t");
    assert_eq!(seen.authorization, Some(format!("Basic {basic}")));

    // Ids are one path segment, whatever they hold.
    fake.answer("GET", "/ari/channels/a%20b%2Fc", 200, &channel);
    assert_eq!(c.channel("a b/c").await.unwrap().id, channel_id);

    c.answer("c1").await.unwrap();
    let seen = fake.last_request();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/ari/channels/c1/answer")
    );

    c.hangup("c1", "busy").await.unwrap();
    let seen = fake.last_request();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("DELETE", "/ari/channels/c1")
    );
    assert_eq!(params(&seen), [("reason", "busy")]);

    fake.answer(
        "POST",
        "/ari/channels/c1/play",
        201,
        &captured("PlaybackStarted", "playback"),
    );
    let media = ["sound:hello", "digits:123", "number:42"].map(String::from);
    let playback = c.play("c1", "pb-1", &media).await.unwrap();
    assert!(playback.target_uri.starts_with("channel:"));
    let seen = fake.last_request();
    // Several media go comma-joined in one parameter (repeated, Asterisk plays only the last).
    assert_eq!(
        params(&seen),
        [
            ("media", "sound:hello,digits:123,number:42"),
            ("playbackId", "pb-1")
        ]
    );
    let before = fake.requests().len();
    let err = c
        .play("c1", "pb-2", &["sound:a,b".to_string()])
        .await
        .unwrap_err();
    assert!(matches!(err, AriError::BadRequest(_)), "{err:?}");
    assert_eq!(fake.requests().len(), before, "refused before sending");

    fake.answer("DELETE", "/ari/playbacks/pb-1", 204, "");
    c.stop_playback("pb-1").await.unwrap();
    assert_eq!(fake.last_request().path, "/ari/playbacks/pb-1");
    // A playback that already finished: stopping it is not an error.
    fake.answer(
        "DELETE",
        "/ari/playbacks/pb-1",
        404,
        r#"{"message":"gone"}"#,
    );
    c.stop_playback("pb-1").await.unwrap();

    fake.answer(
        "GET",
        "/ari/channels/c1/variable",
        200,
        r#"{"value":"alice"}"#,
    );
    assert_eq!(c.get_var("c1", "CHANNEL(endpoint)").await.unwrap(), "alice");
    assert_eq!(
        params(&fake.last_request()),
        [("variable", "CHANNEL(endpoint)")]
    );
    fake.answer("POST", "/ari/channels/c1/variable", 204, "");
    c.set_var("c1", "FLOW", "echo").await.unwrap();
    assert_eq!(
        params(&fake.last_request()),
        [("variable", "FLOW"), ("value", "echo")]
    );

    fake.answer("POST", "/ari/channels", 200, &channel);
    let o = Originate {
        endpoint: "PJSIP/bob".into(),
        channel_id: "out-1".into(),
        app: "eventpbx".into(),
        app_args: vec!["call".into(), "x".into()],
        caller_id: Some("\"Desk\" <9950>".into()),
        timeout: 20,
    };
    c.originate(&o).await.unwrap();
    let seen = fake.last_request();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/ari/channels")
    );
    assert_eq!(seen.param("endpoint"), Some("PJSIP/bob"));
    assert_eq!(seen.param("channelId"), Some("out-1"));
    assert_eq!(seen.param("app"), Some("eventpbx"));
    assert_eq!(seen.param("appArgs"), Some("call,x"));
    assert_eq!(seen.param("timeout"), Some("20"));
    assert_eq!(seen.param("callerId"), Some("\"Desk\" <9950>"));

    fake.answer("POST", "/ari/channels/create", 200, &channel);
    c.create_channel("PJSIP/bob", "out-2", "eventpbx", "dialed")
        .await
        .unwrap();
    assert_eq!(
        params(&fake.last_request()),
        [
            ("endpoint", "PJSIP/bob"),
            ("channelId", "out-2"),
            ("app", "eventpbx"),
            ("appArgs", "dialed")
        ]
    );
    fake.answer("POST", "/ari/channels/out-2/dial", 204, "");
    c.dial("out-2", Some("c1"), 15).await.unwrap();
    assert_eq!(
        params(&fake.last_request()),
        [("timeout", "15"), ("caller", "c1")]
    );

    fake.answer("POST", "/ari/channels/c1/continue", 204, "");
    c.continue_in_dialplan("c1", "internal", "2000", 1)
        .await
        .unwrap();
    assert_eq!(
        params(&fake.last_request()),
        [
            ("context", "internal"),
            ("extension", "2000"),
            ("priority", "1")
        ]
    );
}

#[tokio::test]
async fn ari_client_bridge_endpoint_application_and_asterisk_calls() {
    let (fake, c) = client().await;

    fake.answer(
        "POST",
        "/ari/bridges/br-1",
        200,
        &captured("BridgeCreated", "bridge"),
    );
    let bridge = c.create_bridge("br-1").await.unwrap();
    assert_eq!(bridge.bridge_type, "mixing");
    assert_eq!(params(&fake.last_request()), [("type", "mixing")]);

    fake.answer("POST", "/ari/bridges/br-1/addChannel", 204, "");
    c.add_to_bridge("br-1", "c1").await.unwrap();
    assert_eq!(params(&fake.last_request()), [("channel", "c1")]);
    fake.answer("POST", "/ari/bridges/br-1/removeChannel", 204, "");
    c.remove_from_bridge("br-1", "c1").await.unwrap();
    assert_eq!(params(&fake.last_request()), [("channel", "c1")]);

    fake.answer("DELETE", "/ari/bridges/br-1", 204, "");
    c.destroy_bridge("br-1").await.unwrap();
    assert_eq!(fake.last_request().method, "DELETE");
    fake.answer(
        "DELETE",
        "/ari/bridges/br-1",
        404,
        r#"{"message":"Bridge not found"}"#,
    );
    c.destroy_bridge("br-1").await.unwrap();

    let endpoint = captured("EndpointStateChange", "endpoint");
    fake.answer("GET", "/ari/endpoints", 200, &format!("[{endpoint}]"));
    let list = c.endpoints().await.unwrap();
    assert_eq!(list[0].technology, "PJSIP");
    let resource = list[0].resource.clone();
    fake.answer(
        "GET",
        &format!("/ari/endpoints/PJSIP/{resource}"),
        200,
        &endpoint,
    );
    assert_eq!(c.endpoint(&resource).await.unwrap(), list[0]);

    fake.answer(
        "POST",
        "/ari/applications/eventpbx/subscription",
        200,
        r#"{"name":"eventpbx","channel_ids":[],"bridge_ids":[],"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]}"#,
    );
    c.subscribe("eventpbx", &["channel:", "endpoint:PJSIP"])
        .await
        .unwrap();
    let seen = fake.last_request();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/ari/applications/eventpbx/subscription");
    assert_eq!(params(&seen), [("eventSource", "channel:,endpoint:PJSIP")]);

    fake.answer(
        "GET",
        "/ari/asterisk/info",
        200,
        r#"{"build":{"os":"Linux","kernel":"6.1","machine":"x86_64","options":"","date":"2025","user":"b"},
            "system":{"version":"22.10.1","entity_id":"02:fc:00:00:00:01"},
            "config":{"name":"","default_language":"en","setid":{"user":"","group":""}},
            "status":{"startup_time":"2026-11-22T13:31:32.000+0000","last_reload_time":"2026-11-22T13:31:32.000+0000"}}"#,
    );
    let info = c.info().await.unwrap();
    assert_eq!(info.system.unwrap().version, "22.10.1");
    assert_eq!(info.config.unwrap().default_language, "en");
    assert!(info.status.unwrap().startup_time.starts_with("2026-"));

    fake.answer(
        "GET",
        "/ari/asterisk/ping",
        200,
        r#"{"ping":"pong","timestamp":"2026-11-22T13:31:38.327+0000","asterisk_id":"02:fc:00:00:00:01"}"#,
    );
    c.ping().await.unwrap();
    assert_eq!(c.ping_info().await.unwrap().ping, "pong");
}

#[tokio::test]
async fn ari_client_maps_each_status_to_its_error_kind() {
    let (fake, c) = client().await;
    let path = "/ari/channels/c1/answer";
    type IsKind = fn(&AriError) -> bool;
    let cases: [(u16, IsKind); 7] = [
        (
            400,
            |e| matches!(e, AriError::BadRequest(b) if b.contains("msg")),
        ),
        (401, |e| matches!(e, AriError::Unauthorized)),
        (403, |e| matches!(e, AriError::Unauthorized)),
        (404, |e| matches!(e, AriError::NotFound(_)) && e.is_gone()),
        (409, |e| {
            matches!(e, AriError::NotInStasis(_)) && e.is_gone()
        }),
        (412, |e| {
            matches!(e, AriError::InvalidState(_)) && !e.is_gone()
        }),
        (
            500,
            |e| matches!(e, AriError::UnexpectedStatus { status: 500, body } if body.contains("msg")),
        ),
    ];
    for (status, is_kind) in cases {
        fake.answer("POST", path, status, r#"{"message":"msg"}"#);
        let err = c.answer("c1").await.unwrap_err();
        assert!(is_kind(&err), "{status}: {err:?}");
    }

    // A success whose body is not what the call expects.
    fake.answer("GET", "/ari/channels/c1", 200, "<html>proxy</html>");
    let err = c.channel("c1").await.unwrap_err();
    assert!(matches!(err, AriError::Decode(_)), "{err:?}");

    // Nobody listening: transport, not a panic.
    let dead = AriClient::new("http://127.0.0.1:1/ari", "u", "p").unwrap();
    assert!(matches!(
        dead.channels().await.unwrap_err(),
        AriError::Transport(_)
    ));
}

#[tokio::test]
async fn ari_hangup_of_a_gone_channel_is_ok_but_other_failures_are_errors() {
    let (fake, c) = client().await;
    fake.answer(
        "DELETE",
        "/ari/channels/gone",
        404,
        r#"{"message":"Channel not found"}"#,
    );
    c.hangup("gone", "normal").await.unwrap();

    fake.answer(
        "DELETE",
        "/ari/channels/odd",
        400,
        r#"{"message":"Invalid reason for hangup provided"}"#,
    );
    assert!(matches!(
        c.hangup("odd", "nonsense").await.unwrap_err(),
        AriError::BadRequest(_)
    ));
    fake.answer("DELETE", "/ari/channels/odd", 500, "boom");
    assert!(matches!(
        c.hangup("odd", "normal").await.unwrap_err(),
        AriError::UnexpectedStatus { status: 500, .. }
    ));
    // Answering a gone channel stays an error: the caller must know its command did nothing.
    fake.answer("POST", "/ari/channels/gone/answer", 404, "{}");
    assert!(c.answer("gone").await.unwrap_err().is_gone());
}
