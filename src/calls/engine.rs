//! The call engine: takes events from the websocket, keeps the live registry current, and
//! routes each event to its call's task over an mpsc so a call sees its events in order.
//! A task is spawned per StasisStart by the flow named in the Stasis arguments
//! (`Stasis(app,<flow>,<endpoint>[,<digits>])`).
//!
//! After every (re)connect it subscribes again and reloads channels and endpoints (Asterisk
//! replays nothing). Calls that were in our app while the connection was down cannot be
//! resumed (their events are lost), so they are hung up cleanly.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::call::{self, Call, CallEnv, TaskEnd};
use super::live::LiveRegistry;
use super::selfreg::Timing;
use super::{echo, info, register};
use crate::ari::ws::{self, ConnectionState, WsConfig, WsMessage};
use crate::ari::{AriClient, AriEvent};
use crate::config::Settings;
use crate::db::Db;

/// Queue length per call: a call gets a handful of events per second.
const CALL_QUEUE: usize = 256;

/// First pause before retrying a failed event subscription; it doubles up to the maximum.
const SUBSCRIBE_RETRY_FIRST: std::time::Duration = std::time::Duration::from_secs(2);
/// Longest pause between subscription attempts.
const SUBSCRIBE_RETRY_MAX: std::time::Duration = std::time::Duration::from_secs(60);

/// How long after (re)connecting a channel listed in our app may still get its StasisStart
/// from the queue before it counts as an orphan of the old connection. The queue is worked
/// through in well under this; the orphan only waits this much longer in silence.
const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The running engine's handles.
#[derive(Clone)]
pub struct Engine {
    /// Live state for operators.
    pub live: LiveRegistry,
    /// The websocket's state.
    pub connection: watch::Receiver<ConnectionState>,
    /// REST client (for operator actions such as hang-up).
    pub client: AriClient,
}

/// Tunables, so tests can shorten timeouts.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineConfig {
    pub ws: WsConfig,
    pub timing: Timing,
}

/// Starts the websocket and the dispatcher under `tracker`; they stop on `cancel`.
pub fn start(
    settings: Arc<Settings>,
    db: Db,
    client: AriClient,
    config: EngineConfig,
    tracker: &TaskTracker,
    cancel: CancellationToken,
) -> Engine {
    let (tx, rx) = mpsc::unbounded_channel();
    let (state_tx, state_rx) = watch::channel(ConnectionState::default());
    let (registrations, registrations_rx) = mpsc::unbounded_channel();
    let live =
        LiveRegistry::with_registration_feed(registrations).masking_code(&settings.codes.register);
    tracker.spawn(super::registration_feed::run(
        db.clone(),
        registrations_rx,
        cancel.clone(),
    ));
    let url = client.events_url(&settings.ari.app);
    tracker.spawn(ws::run(url, config.ws, tx, state_tx, cancel.clone()));
    let env = CallEnv::new(client.clone(), db, settings.clone());
    let dispatcher = Dispatcher {
        env,
        app: settings.ari.app.clone(),
        live: live.clone(),
        calls: HashMap::new(),
        tracker: tracker.clone(),
        cancel: cancel.clone(),
        calls_cancel: cancel.child_token(),
        timing: config.timing,
        connected: false,
        subscribed: false,
        subscribe_failures: 0,
        subscribe_retry_at: tokio::time::Instant::now(),
        orphan_candidates: Vec::new(),
        orphans_at: tokio::time::Instant::now(),
    };
    tracker.spawn(dispatcher.run(rx, state_rx.clone()));
    Engine {
        live,
        connection: state_rx,
        client,
    }
}

struct Dispatcher {
    env: CallEnv,
    app: String,
    live: LiveRegistry,
    calls: HashMap<String, mpsc::Sender<AriEvent>>,
    tracker: TaskTracker,
    cancel: CancellationToken,
    /// Cancels the call tasks of one connection.
    calls_cancel: CancellationToken,
    timing: Timing,
    connected: bool,
    /// Whether this connection's event subscription succeeded; events of channels outside our
    /// app and of endpoints come only with it.
    subscribed: bool,
    /// Failed subscription attempts in a row, for the retry pause and for logging only once.
    subscribe_failures: u32,
    subscribe_retry_at: tokio::time::Instant,
    /// Channels found in our app after (re)connecting that had no task yet; see
    /// [`Dispatcher::on_connected`].
    orphan_candidates: Vec<String>,
    /// When the candidates without a task by then are hung up.
    orphans_at: tokio::time::Instant,
}

impl Dispatcher {
    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<WsMessage>,
        mut state: watch::Receiver<ConnectionState>,
    ) {
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                changed = state.changed() => {
                    if changed.is_err() { break; }
                    let s = state.borrow_and_update().clone();
                    self.live.set_connection(s);
                }
                msg = rx.recv() => match msg {
                    None => break,
                    Some(WsMessage::Connected) => self.on_connected().await,
                    Some(WsMessage::Disconnected) => self.on_disconnected(),
                    Some(WsMessage::Event(event)) => self.on_event(*event),
                },
                _ = tokio::time::sleep_until(self.orphans_at), if !self.orphan_candidates.is_empty() => {
                    self.hang_up_orphans().await;
                }
                _ = tokio::time::sleep_until(self.subscribe_retry_at), if !self.subscribed && self.connected => {
                    self.subscribe().await;
                    if self.subscribed {
                        if let Ok(endpoints) = self.env.client.endpoints().await {
                            let channels = self.env.client.channels().await.unwrap_or_default();
                            self.live.reload(&channels, &endpoints);
                        }
                    }
                }
            }
        }
        self.calls_cancel.cancel();
    }

    fn on_disconnected(&mut self) {
        self.connected = false;
        // Asterisk forgets an app's subscriptions with its websocket.
        self.subscribed = false;
        // The next connection lists channels afresh.
        self.orphan_candidates.clear();
        // Events of these calls are lost from now on; their tasks cannot go on correctly.
        self.calls_cancel.cancel();
        self.calls_cancel = self.cancel.child_token();
        self.calls.clear();
    }

    async fn on_connected(&mut self) {
        self.connected = true;
        self.subscribe_failures = 0;
        self.subscribe().await;
        let client = &self.env.client;
        let channels = client.channels().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "listing channels after connect failed");
            Vec::new()
        });
        let endpoints = client.endpoints().await.unwrap_or_default();
        self.live.reload(&channels, &endpoints);
        let prefix = format!("{},", self.app);
        // A channel listed in our app may be an orphan of the old connection, or a new call
        // whose StasisStart already came over the new websocket and waits in our queue
        // behind this very handler. Only what still has no task once the queue has been
        // worked through (ORPHAN_GRACE) is an orphan.
        self.orphan_candidates = channels
            .into_iter()
            .filter(|ch| {
                ch.dialplan.app_name == "Stasis" && ch.dialplan.app_data.starts_with(&prefix)
            })
            .map(|ch| ch.id)
            .filter(|id| !self.calls.contains_key(id))
            .collect();
        self.orphans_at = tokio::time::Instant::now() + ORPHAN_GRACE;
    }

    /// Hangs up the channels listed in our app after connecting that got no task since.
    async fn hang_up_orphans(&mut self) {
        for id in std::mem::take(&mut self.orphan_candidates) {
            if self.calls.contains_key(&id) {
                continue;
            }
            tracing::warn!(channel = %id, "call left in our app while disconnected: hanging up");
            let _ = self.env.client.hangup(&id, "normal").await;
        }
    }

    /// Subscribes to all channels and all endpoints. `endpoint:` without a technology is
    /// Asterisk's "every endpoint" source and exists from the start, whereas `endpoint:PJSIP`
    /// names the PJSIP technology endpoint, which Asterisk creates only with the first PJSIP
    /// endpoint it loads: until then it answers 422 "Event source does not exist" (and fails
    /// the channel source in the same request). The live registry drops other technologies.
    /// A failure is retried with a growing pause and logged once as a warning, then at debug.
    async fn subscribe(&mut self) {
        match self
            .env
            .client
            .subscribe(&self.app, &["channel:", "endpoint:"])
            .await
        {
            Ok(()) => {
                if self.subscribe_failures > 0 {
                    tracing::info!("subscribed to channel and endpoint events");
                }
                self.subscribed = true;
                self.subscribe_failures = 0;
            }
            Err(e) => {
                self.subscribed = false;
                if self.subscribe_failures == 0 {
                    tracing::warn!(error = %e, "subscribing to channel and endpoint events failed; retrying");
                } else {
                    tracing::debug!(error = %e, attempt = self.subscribe_failures + 1, "subscribing still fails");
                }
                let pause = SUBSCRIBE_RETRY_FIRST
                    .saturating_mul(1 << self.subscribe_failures.min(5))
                    .min(SUBSCRIBE_RETRY_MAX);
                self.subscribe_failures = self.subscribe_failures.saturating_add(1);
                self.subscribe_retry_at = tokio::time::Instant::now() + pause;
            }
        }
    }

    fn on_event(&mut self, event: AriEvent) {
        if let AriEvent::ContactStatusChange {
            contact_info,
            timestamp,
            ..
        } = &event
        {
            if contact_info.contact_status == "Removed" {
                self.forget_removed_contact(&contact_info.aor, &contact_info.uri, timestamp);
            }
        }
        self.live.apply(&event);
        if let AriEvent::StasisStart { args, channel, .. } = &event {
            self.spawn_call(args, &channel.id);
        }
        let Some(id) = event.channel_id().map(str::to_string) else {
            return;
        };
        let ends = matches!(
            event,
            AriEvent::StasisEnd { .. } | AriEvent::ChannelDestroyed { .. }
        );
        if let Some(sender) = self.calls.get(&id) {
            // try_send: the dispatcher never waits on a call.
            match sender.try_send(event) {
                Ok(()) => {}
                // The task finished (it hung up); late events of its channel go nowhere.
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.calls.remove(&id);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(channel = %id, "call task not keeping up; dropping it");
                    self.calls.remove(&id);
                }
            }
        }
        if ends {
            self.calls.remove(&id);
        }
    }

    /// Deletes the row of a contact Asterisk reports removed, which its realtime delete left
    /// behind (see `db::pjsip::forget_removed_contact`). Runs beside the dispatcher, which
    /// never waits on the database; each deletion is dated by its own event, so their order
    /// does not matter.
    fn forget_removed_contact(&self, aor: &str, uri: &str, timestamp: &str) {
        let Some(removed_at_ms) = crate::ari::events::parse_ari_time_ms(timestamp) else {
            tracing::warn!(%aor, "a contact removal without a readable timestamp: row kept");
            return;
        };
        let (db, aor, uri) = (self.env.db.clone(), aor.to_string(), uri.to_string());
        tokio::spawn(async move {
            let a = aor.clone();
            match db
                .write(move |tx| {
                    crate::db::pjsip::forget_removed_contact(tx, &a, &uri, removed_at_ms)
                })
                .await
            {
                Ok(n) => tracing::debug!(%aor, rows = n, "removed contact deleted"),
                Err(e) => tracing::warn!(%aor, error = %e, "deleting a removed contact failed"),
            }
        });
    }

    fn spawn_call(&mut self, args: &[String], channel_id: &str) {
        let (tx, rx) = mpsc::channel(CALL_QUEUE);
        let flow = args.first().map(String::as_str).unwrap_or_default();
        let endpoint = args.get(1).cloned().unwrap_or_default();
        let digits = args.get(2).cloned().filter(|d| !d.is_empty());
        let call = Call::new(
            self.env.clone(),
            channel_id.to_string(),
            endpoint,
            rx,
            self.calls_cancel.child_token(),
        );
        let timing = self.timing;
        let limits = &self.env.settings.calls;
        let secs = |n: u32| std::time::Duration::from_secs(u64::from(n));
        let ended = call.ended_flag();
        let (run, max): (futures_util::future::BoxFuture<'static, ()>, _) = match flow {
            "echo" => (Box::pin(echo::run(call)), secs(limits.max_echo_secs)),
            "info" => (Box::pin(info::run(call)), secs(limits.max_info_secs)),
            "register" => (
                Box::pin(register::run(call, digits, timing)),
                secs(limits.max_register_secs),
            ),
            other => {
                // The arguments come from the dialplan, but a wrong one may carry digits.
                let flow = crate::domain::mask_tokens(&self.env.settings.codes.register, other);
                tracing::warn!(%flow, channel = %channel_id, "unknown flow: hanging up");
                let client = self.env.client.clone();
                let id = channel_id.to_string();
                self.tracker.spawn(async move {
                    let _ = client.hangup(&id, "normal").await;
                });
                return;
            }
        };
        let client = self.env.client.clone();
        let id = channel_id.to_string();
        let flow_name = flow.to_string();
        self.tracker.spawn(async move {
            let hangup = || async {
                if let Err(e) = client.hangup(&id, "normal").await {
                    tracing::debug!(channel = %id, error = %e, "hangup after the flow failed");
                }
            };
            match call::supervise(run, max, ended, hangup).await {
                TaskEnd::Returned => {}
                TaskEnd::TooLong => tracing::info!(
                    flow = %flow_name, channel = %id, max_secs = max.as_secs(),
                    "call reached its flow's maximum length: hung up"
                ),
                TaskEnd::Panicked => {
                    tracing::error!(flow = %flow_name, channel = %id, "call task panicked: hung up")
                }
            }
        });
        self.calls.insert(channel_id.to_string(), tx);
    }
}
