//! The call engine: takes events from the websocket, keeps the live registry current, and
//! routes each event to its call's task over an mpsc so a call sees its events in order.
//! A task is spawned per StasisStart by the [`Flow`] named in the Stasis arguments
//! (`Stasis(app,<flow>,<endpoint>[,<digits>])`).
//!
//! The dispatcher never awaits I/O: after every (re)connect a resync task of its own
//! subscribes again and lists channels and endpoints (Asterisk replays nothing) while the
//! dispatcher goes on routing events to calls. Only the live registry's updates are held
//! back from the moment the listing is asked for until it is applied, then replayed on top
//! of it, so the listing never overwrites a newer event. Channels found in our app without a
//! task (after a grace period for a StasisStart still queued) belong to the old connection or
//! to an eventpbx that restarted: their flow may adopt them ([`Flow::adopt`]); the others are
//! hung up cleanly, since their events are lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::call::{self, Call, CallEnv, TaskEnd};
use super::conference::Conferences;
pub use super::engine_config::EngineConfig;
pub use super::flows::{standard_flows, standard_flows_with, Flow, Flows};
use super::live::LiveRegistry;
use super::resync::{self, Resync};
use super::ring_test::RingTests;
use crate::ari::ws::{self, ConnectionState, WsMessage};
use crate::ari::{AriClient, AriEvent, Channel};
use crate::config::Settings;
use crate::db::Db;

/// Queue length per call: a call gets a handful of events per second.
const CALL_QUEUE: usize = 256;

/// How long after the listing a channel in our app may still get its StasisStart from the
/// queue before it counts as an orphan of the old connection. The queue is worked through in
/// well under this; the orphan only waits this much longer in silence.
const ORPHAN_GRACE: Duration = Duration::from_secs(2);

/// After a failed listing of the channels to follow, how long until the next try.
const FOLLOW_RETRY: Duration = Duration::from_secs(2);

/// The running engine's handles.
#[derive(Clone)]
pub struct Engine {
    /// Live state for operators.
    pub live: LiveRegistry,
    /// The websocket's state.
    pub connection: watch::Receiver<ConnectionState>,
    /// REST client (for operator actions such as hang-up).
    pub client: AriClient,
    /// The "ring me" test calls and their outcomes.
    pub ring_tests: RingTests,
    /// Who is in which conference room now.
    pub conferences: Conferences,
}

/// Starts the websocket and the dispatcher with the [`standard_flows`] under `tracker`; they
/// stop on `cancel`.
pub fn start(
    settings: Arc<Settings>,
    db: Db,
    client: AriClient,
    config: EngineConfig,
    tracker: &TaskTracker,
    cancel: CancellationToken,
) -> Engine {
    let conferences = Conferences::default();
    let flows = standard_flows_with(config.timing, conferences.clone());
    let engine = start_with_flows(settings, db, client, config, flows, tracker, cancel);
    Engine {
        conferences,
        ..engine
    }
}

/// Like [`start`], with the given flows instead of the standard ones.
pub fn start_with_flows(
    settings: Arc<Settings>,
    db: Db,
    client: AriClient,
    config: EngineConfig,
    flows: Flows,
    tracker: &TaskTracker,
    cancel: CancellationToken,
) -> Engine {
    let (tx, rx) = mpsc::unbounded_channel();
    let (state_tx, state_rx) = watch::channel(ConnectionState::default());
    let (registrations, registrations_rx) = mpsc::unbounded_channel();
    let live =
        LiveRegistry::with_presence_feed(registrations).masking_code(&settings.codes.register);
    tracker.spawn(super::presence::run(
        db.clone(),
        registrations_rx,
        cancel.clone(),
    ));
    let url = client.events_url(&settings.ari.app);
    tracker.spawn(ws::run(url, config.ws, tx, state_tx, cancel.clone()));
    let env = CallEnv::new(client.clone(), db, settings.clone());
    let (resync_tx, resync_rx) = mpsc::unbounded_channel();
    let ring_tests = RingTests::new(&settings.ari.app);
    let dispatcher = Dispatcher {
        ring_tests: ring_tests.clone(),
        env,
        app: settings.ari.app.clone(),
        live: live.clone(),
        flows,
        calls: HashMap::new(),
        tracker: tracker.clone(),
        cancel: cancel.clone(),
        calls_cancel: cancel.child_token(),
        resync_cancel: cancel.child_token(),
        resync_tx,
        generation: 0,
        held: None,
        orphan_candidates: Vec::new(),
        orphans_at: tokio::time::Instant::now(),
        watchers: live.watchers(),
        follow: Following::default(),
        follow_linger: config.follow_linger,
    };
    tracker.spawn(dispatcher.run(rx, resync_rx, state_rx.clone()));
    Engine {
        live,
        connection: state_rx,
        client,
        ring_tests,
        conferences: Conferences::default(),
    }
}

/// A running call as the dispatcher sees it.
struct CallHandle {
    events: mpsc::Sender<AriEvent>,
    /// Cancels this call alone (its flow is stopped and its channel hung up).
    stop: CancellationToken,
}

struct Dispatcher {
    env: CallEnv,
    ring_tests: RingTests,
    app: String,
    live: LiveRegistry,
    flows: Flows,
    calls: HashMap<String, CallHandle>,
    tracker: TaskTracker,
    cancel: CancellationToken,
    /// Cancels the call tasks of one connection.
    calls_cancel: CancellationToken,
    /// Cancels the resync task of one connection.
    resync_cancel: CancellationToken,
    resync_tx: mpsc::UnboundedSender<Resync>,
    /// Bumps on every connect and disconnect.
    generation: u64,
    /// Events for the live registry while a listing is outstanding (see the module doc);
    /// None otherwise. Bounded in time by the REST timeout of the listing.
    held: Option<Vec<AriEvent>>,
    /// Channels found in our app by the first listing after (re)connecting that had no task.
    orphan_candidates: Vec<Channel>,
    /// When the candidates without a task by then are adopted or hung up.
    orphans_at: tokio::time::Instant,
    /// How many readers need every channel.
    watchers: watch::Receiver<usize>,
    follow: Following,
    follow_linger: Duration,
}

/// Whether the engine follows every channel on this connection (see `channel_watch`).
#[derive(Debug, Default)]
struct Following {
    /// The connection's first listing is applied: following may start.
    ready: bool,
    /// Subscribed to all channels, and the registry follows them.
    on: bool,
    /// A follow or unfollow task is under way; the next change waits for it.
    busy: bool,
    /// Until when to keep following after the last reader let go.
    linger_until: Option<tokio::time::Instant>,
    /// Readers of the channels, as last seen.
    readers: usize,
}

impl Dispatcher {
    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<WsMessage>,
        mut resync: mpsc::UnboundedReceiver<Resync>,
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
                    Some(WsMessage::Connected) => self.on_connected(),
                    Some(WsMessage::Disconnected) => self.on_disconnected(),
                    Some(WsMessage::Event(event)) => self.on_event(*event),
                },
                Some(msg) = resync.recv() => self.on_resync(msg),
                _ = tokio::time::sleep_until(self.orphans_at), if !self.orphan_candidates.is_empty() => {
                    self.settle_orphans();
                }
                changed = self.watchers.changed() => {
                    if changed.is_err() { break; }
                    let readers = *self.watchers.borrow_and_update();
                    self.follow.readers = readers;
                    self.follow.linger_until = (readers == 0)
                        .then(|| tokio::time::Instant::now() + self.follow_linger);
                    self.reconcile_following();
                }
                _ = sleep_until_some(self.follow.linger_until) => {
                    self.follow.linger_until = None;
                    self.reconcile_following();
                }
            }
        }
        self.calls_cancel.cancel();
        self.resync_cancel.cancel();
    }

    fn on_disconnected(&mut self) {
        self.generation += 1;
        // Subscriptions stay with Asterisk; the next resync takes back the channel one.
        self.follow = Following {
            linger_until: self.follow.linger_until,
            readers: self.follow.readers,
            ..Following::default()
        };
        self.resync_cancel.cancel();
        self.resync_cancel = self.cancel.child_token();
        // set_connection clears the registry's channels; the next listing fills it again.
        self.held = None;
        // The next connection lists channels afresh.
        self.orphan_candidates.clear();
        // Events of these calls are lost from now on; their tasks cannot go on correctly.
        self.calls_cancel.cancel();
        self.calls_cancel = self.cancel.child_token();
        self.calls.clear();
    }

    fn on_connected(&mut self) {
        self.generation += 1;
        self.follow = Following {
            linger_until: self.follow.linger_until,
            readers: self.follow.readers,
            ..Following::default()
        };
        self.resync_cancel.cancel();
        self.resync_cancel = self.cancel.child_token();
        // Until the first listing is applied, what the registry would get is held for it.
        self.held = Some(Vec::new());
        let task = resync::resync(
            self.env.client.clone(),
            self.app.clone(),
            self.generation,
            self.resync_tx.clone(),
        );
        self.spawn_for_connection(task);
    }

    /// Runs `task` until it ends or this connection is lost.
    fn spawn_for_connection(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let cancel = self.resync_cancel.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = task => {}
            }
        });
    }

    /// Starts following every channel when someone needs them, and stops once nobody has
    /// for the linger time; one subscription change at a time.
    fn reconcile_following(&mut self) {
        if !self.follow.ready || self.follow.busy {
            return;
        }
        // `readers` as last seen with its change: the count may already be lower, but its
        // linger starts only when the change is seen.
        let wanted = self.follow.readers > 0 || self.follow.linger_until.is_some();
        let (client, app, generation, tx) = (
            self.env.client.clone(),
            self.app.clone(),
            self.generation,
            self.resync_tx.clone(),
        );
        if wanted && !self.follow.on {
            self.follow.busy = true;
            self.spawn_for_connection(resync::follow(client, app, generation, tx));
        } else if !wanted && self.follow.on {
            self.follow.busy = true;
            self.follow.on = false;
            self.live.unfollow_channels();
            let task = resync::unfollow(client, app, generation, tx, Duration::ZERO);
            self.spawn_for_connection(task);
        }
    }

    fn on_resync(&mut self, msg: Resync) {
        match msg {
            Resync::Listing { generation, ack } if generation == self.generation => {
                self.held.get_or_insert_with(Vec::new);
                let _ = ack.send(());
            }
            // A lost connection's task: dropping the ack stops it.
            Resync::Listing { .. } => {}
            Resync::Listed {
                generation,
                channels,
                endpoints,
                first,
            } if generation == self.generation => {
                let held = self.held.take().unwrap_or_default();
                if first {
                    self.live.reload(None, &endpoints.unwrap_or_default());
                    self.note_orphans(channels.unwrap_or_default());
                } else if let Some(endpoints) = endpoints {
                    self.live.reload(None, &endpoints);
                }
                for event in &held {
                    self.live.apply(event);
                }
                self.follow.ready = true;
                self.reconcile_following();
            }
            Resync::Listed { .. } => {}
            Resync::Followed {
                generation,
                channels,
            } if generation == self.generation => {
                let held = self.held.take().unwrap_or_default();
                self.follow.busy = false;
                match channels {
                    Some(channels) => {
                        self.live.follow_channels(&channels);
                        self.follow.on = true;
                        for event in &held {
                            self.live.apply(event);
                        }
                        self.reconcile_following();
                    }
                    // Subscribed but not listed: take the subscription back after a pause,
                    // then follow again if someone still needs the channels.
                    None => {
                        self.follow.busy = true;
                        let task = resync::unfollow(
                            self.env.client.clone(),
                            self.app.clone(),
                            self.generation,
                            self.resync_tx.clone(),
                            FOLLOW_RETRY,
                        );
                        self.spawn_for_connection(task);
                    }
                }
            }
            Resync::Unfollowed { generation } if generation == self.generation => {
                self.follow.busy = false;
                self.reconcile_following();
            }
            Resync::Followed { .. } | Resync::Unfollowed { .. } => {}
        }
    }

    /// A channel listed in our app may be an orphan of the old connection, or a new call
    /// whose StasisStart already came over the new websocket and waits in our queue. Only
    /// what still has no task once the queue has been worked through (ORPHAN_GRACE) is one.
    fn note_orphans(&mut self, channels: Vec<Channel>) {
        let prefix = format!("{},", self.app);
        self.orphan_candidates = channels
            .into_iter()
            .filter(|ch| {
                ch.dialplan.app_name == "Stasis"
                    && ch.dialplan.app_data.starts_with(&prefix)
                    && !self.calls.contains_key(&ch.id)
            })
            .collect();
        self.orphans_at = tokio::time::Instant::now() + ORPHAN_GRACE;
    }

    /// The listed channels that got no task since: each flow may adopt its own; the rest
    /// are hung up (in tasks of their own: the dispatcher does not wait on REST).
    fn settle_orphans(&mut self) {
        for channel in std::mem::take(&mut self.orphan_candidates) {
            if self.calls.contains_key(&channel.id) {
                continue;
            }
            // app_data is `<app>,<flow>,<endpoint>[,<digits>]`; the digits may be a token,
            // so only the flow and the channel id are ever logged.
            let mut args = channel
                .dialplan
                .app_data
                .split(',')
                .skip(1)
                .map(str::to_string);
            let flow_name = args.next().unwrap_or_default();
            let endpoint = args.next().unwrap_or_default();
            if let Some(flow) = self.flows.get(&flow_name).cloned() {
                let (tx, rx) = mpsc::channel(CALL_QUEUE);
                let stop = self.calls_cancel.child_token();
                let call = Call::new(
                    self.env.clone(),
                    channel.id.clone(),
                    endpoint,
                    rx,
                    stop.clone(),
                );
                let ended = call.ended_flag();
                if let Some(run) = flow.adopt(call, &channel) {
                    tracing::info!(flow = %flow_name, channel = %channel.id, "call left in our app adopted by its flow");
                    let max = flow.max_len(&self.env.settings);
                    self.supervise(run, max, ended, &channel.id, &flow_name, stop.clone());
                    self.calls
                        .insert(channel.id.clone(), CallHandle { events: tx, stop });
                    continue;
                }
            }
            let flow_name =
                crate::domain::mask_tokens(&self.env.settings.codes.register, &flow_name);
            tracing::warn!(flow = %flow_name, channel = %channel.id, "call left in our app while disconnected: hanging up");
            let client = self.env.client.clone();
            self.tracker.spawn(async move {
                let _ = client.hangup(&channel.id, "normal").await;
            });
        }
    }

    fn on_event(&mut self, event: AriEvent) {
        self.ring_tests.observe(&event);
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
        match &mut self.held {
            Some(held) => held.push(event.clone()),
            None => self.live.apply(&event),
        }
        if let AriEvent::StasisStart { args, channel, .. } = &event {
            self.spawn_call(args, &channel.id);
        }
        let Some(id) = event.channel_id() else {
            return;
        };
        let ends = matches!(
            event,
            AriEvent::StasisEnd { .. } | AriEvent::ChannelDestroyed { .. }
        );
        let Some(call) = self.calls.get(id) else {
            return;
        };
        let id = id.to_string();
        // try_send: the dispatcher never waits on a call.
        match call.events.try_send(event) {
            Ok(()) => {
                if ends {
                    self.calls.remove(&id);
                }
            }
            // The task finished (it hung up); late events of its channel go nowhere.
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.calls.remove(&id);
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Its events from here on would be lost, so the flow cannot go on correctly:
                // stopping it hangs its channel up.
                tracing::warn!(channel = %id, "call task not keeping up: stopping it and hanging up");
                if let Some(call) = self.calls.remove(&id) {
                    call.stop.cancel();
                }
            }
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
        let name = args.first().map(String::as_str).unwrap_or_default();
        let endpoint = args.get(1).cloned().unwrap_or_default();
        let digits = args.get(2).cloned().filter(|d| !d.is_empty());
        let Some(flow) = self.flows.get(name).cloned() else {
            // The arguments come from the dialplan, but a wrong one may carry digits.
            let name = crate::domain::mask_tokens(&self.env.settings.codes.register, name);
            tracing::warn!(flow = %name, channel = %channel_id, "unknown flow: hanging up");
            let client = self.env.client.clone();
            let id = channel_id.to_string();
            self.tracker.spawn(async move {
                let _ = client.hangup(&id, "normal").await;
            });
            return;
        };
        let (tx, rx) = mpsc::channel(CALL_QUEUE);
        let stop = self.calls_cancel.child_token();
        let call = Call::new(
            self.env.clone(),
            channel_id.to_string(),
            endpoint,
            rx,
            stop.clone(),
        );
        let ended = call.ended_flag();
        let max = flow.max_len(&self.env.settings);
        let run = flow.start(call, digits);
        self.supervise(run, max, ended, channel_id, name, stop.clone());
        self.calls
            .insert(channel_id.to_string(), CallHandle { events: tx, stop });
    }

    /// Runs `run` as the call of `channel_id` under [`call::supervise`].
    fn supervise(
        &self,
        run: BoxFuture<'static, ()>,
        max: Duration,
        ended: Arc<std::sync::atomic::AtomicBool>,
        channel_id: &str,
        flow: &str,
        stop: CancellationToken,
    ) {
        let client = self.env.client.clone();
        let id = channel_id.to_string();
        let flow_name = flow.to_string();
        self.tracker.spawn(async move {
            let hangup = || async {
                if let Err(e) = client.hangup(&id, "normal").await {
                    tracing::debug!(channel = %id, error = %e, "hangup after the flow failed");
                }
            };
            match call::supervise(run, max, ended, stop, hangup).await {
                TaskEnd::Returned | TaskEnd::Stopped => {}
                TaskEnd::TooLong => tracing::info!(
                    flow = %flow_name, channel = %id, max_secs = max.as_secs(),
                    "call reached its flow's maximum length: hung up"
                ),
                TaskEnd::Panicked => {
                    tracing::error!(flow = %flow_name, channel = %id, "call task panicked: hung up")
                }
            }
        });
    }
}

/// Sleeps until `at`, or forever when there is none.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
