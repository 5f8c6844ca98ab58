//! The ARI websocket and REST client against the fake ARI: order under bursts, reconnects
//! with backoff after a drop and after a clean close, the dead-peer ping, ApplicationReplaced,
//! and the REST error kinds of a caller who hung up between an event and our command.

use std::time::{Duration, Instant};

use eventpbx::ari::ws::{self, ConnectionState, Status, WsConfig, WsMessage};
use eventpbx::ari::{AriClient, AriError, AriEvent};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::fake_ari::{dtmf_event, FakeAri, Script};

fn config() -> WsConfig {
    WsConfig {
        ping_interval: Duration::from_millis(100),
        pong_timeout: Duration::from_millis(300),
        backoff_start: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(400),
        stable_after: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(2),
    }
}

struct Running {
    fake: FakeAri,
    rx: mpsc::UnboundedReceiver<WsMessage>,
    state: watch::Receiver<ConnectionState>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

async fn start() -> Running {
    start_with(config()).await
}

async fn start_with(config: WsConfig) -> Running {
    let mut r = spawn(FakeAri::start().await, config);
    r.expect_connected().await;
    r
}

/// Starts the websocket loop against `fake` without waiting for it to connect.
fn spawn(fake: FakeAri, config: WsConfig) -> Running {
    let client = AriClient::new(&fake.base, "u", "p").unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let (state_tx, state) = watch::channel(ConnectionState::default());
    let cancel = CancellationToken::new();
    let task = tokio::spawn(ws::run(
        client.events_url("eventpbx"),
        config,
        tx,
        state_tx,
        cancel.clone(),
    ));
    Running {
        fake,
        rx,
        state,
        cancel,
        task,
    }
}

impl Running {
    async fn next(&mut self) -> WsMessage {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a message within 5 s")
            .expect("channel open")
    }

    async fn expect_connected(&mut self) {
        loop {
            if let WsMessage::Connected = self.next().await {
                return;
            }
        }
    }

    async fn wait_status(&mut self, want: impl Fn(&Status) -> bool) -> ConnectionState {
        self.wait_state(|s| want(&s.status)).await
    }

    async fn wait_state(&mut self, want: impl Fn(&ConnectionState) -> bool) -> ConnectionState {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let s = self.state.borrow().clone();
            if want(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "state stayed {s:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test]
async fn ari_events_arrive_in_order_under_a_burst_from_many_channels() {
    let mut r = start().await;
    let (channels, per_channel) = (20, 50);
    for seq in 0..per_channel {
        for ch in 0..channels {
            r.fake
                .script(Script::Send(dtmf_event(&format!("c{ch}"), seq)));
        }
    }
    let mut last = vec![None::<usize>; channels];
    let mut total = 0;
    while total < channels * per_channel {
        if let WsMessage::Event(e) = r.next().await {
            let AriEvent::ChannelDtmfReceived { channel, digit, .. } = *e else {
                panic!("unexpected event")
            };
            let ch: usize = channel.id[1..].parse().unwrap();
            let seq: usize = digit.parse().unwrap();
            assert_eq!(
                last[ch].map_or(0, |l| l + 1),
                seq,
                "channel {ch} out of order"
            );
            last[ch] = Some(seq);
            total += 1;
        }
    }
    r.cancel.cancel();
    r.task.await.unwrap();
}

#[tokio::test]
async fn ari_reconnects_with_growing_backoff_after_drops_and_clean_closes() {
    let mut r = start().await;
    let mut gaps = Vec::new();
    let mut backoffs = Vec::new();
    for (i, step) in [Script::Drop, Script::Close, Script::Drop, Script::Close]
        .into_iter()
        .enumerate()
    {
        let lost = Instant::now();
        r.fake.script(step);
        // Disconnected, then Connected again, without anyone asking.
        loop {
            match r.next().await {
                WsMessage::Disconnected => break,
                _ => continue,
            }
        }
        r.expect_connected().await;
        gaps.push(lost.elapsed());
        assert_eq!(r.fake.connections(), i + 2);
        assert_eq!(r.state.borrow().reconnects, i as u64 + 1);
        assert!(r.state.borrow().last_error.is_some());
        backoffs.push(r.state.borrow().last_backoff.unwrap());
    }
    // What the loop waited, as it published it: 50 ms, then doubled ±20 % each time, capped.
    assert_eq!(backoffs[0], Duration::from_millis(50));
    assert!(
        backoffs.windows(2).all(|w| w[1] > w[0]),
        "backoff grows: {backoffs:?}"
    );
    assert!(backoffs[3] <= Duration::from_millis(480), "{backoffs:?}");
    // The first wait is the 50 ms start; later ones grow (jitter ±20 %, cap 400 ms).
    assert!(gaps[0] >= Duration::from_millis(40), "{gaps:?}");
    assert!(
        gaps[3] >= Duration::from_millis(200),
        "backoff grows: {gaps:?}"
    );
    r.cancel.cancel();
    r.task.await.unwrap();
    assert_eq!(r.state.borrow().status, Status::Stopped);
}

#[tokio::test]
async fn ari_a_peer_that_stops_answering_pings_is_dead() {
    let mut r = start().await;
    r.fake.script(Script::GoSilent);
    let lost = Instant::now();
    loop {
        if let WsMessage::Disconnected = r.next().await {
            break;
        }
    }
    // Detected by the missing pong (about ping interval + pong timeout), not by TCP.
    assert!(
        lost.elapsed() < Duration::from_secs(3),
        "{:?}",
        lost.elapsed()
    );
    assert!(r
        .state
        .borrow()
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("pong")));
    r.expect_connected().await;
    r.cancel.cancel();
    r.task.await.unwrap();
}

#[tokio::test]
async fn ari_application_replaced_stops_without_reconnecting() {
    let mut r = start().await;
    r.fake.script(Script::Send(
        r#"{"type":"ApplicationReplaced","application":"eventpbx"}"#.into(),
    ));
    let s = r.wait_status(|s| *s == Status::Replaced).await;
    assert!(s.last_error.unwrap().contains("ApplicationReplaced"));
    // The task ends and never connects again, so two instances cannot flap.
    tokio::time::timeout(Duration::from_secs(2), r.task)
        .await
        .expect("the websocket task ends")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(r.fake.connections(), 1);
}

#[tokio::test]
async fn ari_rest_errors_when_the_caller_hung_up_between_event_and_command() {
    let fake = FakeAri::start().await;
    let client = AriClient::new(&fake.base, "u", "p").unwrap();
    client.answer("c1").await.unwrap();

    fake.channel_status(404);
    // Hanging up a channel that is gone is what the caller wanted: not an error.
    client.hangup("c1", "normal").await.unwrap();
    let err = client.answer("c1").await.unwrap_err();
    assert!(
        matches!(err, AriError::NotFound(_)) && err.is_gone(),
        "{err:?}"
    );

    fake.channel_status(409);
    let err = client.answer("c1").await.unwrap_err();
    assert!(
        matches!(err, AriError::NotInStasis(_)) && err.is_gone(),
        "{err:?}"
    );

    fake.channel_status(412);
    let err = client
        .play("c1", "p1", &["sound:x".to_string()])
        .await
        .unwrap_err();
    assert!(matches!(err, AriError::InvalidState(_)), "{err:?}");

    fake.channel_status(401);
    assert!(matches!(
        client.answer("c1").await.unwrap_err(),
        AriError::Unauthorized
    ));

    // Nobody listening at all: a transport error, not a panic.
    let dead = AriClient::new("http://127.0.0.1:1/ari", "u", "p").unwrap();
    assert!(matches!(
        dead.ping().await.unwrap_err(),
        AriError::Transport(_)
    ));
}

#[tokio::test]
async fn ari_backoff_resets_after_a_stable_connection() {
    let config = WsConfig {
        stable_after: Duration::from_secs(1),
        backoff_cap: Duration::from_secs(2),
        ..config()
    };
    let mut r = start_with(config).await;
    for _ in 0..3 {
        r.fake.script(Script::Drop);
        r.expect_connected().await;
    }
    // Three quick losses: 50 ms, then 80–120, then twice that ±20 %: at least 128 ms.
    let grown = r.state.borrow().last_backoff.unwrap();
    assert!(grown >= Duration::from_millis(128), "{grown:?}");
    // A connection that lived past `stable_after` starts the backoff over.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    r.fake.script(Script::Close);
    r.expect_connected().await;
    assert_eq!(
        r.state.borrow().last_backoff,
        Some(Duration::from_millis(50))
    );
    r.cancel.cancel();
    r.task.await.unwrap();
}

#[tokio::test]
async fn ari_the_reader_keeps_up_while_nobody_consumes_events() {
    let mut r = start().await;
    let n = 5000;
    for seq in 0..n {
        r.fake.script(Script::Send(dtmf_event("c1", seq)));
    }
    // Nobody reads `rx` for several ping rounds: the reader must neither stall (Asterisk would
    // drop it) nor miss pongs and call the connection dead.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let s = r.state.borrow().clone();
    assert!(matches!(s.status, Status::Connected { .. }), "{s:?}");
    assert_eq!(s.reconnects, 0);
    assert_eq!(r.fake.connections(), 1);
    for seq in 0..n {
        match r.next().await {
            WsMessage::Event(e) => match *e {
                AriEvent::ChannelDtmfReceived { digit, .. } => {
                    assert_eq!(digit, seq.to_string())
                }
                other => panic!("{other:?}"),
            },
            other => panic!("event {seq}: {other:?}"),
        }
    }
    r.cancel.cancel();
    r.task.await.unwrap();
}

#[tokio::test]
async fn ari_retries_while_ari_refuses_the_credentials_then_connects() {
    let fake = FakeAri::start().await;
    fake.answer(
        "GET",
        "/ari/events",
        401,
        r#"{"message":"Authentication required"}"#,
    );
    let mut r = spawn(fake, config());
    let s = r
        .wait_state(|s| {
            s.last_error
                .as_deref()
                .is_some_and(|e| e.contains("credentials"))
        })
        .await;
    assert_eq!(s.status, Status::Connecting);
    // It keeps trying with backoff instead of giving up.
    r.wait_state(|s| s.last_backoff > Some(Duration::from_millis(50)))
        .await;
    assert_eq!(r.fake.connections(), 0);
    r.fake.unanswer("GET", "/ari/events");
    r.expect_connected().await;
    assert_eq!(r.fake.connections(), 1);
    // The first successful connect is not a reconnect.
    assert_eq!(r.state.borrow().reconnects, 0);
    r.cancel.cancel();
    r.task.await.unwrap();
    assert_eq!(r.state.borrow().status, Status::Stopped);
}

#[tokio::test]
async fn ari_application_replaced_is_not_passed_on_as_an_event() {
    let mut r = start().await;
    r.fake.script(Script::Send(dtmf_event("c1", 1)));
    r.fake.script(Script::Send(
        r#"{"type":"ApplicationReplaced","application":"eventpbx"}"#.into(),
    ));
    // The event before it arrives, then the loss; the consumer learns "replaced" from the
    // state, and the channel closes because the task ended.
    assert!(matches!(r.next().await, WsMessage::Event(_)));
    assert!(matches!(r.next().await, WsMessage::Disconnected));
    let end = tokio::time::timeout(Duration::from_secs(5), r.rx.recv())
        .await
        .unwrap();
    assert!(end.is_none(), "{end:?}");
    assert_eq!(r.state.borrow().status, Status::Replaced);
}
