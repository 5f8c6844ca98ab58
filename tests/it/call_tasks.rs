//! Call tasks against the fake ARI: whatever ends a flow (an error, its maximum length, an
//! overflowing event queue), its channel is hung up; after a reconnect or a restart, only
//! real orphans are, unless their flow adopts them; the resync never holds up a call.

use std::time::{Duration, Instant};

use eventpbx::ari::{AriEvent, Channel};
use eventpbx::calls::call::Call;
use eventpbx::calls::engine::{self, EngineConfig, Flow, Flows};
use futures_util::future::BoxFuture;
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
    // Endpoints at once; all channels only once someone reads them (`channel_watch`), as
    // the harness did.
    assert_eq!(subscriptions(&live.fake), ["endpoint:", "channel:"]);

    // A refused subscription (as Asterisk answers for a missing source) is tried again
    // after a pause, not given up and not looped on.
    let body = r#"{"message":"Event source does not exist"}"#;
    let path = "/ari/applications/eventpbx/subscription";
    live.fake.answer("POST", path, 422, body);
    live.fake.script(Script::Drop);
    let endpoints = |fake: &FakeAri| {
        subscriptions(fake)
            .into_iter()
            .filter(|s| s == "endpoint:")
            .count()
    };
    live.until("a refused subscription after reconnecting", |_| async {
        endpoints(&live.fake) >= 2
    })
    .await;
    let refused = endpoints(&live.fake);
    live.fake.unanswer("POST", path);
    let deadline = Instant::now() + Duration::from_secs(10);
    while endpoints(&live.fake) == refused {
        assert!(
            Instant::now() < deadline,
            "the subscription was never retried"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(subscriptions(&live.fake)
        .iter()
        .all(|s| s == "endpoint:" || s == "channel:"));
}

fn listings(fake: &FakeAri) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/ari/channels")
        .count()
}

#[tokio::test]
async fn call_task_the_dispatcher_routes_events_while_the_resync_waits_on_rest() {
    let live = LiveApi::start().await;
    // A reader of the channels makes the engine follow them, and it keeps following for a
    // while after the read.
    live.get_until("/channels", |p| p["ari_connected"] == true)
        .await;
    // After the reconnect Asterisk takes 3 s for each listing of its channels: the resync's,
    // then the one after subscribing to all channels again. A call that enters our app
    // meanwhile must not wait for either.
    live.fake
        .delay("GET", "/ari/channels", Duration::from_secs(3));
    playbacks_work(&live.fake, "c-fast");
    let before = listings(&live.fake);
    live.fake.script(Script::Drop);
    let start = Instant::now();
    while listings(&live.fake) < before + 2 {
        assert!(
            start.elapsed() < Duration::from_secs(8),
            "no resync and follow listing after the reconnect"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(live.fake.connections() >= 2);
    let sent = Instant::now();
    live.event(stasis_start("c-fast", "echo"));
    let answered = |fake: &FakeAri| {
        fake.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == "/ari/channels/c-fast/answer")
    };
    while !answered(&live.fake) {
        assert!(
            sent.elapsed() < Duration::from_millis(1500),
            "the call waited for the listing"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The listing (empty, taken before the call) arrives later and must not erase the call
    // from the live view: the held StasisStart is applied on top of it.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let (_, page) = live.api.ro(reqwest::Method::GET, "/channels", None).await;
    assert_eq!(page["ari_connected"], true);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "c-fast"),
        "the late listing erased a live call: {page}"
    );
}

/// The engine alone against `fake`, with `flows`; stops when dropped.
struct Direct {
    _dir: tempfile::TempDir,
    cancel: tokio_util::sync::CancellationToken,
}

impl Drop for Direct {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

fn start_direct(fake: &FakeAri, flows: Flows) -> Direct {
    start_direct_with(fake, flows, EngineConfig::default()).0
}

/// Like [`start_direct`] with `config`; also answers the engine's handles.
fn start_direct_with(
    fake: &FakeAri,
    flows: Flows,
    config: EngineConfig,
) -> (Direct, engine::Engine) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = eventpbx::config::Settings::default();
    settings.data.dir = dir.path().to_path_buf();
    let db = eventpbx::db::Db::open(&dir.path().join("e.db"), Duration::from_secs(1)).unwrap();
    let client = eventpbx::ari::AriClient::new(&fake.base, "eventpbx", "secret").unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let tracker = tokio_util::task::TaskTracker::new();
    let engine = engine::start_with_flows(
        std::sync::Arc::new(settings),
        db,
        client,
        config,
        flows,
        &tracker,
        cancel.clone(),
    );
    (Direct { _dir: dir, cancel }, engine)
}

/// A test flow: `start` never reads its events; `adopt` takes the channel over and reports
/// it, then every digit it gets, on `seen`.
struct Keeper {
    seen: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Flow for Keeper {
    fn start(&self, call: Call, _digits: Option<String>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let _call = call;
            std::future::pending::<()>().await
        })
    }
    fn max_len(&self, _settings: &eventpbx::config::Settings) -> Duration {
        Duration::from_secs(60)
    }
    fn adopt(&self, mut call: Call, channel: &Channel) -> Option<BoxFuture<'static, ()>> {
        let seen = self.seen.clone();
        let _ = seen.send(format!("adopted {}", channel.id));
        Some(Box::pin(async move {
            while let Some(event) = call.next_event().await {
                if let AriEvent::ChannelDtmfReceived { digit, .. } = event {
                    let _ = seen.send(digit);
                }
            }
        }))
    }
}

fn flows_with_keeper() -> (Flows, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let (seen, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut flows = engine::standard_flows(Default::default());
    flows.insert("keeper".into(), std::sync::Arc::new(Keeper { seen }));
    (flows, rx)
}

#[tokio::test]
async fn call_task_a_flow_may_adopt_its_channel_after_a_restart() {
    let fake = FakeAri::start().await;
    // What a freshly started eventpbx finds in its app: a call of a flow that adopts, one of
    // a flow that declines (echo).
    fake.answer(
        "GET",
        "/ari/channels",
        200,
        &json!([in_stasis("c-kept", "keeper"), in_stasis("c-gone", "echo")]).to_string(),
    );
    let (flows, mut seen) = flows_with_keeper();
    let _engine = start_direct(&fake, flows);
    wait_for_hangup(&fake, "c-gone", Duration::from_secs(6)).await;
    let adopted = tokio::time::timeout(Duration::from_secs(2), seen.recv())
        .await
        .unwrap();
    assert_eq!(adopted.as_deref(), Some("adopted c-kept"));
    // Its events now reach the adopting task.
    fake.script(Script::Send(crate::fake_ari::dtmf_event("c-kept", 7)));
    let digit = tokio::time::timeout(Duration::from_secs(2), seen.recv())
        .await
        .unwrap();
    assert_eq!(digit.as_deref(), Some("7"));
    assert_eq!(hangups(&fake, "c-kept"), 0, "an adopted call was hung up");
}

#[tokio::test]
async fn call_task_whose_event_queue_overflows_is_hung_up() {
    let fake = FakeAri::start().await;
    let (flows, _seen) = flows_with_keeper();
    let _engine = start_direct(&fake, flows);
    let start = Instant::now();
    while !fake
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path == "/ari/channels")
    {
        assert!(start.elapsed() < Duration::from_secs(5), "no resync");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The flow reads none of its events: its queue fills up.
    fake.script(Script::Send(stasis_start("c-full", "keeper").to_string()));
    for seq in 0..400 {
        fake.script(Script::Send(crate::fake_ari::dtmf_event("c-full", seq)));
    }
    wait_for_hangup(&fake, "c-full", Duration::from_secs(5)).await;
    assert_eq!(hangups(&fake, "c-full"), 1);
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
    // The app hands the subscriber in use where it starts on to the engine's thread, so a
    // thread-local subscriber sees the call tasks' events and no other test's.
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

#[tokio::test]
async fn the_engine_follows_channels_while_read_and_lets_go_after_the_linger() {
    let fake = FakeAri::start().await;
    let config = EngineConfig {
        follow_linger: Duration::from_millis(300),
        ..EngineConfig::default()
    };
    let (_direct, engine) = start_direct_with(&fake, Flows::default(), config);
    let unsubscribes = |fake: &FakeAri| {
        fake.requests()
            .iter()
            .filter(|r| {
                r.method == "DELETE"
                    && r.path == "/ari/applications/eventpbx/subscription"
                    && r.param("eventSource") == Some("channel:")
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    // At connect: stale subscriptions to all channels are taken back (the fake has none).
    while unsubscribes(&fake) == 0 {
        assert!(Instant::now() < deadline, "no clean-up at connect");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(subscriptions(&fake), ["endpoint:"], "nobody reads channels");

    let claim = engine.live.watch_channels();
    assert!(
        engine.live.channels_followed(Duration::from_secs(5)).await,
        "a reader makes the engine follow every channel"
    );
    assert_eq!(subscriptions(&fake), ["endpoint:", "channel:"]);
    drop(claim);
    // Within the linger a new reader finds the channels followed at once.
    let again = engine.live.watch_channels();
    assert!(engine.live.snapshot().channels_followed);
    drop(again);
    let before = unsubscribes(&fake);
    let deadline = Instant::now() + Duration::from_secs(5);
    while engine.live.snapshot().channels_followed || unsubscribes(&fake) == before {
        assert!(
            Instant::now() < deadline,
            "still following after the linger"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        subscriptions(&fake),
        ["endpoint:", "channel:"],
        "not subscribed again"
    );
}
