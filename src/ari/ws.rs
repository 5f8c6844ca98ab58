//! The ARI events websocket, kept alive across Asterisk restarts.
//!
//! One reader task decodes frames and hands each event on without awaiting anyone: Asterisk
//! drops a websocket whose reader stalls for 100 ms. A ping that gets no pong in time marks
//! the connection dead. Reconnects back off exponentially with jitter, also after a clean
//! close. After every (re)connect a [`WsMessage::Connected`] goes out first, because Asterisk
//! replays nothing: whoever consumes the events must subscribe and reload then.
//! With the all-channels subscription Asterisk sends most events of a channel in our app twice
//! (once per subscription, byte for byte the same); the reader drops a frame identical to one
//! of the last few it passed on.
//! On ApplicationReplaced the socket stays open but silent; the loop stops in
//! [`Status::Replaced`] and does not reconnect, so two instances never flap.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::events::AriEvent;

/// Where the connection is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Trying to connect (first time or after a loss).
    Connecting,
    /// Connected since this wall-clock time (Unix seconds).
    Connected { since: i64 },
    /// Another eventpbx took over the application; not reconnecting until restarted.
    Replaced,
    /// Shut down.
    Stopped,
}

/// What others can watch: status, reconnects, last error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionState {
    pub status: Status,
    /// Successful connects after the first.
    pub reconnects: u64,
    /// The last reason a connection failed or was lost.
    pub last_error: Option<String>,
    /// How long the loop waited before its latest connect attempt (kept after it succeeds,
    /// so operators and tests can see the backoff grow and reset).
    pub last_backoff: Option<Duration>,
}

impl Default for ConnectionState {
    fn default() -> Self {
        ConnectionState {
            status: Status::Connecting,
            reconnects: 0,
            last_error: None,
            last_backoff: None,
        }
    }
}

/// What the reader hands on.
#[derive(Debug, Clone, PartialEq)]
pub enum WsMessage {
    /// A (re)connect succeeded: subscribe again and reload state.
    Connected,
    /// The connection was lost; events may have been missed.
    Disconnected,
    /// An event, in the order Asterisk sent it.
    Event(Box<AriEvent>),
}

/// Timings, all adjustable so tests can run fast.
#[derive(Debug, Clone, Copy)]
pub struct WsConfig {
    /// Interval between pings.
    pub ping_interval: Duration,
    /// A pong must arrive within this after a ping.
    pub pong_timeout: Duration,
    /// First reconnect delay.
    pub backoff_start: Duration,
    /// Longest reconnect delay.
    pub backoff_cap: Duration,
    /// A connection that lived this long resets the backoff.
    pub stable_after: Duration,
    /// Limit for the websocket handshake.
    pub connect_timeout: Duration,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            ping_interval: Duration::from_secs(5),
            pong_timeout: Duration::from_secs(3),
            backoff_start: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(5),
            stable_after: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// The next delay: doubled, capped, with ±20 % jitter so many clients do not reconnect in step.
pub fn next_backoff(current: Duration, config: &WsConfig) -> Duration {
    let doubled = (current * 2).min(config.backoff_cap);
    let jitter = rand::thread_rng().gen_range(0.8..=1.2);
    doubled.mul_f64(jitter).min(config.backoff_cap.mul_f64(1.2))
}

/// Wall-clock Unix seconds, for [`Status::Connected`] (shown to operators, so not monotonic).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Why one connection ended.
enum Ended {
    Cancelled,
    Replaced,
    Lost(String),
}

/// Runs the websocket until `cancel`, sending everything to `out`, publishing state on
/// `state`. Returns when cancelled, when `out`'s receiver is gone, or when replaced.
///
/// `out` is unbounded on purpose. The reader must never wait on whoever consumes events:
/// a reader that stalls 100 ms gets dropped by Asterisk, and the events missed are never
/// replayed, which costs far more than memory. A bounded channel would force a choice between
/// waiting (that stall) and dropping events (calls then miss their hangup or digits). The
/// consumer is the call engine, which only routes each event into a per-call mpsc and never
/// awaits I/O, so the queue stays short; a slow consumer shows up as memory, not lost calls.
pub async fn run(
    url: String,
    config: WsConfig,
    out: mpsc::UnboundedSender<WsMessage>,
    state: watch::Sender<ConnectionState>,
    cancel: CancellationToken,
) {
    let mut delay = config.backoff_start;
    let mut connects: u64 = 0;
    loop {
        state.send_modify(|s| s.status = Status::Connecting);
        let attempt = tokio::select! {
            _ = cancel.cancelled() => break,
            r = tokio::time::timeout(config.connect_timeout, tokio_tungstenite::connect_async(url.as_str())) => r,
        };
        let ended = match attempt {
            Ok(Ok((socket, _))) => {
                if connects > 0 {
                    state.send_modify(|s| s.reconnects += 1);
                    metrics::counter!(crate::domain::metrics::ARI_RECONNECTS).increment(1);
                }
                connects += 1;
                state.send_modify(|s| s.status = Status::Connected { since: unix_now() });
                tracing::info!(reconnects = connects - 1, "ARI events websocket connected");
                if out.send(WsMessage::Connected).is_err() {
                    break;
                }
                let started = Instant::now();
                let ended = read(socket, &config, &out, &cancel).await;
                if started.elapsed() >= config.stable_after {
                    delay = config.backoff_start;
                }
                if !matches!(ended, Ended::Cancelled) {
                    let _ = out.send(WsMessage::Disconnected);
                }
                ended
            }
            Ok(Err(e)) => Ended::Lost(describe_connect_error(&e)),
            Err(_) => Ended::Lost("websocket handshake timed out".into()),
        };
        match ended {
            Ended::Cancelled => break,
            Ended::Replaced => {
                tracing::error!(
                    "another eventpbx took over the ARI application; this one stops taking calls until it is restarted"
                );
                state.send_modify(|s| {
                    s.status = Status::Replaced;
                    s.last_error = Some(
                        "ApplicationReplaced: another eventpbx connected with the same app name"
                            .into(),
                    );
                });
                return;
            }
            Ended::Lost(reason) => {
                tracing::warn!(%reason, retry_in_ms = delay.as_millis() as u64, "ARI events websocket down");
                state.send_modify(|s| s.last_error = Some(reason));
            }
        }
        state.send_modify(|s| s.last_backoff = Some(delay));
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = next_backoff(delay, &config);
    }
    state.send_modify(|s| s.status = Status::Stopped);
}

fn describe_connect_error(e: &tokio_tungstenite::tungstenite::Error) -> String {
    use tokio_tungstenite::tungstenite::Error;
    match e {
        Error::Http(resp) if resp.status().as_u16() == 401 => {
            "ARI refused the credentials (check the ARI password)".into()
        }
        Error::Http(resp) => format!("ARI answered {}", resp.status()),
        other => other.to_string(),
    }
}

async fn read<S>(
    socket: tokio_tungstenite::WebSocketStream<S>,
    config: &WsConfig,
    out: &mpsc::UnboundedSender<WsMessage>,
    cancel: &CancellationToken,
) -> Ended
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = socket.split();
    let mut recent = RecentFrames::default();
    // What this connection carried, logged when it ends: the events per call are a cost
    // (`scripts/bench` reads this line), and a rise shows a subscription gone too wide.
    let mut counts = FrameCounts::default();
    let ended = read_frames(
        &mut sink,
        &mut stream,
        &mut recent,
        &mut counts,
        config,
        out,
        cancel,
    )
    .await;
    tracing::info!(
        frames = counts.frames,
        duplicates = counts.duplicates,
        events = counts.events,
        "ARI events websocket closed"
    );
    ended
}

/// Frames one connection carried: all text frames, those dropped as duplicates, and the
/// events passed on.
#[derive(Default)]
struct FrameCounts {
    frames: u64,
    duplicates: u64,
    events: u64,
}

async fn read_frames<Si, St>(
    sink: &mut Si,
    stream: &mut St,
    recent: &mut RecentFrames,
    counts: &mut FrameCounts,
    config: &WsConfig,
    out: &mpsc::UnboundedSender<WsMessage>,
    cancel: &CancellationToken,
) -> Ended
where
    Si: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
    St: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut ping = tokio::time::interval(config.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    // Deadline for the pong of the last ping; None while no ping is outstanding.
    let mut pong_due: Option<Instant> = None;
    loop {
        let pong_wait = async {
            match pong_due {
                Some(due) => tokio::time::sleep_until(due).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                return Ended::Cancelled;
            }
            _ = pong_wait => return Ended::Lost("no pong from Asterisk: connection dead".into()),
            _ = ping.tick() => {
                if pong_due.is_none() {
                    pong_due = Some(Instant::now() + config.pong_timeout);
                }
                if let Err(e) = sink.send(Message::Ping(Vec::new().into())).await {
                    return Ended::Lost(format!("ping failed: {e}"));
                }
            }
            frame = stream.next() => match frame {
                None => return Ended::Lost("websocket closed".into()),
                Some(Err(e)) => return Ended::Lost(e.to_string()),
                Some(Ok(Message::Pong(_))) => pong_due = None,
                Some(Ok(Message::Close(_))) => return Ended::Lost("Asterisk closed the websocket".into()),
                Some(Ok(Message::Text(text))) => {
                    counts.frames += 1;
                    if recent.seen(text.as_str()) {
                        counts.duplicates += 1;
                        continue;
                    }
                    match AriEvent::parse(text.as_str()) {
                        Ok(AriEvent::ApplicationReplaced { .. }) => return Ended::Replaced,
                        Ok(event) => {
                            counts.events += 1;
                            if out.send(WsMessage::Event(Box::new(event))).is_err() {
                                return Ended::Cancelled;
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "undecodable ARI frame skipped"),
                    }
                }
                Some(Ok(_)) => {}
            }
        }
    }
}

/// Hashes of the last frames passed on, to drop Asterisk's duplicate deliveries.
#[derive(Default)]
pub struct RecentFrames {
    hashes: std::collections::VecDeque<u64>,
}

/// How many frames back a duplicate is recognised (they arrive within a few frames).
const RECENT_FRAMES: usize = 32;

impl RecentFrames {
    /// True if `frame` equals one of the recent frames; otherwise remembers it.
    pub fn seen(&mut self, frame: &str) -> bool {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        frame.hash(&mut hasher);
        let h = hasher.finish();
        if self.hashes.contains(&h) {
            return true;
        }
        if self.hashes.len() == RECENT_FRAMES {
            self.hashes.pop_front();
        }
        self.hashes.push_back(h);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_deliveries_in_the_recorded_session_are_dropped() {
        let path = format!(
            "{}/tests/fixtures/ari/recorded_session.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).unwrap();
        let mut recent = RecentFrames::default();
        let kept: Vec<&str> = text.lines().filter(|l| !recent.seen(l)).collect();
        let dtmf: Vec<String> = kept
            .iter()
            .filter_map(|l| match AriEvent::parse(l).unwrap() {
                AriEvent::ChannelDtmfReceived { digit, .. } => Some(digit),
                _ => None,
            })
            .collect();
        assert_eq!(dtmf, ["1", "2", "#"]);
        let stasis_starts = kept
            .iter()
            .filter(|l| l.contains("\"StasisStart\""))
            .count();
        assert_eq!(stasis_starts, 1);
    }

    #[test]
    fn backoff_grows_to_the_cap_with_jitter() {
        let config = WsConfig::default();
        let mut d = config.backoff_start;
        let mut seen = Vec::new();
        for _ in 0..10 {
            d = next_backoff(d, &config);
            seen.push(d);
        }
        assert!(seen[0] >= Duration::from_millis(160) && seen[0] <= Duration::from_millis(240));
        assert!(seen.iter().all(|d| *d <= config.backoff_cap.mul_f64(1.2)));
        assert!(seen[9] >= config.backoff_cap.mul_f64(0.8));
    }
}
