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
    let fake = FakeAri::start().await;
    let client = AriClient::new(&fake.base, "u", "p").unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let (state_tx, state) = watch::channel(ConnectionState::default());
    let cancel = CancellationToken::new();
    let task = tokio::spawn(ws::run(
        client.events_url("eventpbx"),
        config(),
        tx,
        state_tx,
        cancel.clone(),
    ));
    let mut r = Running {
        fake,
        rx,
        state,
        cancel,
        task,
    };
    r.expect_connected().await;
    r
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
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let s = self.state.borrow().clone();
            if want(&s.status) {
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
    }
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
