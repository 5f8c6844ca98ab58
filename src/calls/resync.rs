//! The engine's conversations with Asterisk about what to send, each in a task of its own so
//! the dispatcher never waits on REST: the resync after every (re)connect (event filter,
//! endpoint subscription, the listing of channels and endpoints), and following every
//! channel on and off as readers come and go (`channel_watch`).
//!
//! Asterisk counts subscriptions per source and keeps them across websocket connections and
//! across restarts of eventpbx (the application lives on in Asterisk while it has
//! subscriptions). So the resync first takes back every subscription to all channels that an
//! earlier connection left, and following subscribes once and unfollowing takes back until
//! Asterisk says none is left.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::ari::events::{Endpoint, HANDLED_TYPES};
use crate::ari::{AriClient, Channel};

/// First pause before retrying a failed event subscription; it doubles up to the maximum.
const SUBSCRIBE_RETRY_FIRST: Duration = Duration::from_secs(2);
/// Longest pause between subscription attempts.
const SUBSCRIBE_RETRY_MAX: Duration = Duration::from_secs(60);

/// Takes back at most this many subscriptions to all channels in one go: each connection of
/// an eventpbx that followed channels left one; more than this would mean something else
/// subscribes under our application's name.
const MAX_UNSUBSCRIBES: usize = 32;

/// All channels, as an ARI event source.
const ALL_CHANNELS: &str = "channel:";
/// All endpoints. `endpoint:` without a technology is Asterisk's "every endpoint" source and
/// exists from the start, whereas `endpoint:PJSIP` names the PJSIP technology endpoint,
/// which Asterisk creates only with the first PJSIP endpoint it loads: until then it answers
/// 422 "Event source does not exist". The live registry drops other technologies.
const ALL_ENDPOINTS: &str = "endpoint:";

/// What the resync and follow tasks tell the dispatcher. Each carries the connection's
/// generation, so a message from a connection already lost is ignored.
pub(super) enum Resync {
    /// The task is about to list channels (and endpoints): hold the live registry's updates
    /// from now on and acknowledge, so the listing is taken only once they are held.
    Listing {
        generation: u64,
        ack: oneshot::Sender<()>,
    },
    /// The listing after connecting (None where it failed). `first` is the one right after
    /// connecting, whose channels may be orphans. Channels are listed for the orphans; the
    /// registry follows them only once someone needs them ([`Resync::Followed`]).
    Listed {
        generation: u64,
        channels: Option<Vec<Channel>>,
        endpoints: Option<Vec<Endpoint>>,
        first: bool,
    },
    /// Subscribed to all channels, with the listing taken after that (None: listing failed,
    /// the registry does not follow them then).
    Followed {
        generation: u64,
        channels: Option<Vec<Channel>>,
    },
    /// No subscription to all channels is left.
    Unfollowed { generation: u64 },
}

/// One connection's resync: sets the event filter, takes back stale subscriptions to all
/// channels, subscribes to endpoints, lists channels and endpoints for the dispatcher, and
/// retries a refused subscription with a growing pause (listing again once it succeeds).
pub(super) async fn resync(
    client: AriClient,
    app: String,
    generation: u64,
    tx: mpsc::UnboundedSender<Resync>,
) {
    // Without the filter everything still works, only with more events per call.
    if let Err(e) = client.filter_events(&app, HANDLED_TYPES).await {
        tracing::warn!(error = %e, "setting the ARI event filter failed; all event types come");
    }
    unsubscribe_all_channels(&client, &app).await;
    keep_app_registered(&client, &app).await;
    let mut failures: u32 = 0;
    let mut first = true;
    loop {
        let subscribed = subscribe(&client, &app, ALL_ENDPOINTS, failures).await;
        if subscribed || first {
            let (ack, acked) = oneshot::channel();
            if tx.send(Resync::Listing { generation, ack }).is_err() || acked.await.is_err() {
                return;
            }
            let channels = match client.channels().await {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "listing channels after connect failed");
                    None
                }
            };
            let endpoints = client.endpoints().await.ok();
            let listed = Resync::Listed {
                generation,
                channels,
                endpoints,
                first,
            };
            if tx.send(listed).is_err() {
                return;
            }
            first = false;
        }
        if subscribed {
            return;
        }
        pause(&mut failures).await;
    }
}

/// Subscribes to all channels (retrying while Asterisk refuses), then lists them for the
/// registry, with its updates held from just before the listing.
pub(super) async fn follow(
    client: AriClient,
    app: String,
    generation: u64,
    tx: mpsc::UnboundedSender<Resync>,
) {
    let mut failures: u32 = 0;
    while !subscribe(&client, &app, ALL_CHANNELS, failures).await {
        pause(&mut failures).await;
    }
    let (ack, acked) = oneshot::channel();
    if tx.send(Resync::Listing { generation, ack }).is_err() || acked.await.is_err() {
        return;
    }
    let channels = match client.channels().await {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "listing channels to follow them failed");
            None
        }
    };
    let _ = tx.send(Resync::Followed {
        generation,
        channels,
    });
}

/// Takes back the subscription to all channels, after `pause`.
pub(super) async fn unfollow(
    client: AriClient,
    app: String,
    generation: u64,
    tx: mpsc::UnboundedSender<Resync>,
    pause: Duration,
) {
    tokio::time::sleep(pause).await;
    unsubscribe_all_channels(&client, &app).await;
    let _ = tx.send(Resync::Unfollowed { generation });
}

/// Takes back subscriptions to all channels until Asterisk refuses (none left).
async fn unsubscribe_all_channels(client: &AriClient, app: &str) {
    for taken in 0..MAX_UNSUBSCRIBES {
        if let Err(e) = client.unsubscribe(app, &[ALL_CHANNELS]).await {
            tracing::debug!(taken, answer = %e, "no subscription to all channels left");
            return;
        }
    }
    tracing::warn!(
        "{MAX_UNSUBSCRIBES} subscriptions to all channels taken back and still more: \
         does another program use this ARI application's name?"
    );
}

/// Subscribes to `source`. A failure is logged once as a warning (`failures` before this
/// one: 0), then at debug.
/// The bridge that keeps our Stasis application registered on the Asterisk between
/// connections.
pub const ANCHOR_BRIDGE: &str = "eventpbx-anchor";

/// Subscribes the application to an empty bridge of its own, so that Asterisk only
/// deactivates it when eventpbx disconnects and activates it again on the next connection.
/// Without a subscription Asterisk destroys the application and creates it anew; on Asterisk
/// 22.10 that, after conference bridges had been used, crashed Asterisk a few seconds later in
/// a destroyed application's message router (reproduced in the e2e suite with a core dump).
/// Calls still fail over while eventpbx is down: `Stasis()` refuses an inactive application
/// just as a missing one.
async fn keep_app_registered(client: &AriClient, app: &str) {
    let kept = match client.keep_holding_bridge(ANCHOR_BRIDGE).await {
        Ok(()) => {
            client
                .subscribe(app, &[&format!("bridge:{ANCHOR_BRIDGE}")])
                .await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = kept {
        tracing::warn!(error = %e, bridge = ANCHOR_BRIDGE, "could not keep the Stasis application registered between connections");
    }
}

async fn subscribe(client: &AriClient, app: &str, source: &str, failures: u32) -> bool {
    match client.subscribe(app, &[source]).await {
        Ok(()) => {
            if failures > 0 {
                tracing::info!(source, "subscribed");
            }
            true
        }
        Err(e) => {
            if failures == 0 {
                tracing::warn!(source, error = %e, "subscribing failed; retrying");
            } else {
                tracing::debug!(source, error = %e, attempt = failures + 1, "subscribing still fails");
            }
            false
        }
    }
}

/// Waits before the next subscription attempt, longer after each failure.
async fn pause(failures: &mut u32) {
    let pause = SUBSCRIBE_RETRY_FIRST
        .saturating_mul(1 << (*failures).min(5))
        .min(SUBSCRIBE_RETRY_MAX);
    *failures = failures.saturating_add(1);
    tokio::time::sleep(pause).await;
}
