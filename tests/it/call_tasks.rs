//! Call tasks against the fake ARI: whatever ends a flow (an error, its maximum length), its
//! channel is hung up; after a reconnect, only real orphans are.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::fake_ari::{FakeAri, Script};
use crate::live_support::{channel, temporary_device, LiveApi};

/// A channel in our Stasis app running `flow`.
fn in_stasis(id: &str, flow: &str) -> Value {
    let mut ch = channel(id, &format!("PJSIP/sx-{id}"), "Up", "4711", "9951");
    ch["dialplan"]["app_name"] = json!("Stasis");
    ch["dialplan"]["app_data"] = json!(format!("eventpbx,{flow},sx"));
    ch
}

fn stasis_start(id: &str, flow: &str) -> Value {
    json!({"type": "StasisStart", "args": [flow, "sx"], "channel": in_stasis(id, flow),
           "application": "eventpbx"})
}

fn hangups(fake: &FakeAri, id: &str) -> usize {
    let path = format!("/ari/channels/{id}");
    fake.requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path == path)
        .count()
}

/// Lets playbacks on `id` start (the fake's default answer has no playback body, which
/// the client takes for an error).
fn playbacks_work(fake: &FakeAri, id: &str) {
    let body = json!({"id": format!("{id}-pb"), "media_uri": "", "target_uri": format!("channel:{id}"),
                      "state": "queued"});
    fake.answer(
        "POST",
        &format!("/ari/channels/{id}/play"),
        201,
        &body.to_string(),
    );
}

async fn wait_for_hangup(fake: &FakeAri, id: &str, within: Duration) -> Duration {
    let start = Instant::now();
    while hangups(fake, id) == 0 {
        assert!(start.elapsed() < within, "{id} was never hung up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn call_task_a_playback_error_hangs_the_channel_up() {
    let live = LiveApi::start().await;
    live.fake.answer(
        "POST",
        "/ari/channels/c-play/play",
        500,
        r#"{"message":"boom"}"#,
    );
    live.event(stasis_start("c-play", "echo"));
    wait_for_hangup(&live.fake, "c-play", Duration::from_secs(5)).await;
    assert_eq!(hangups(&live.fake, "c-play"), 1);
    // The same flow with working playbacks keeps its channel.
    playbacks_work(&live.fake, "c-ok");
    live.event(stasis_start("c-ok", "echo"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hangups(&live.fake, "c-ok"), 0);
}

#[tokio::test]
async fn call_task_each_flow_is_hung_up_at_its_maximum_length() {
    let fake = FakeAri::start().await;
    let live = LiveApi::start_configured(fake, |s| {
        s.calls.max_echo_secs = 1;
        s.calls.max_info_secs = 1;
        s.calls.max_register_secs = 1;
    })
    .await;
    // The echo test waits for keys a minute; the registration prompt waits for digits.
    playbacks_work(&live.fake, "c-echo");
    playbacks_work(&live.fake, "c-reg");
    let start = Instant::now();
    live.event(stasis_start("c-echo", "echo"));
    live.event(stasis_start("c-reg", "register"));
    for id in ["c-echo", "c-reg"] {
        wait_for_hangup(&live.fake, id, Duration::from_secs(5)).await;
        assert!(
            start.elapsed() >= Duration::from_millis(900),
            "{id} hung up too early"
        );
    }
}

#[tokio::test]
async fn call_task_a_queued_stasis_start_after_a_reconnect_is_no_orphan() {
    let live = LiveApi::start().await;
    // What ARI lists after the reconnect: one call left from the old connection, one that
    // entered Stasis on the new one and whose StasisStart is on its way.
    live.fake.answer(
        "GET",
        "/ari/channels",
        200,
        &json!([in_stasis("c-orphan", "echo"), in_stasis("c-new", "echo")]).to_string(),
    );
    playbacks_work(&live.fake, "c-new");
    live.fake.script(Script::Drop);
    let start = Instant::now();
    while live.fake.connections() < 2 {
        assert!(start.elapsed() < Duration::from_secs(5), "no reconnect");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    live.event(stasis_start("c-new", "echo"));
    wait_for_hangup(&live.fake, "c-orphan", Duration::from_secs(6)).await;
    // The new call has its task (it answered) and keeps running.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(live
        .fake
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/ari/channels/c-new/answer"));
    assert_eq!(hangups(&live.fake, "c-new"), 0, "a live call was hung up");
}

fn subscriptions(fake: &FakeAri) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/ari/applications/eventpbx/subscription")
        .map(|r| r.param("eventSource").unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn engine_subscribes_to_sources_that_always_exist_and_retries_a_refusal() {
    let live = LiveApi::start().await;
    // `endpoint:PJSIP` is refused by Asterisk until a PJSIP endpoint exists; "every endpoint"
    // is not.
    assert_eq!(subscriptions(&live.fake), ["channel:,endpoint:"]);

    // A refused subscription (as Asterisk answers for a missing source) is tried again
    // after a pause, not given up and not looped on.
    let body = r#"{"message":"Event source does not exist"}"#;
    let path = "/ari/applications/eventpbx/subscription";
    live.fake.answer("POST", path, 422, body);
    live.fake.script(Script::Drop);
    live.until("a refused subscription after reconnecting", |_| async {
        subscriptions(&live.fake).len() >= 2
    })
    .await;
    let refused = subscriptions(&live.fake).len();
    live.fake.unanswer("POST", path);
    let deadline = Instant::now() + Duration::from_secs(10);
    while subscriptions(&live.fake).len() == refused {
        assert!(
            Instant::now() < deadline,
            "the subscription was never retried"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(subscriptions(&live.fake)
        .iter()
        .all(|s| s == "channel:,endpoint:"));
}

/// A log sink for one test: what the subscriber writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A ChannelDtmfReceived as Asterisk sends it, stamped at `ms` past a second. The stamp
/// matters: the websocket reader drops a frame equal to a recent one (Asterisk's duplicate
/// deliveries), and two presses of one key differ only in it.
fn dtmf(channel: &str, digit: &str, duration_ms: u32, ms: u32) -> Value {
    json!({"type": "ChannelDtmfReceived", "digit": digit, "duration_ms": duration_ms,
           "timestamp": format!("2026-12-02T01:38:38.{ms:03}+0000"),
           "channel": in_stasis(channel, "register"), "application": "eventpbx"})
}

#[tokio::test]
async fn call_task_the_dtmf_debug_log_has_position_and_timing_but_never_the_key() {
    // The call tasks run on this test's (current-thread) runtime, so a thread-local
    // subscriber sees their events and no other test's.
    let sink = Captured::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("eventpbx::dtmf=debug")
        .without_time()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let live = LiveApi::start().await;
    let endpoint = temporary_device(&live.api, "99560042").await;
    playbacks_work(&live.fake, "c-keys");
    live.event(
        json!({"type": "StasisStart", "args": ["register", endpoint],
                      "channel": in_stasis("c-keys", "register"), "application": "eventpbx"}),
    );
    live.until("the prompt", |_| async {
        live.fake
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == "/ari/channels/c-keys/play")
    })
    .await;
    for (key, ms) in [("7", 100), ("7", 250), ("#", 400)] {
        live.event(dtmf("c-keys", key, 60, ms));
    }
    live.until("the entry", |_| async {
        sink.text().contains("entry submitted")
    })
    .await;
    let text = sink.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("DTMF received"))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    for (n, (line, kind)) in lines
        .iter()
        .zip(["\"digit\"", "\"digit\"", "\"#\""])
        .enumerate()
    {
        assert!(line.contains(&format!("key={kind}")), "{line}");
        assert!(line.contains(&format!("position={}", n + 1)), "{line}");
        assert!(
            line.contains("duration_ms=60") && line.contains("at_ms="),
            "{line}"
        );
        // Apart from the time since the call started, nothing in the line may be the key.
        let without_time: String = line
            .split(' ')
            .filter(|field| !field.starts_with("at_ms="))
            .collect();
        assert!(!without_time.contains('7'), "{line}");
    }
    let submitted = text
        .lines()
        .find(|l| l.contains("entry submitted"))
        .unwrap();
    assert!(submitted.contains("digits=2"), "{submitted}");
    let without_time: String = submitted
        .split(' ')
        .filter(|field| !field.starts_with("at_ms="))
        .collect();
    assert!(!without_time.contains('7'), "{submitted}");
}
