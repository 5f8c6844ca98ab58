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

use super::call::{Call, CallEnv};
use super::live::LiveRegistry;
use super::selfreg::Timing;
use super::{echo, info, register};
use crate::ari::ws::{self, ConnectionState, WsConfig, WsMessage};
use crate::ari::{AriClient, AriEvent};
use crate::config::Settings;
use crate::db::Db;

/// Queue length per call: a call gets a handful of events per second.
const CALL_QUEUE: usize = 256;

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
        endpoints_subscribed: false,
        endpoints_retry_at: tokio::time::Instant::now(),
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
    endpoints_subscribed: bool,
    endpoints_retry_at: tokio::time::Instant,
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
                _ = tokio::time::sleep_until(self.endpoints_retry_at), if !self.endpoints_subscribed && self.connected => {
                    self.subscribe_endpoints().await;
                    if self.endpoints_subscribed {
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
        // Events of these calls are lost from now on; their tasks cannot go on correctly.
        self.calls_cancel.cancel();
        self.calls_cancel = self.cancel.child_token();
        self.calls.clear();
    }

    async fn on_connected(&mut self) {
        self.connected = true;
        let client = &self.env.client;
        if let Err(e) = client
            .subscribe(&self.app, &["channel:", "endpoint:PJSIP"])
            .await
        {
            tracing::error!(error = %e, "subscribing to channel and endpoint events failed");
        }
        let channels = client.channels().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "listing channels after connect failed");
            Vec::new()
        });
        let endpoints = client.endpoints().await.unwrap_or_default();
        self.live.reload(&channels, &endpoints);
        let prefix = format!("{},", self.app);
        for ch in channels {
            let ours =
                ch.dialplan.app_name == "Stasis" && ch.dialplan.app_data.starts_with(&prefix);
            if ours && !self.calls.contains_key(&ch.id) {
                tracing::warn!(channel = %ch.id, "call left in our app while disconnected: hanging up");
                let _ = client.hangup(&ch.id, "normal").await;
            }
        }
    }

    /// Subscribes to PJSIP endpoint events; until that works it is retried every 2 s.
    async fn subscribe_endpoints(&mut self) {
        match self
            .env
            .client
            .subscribe(&self.app, &["endpoint:PJSIP"])
            .await
        {
            Ok(()) => self.endpoints_subscribed = true,
            Err(e) => {
                self.endpoints_subscribed = false;
                self.endpoints_retry_at =
                    tokio::time::Instant::now() + std::time::Duration::from_secs(2);
                tracing::info!(error = %e, "endpoint events not available yet; will retry");
            }
        }
    }

    fn on_event(&mut self, event: AriEvent) {
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
        match flow {
            "echo" => {
                self.tracker.spawn(echo::run(call));
            }
            "info" => {
                self.tracker.spawn(info::run(call));
            }
            "register" => {
                self.tracker.spawn(register::run(call, digits, timing));
            }
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
        }
        self.calls.insert(channel_id.to_string(), tx);
    }
}
