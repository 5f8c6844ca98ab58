//! The flows eventpbx runs for channels in its Stasis application, by the name the dialplan
//! gives them (`Stasis(app,<flow>,...)`): what starts a call, how long it may last, and
//! whether it can carry on a call found after a restart.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::bind::machine::Timing;
use super::call::Call;
use super::conference::{self, Conferences};
use super::features::{self, Feature};
use super::{bind, echo, info};
use crate::ari::Channel;
use crate::config::Settings;

/// A flow eventpbx runs for channels in its Stasis application (`Stasis(app,<name>,...)`).
pub trait Flow: Send + Sync {
    /// Runs a call that just entered the app; `digits` are the Stasis argument after the
    /// endpoint, if any. The engine hangs the channel up however the future ends.
    fn start(&self, call: Call, digits: Option<String>) -> BoxFuture<'static, ()>;

    /// The longest a call of this flow may last before it is hung up.
    fn max_len(&self, settings: &Settings) -> Duration;

    /// A channel of this flow found in the app after a (re)connect or a restart of eventpbx,
    /// with no task: its StasisStart and whatever happened since are lost. Return a future
    /// that carries the call on from `channel`'s state (it then runs like [`Flow::start`]'s),
    /// or None to have it hung up. Flows whose state lives only in their task decline.
    fn adopt(&self, call: Call, channel: &Channel) -> Option<BoxFuture<'static, ()>> {
        let _ = (call, channel);
        None
    }
}

/// The flows by the name the dialplan gives them.
pub type Flows = HashMap<String, Arc<dyn Flow>>;

struct Echo;
impl Flow for Echo {
    fn start(&self, call: Call, _digits: Option<String>) -> BoxFuture<'static, ()> {
        Box::pin(echo::run(call))
    }
    fn max_len(&self, settings: &Settings) -> Duration {
        Duration::from_secs(u64::from(settings.calls.max_echo_secs))
    }
}

struct Info;
impl Flow for Info {
    fn start(&self, call: Call, _digits: Option<String>) -> BoxFuture<'static, ()> {
        Box::pin(info::run(call))
    }
    fn max_len(&self, settings: &Settings) -> Duration {
        Duration::from_secs(u64::from(settings.calls.max_info_secs))
    }
}

/// Declines adoption: a binding half entered is safer started again than guessed.
struct Register(Timing);
impl Flow for Register {
    fn start(&self, call: Call, digits: Option<String>) -> BoxFuture<'static, ()> {
        Box::pin(bind::task::run(call, digits, self.0))
    }
    fn max_len(&self, settings: &Settings) -> Duration {
        Duration::from_secs(u64::from(settings.calls.max_register_secs))
    }
}

/// A feature code (`group-toggle`, `forward`, `dnd`): a change and its spoken confirmation,
/// as short as an info call. Adopted after a restart without changing anything: whether the
/// change was made before it is unknown, so the caller hears how things stand now.
struct Features(Feature);
impl Flow for Features {
    fn start(&self, call: Call, digits: Option<String>) -> BoxFuture<'static, ()> {
        Box::pin(features::run(call, self.0, digits))
    }
    fn max_len(&self, settings: &Settings) -> Duration {
        Duration::from_secs(u64::from(settings.calls.max_info_secs))
    }
    fn adopt(&self, call: Call, channel: &Channel) -> Option<BoxFuture<'static, ()>> {
        // app_data is `<app>,<flow>,<endpoint>[,<digits>]`, written by the dialplan; the
        // digits are checked again before use.
        let digits = channel
            .dialplan
            .app_data
            .splitn(4, ',')
            .nth(3)
            .map(str::to_string);
        Some(Box::pin(features::resume(call, self.0, digits)))
    }
}

/// A conference room's participant (`calls::conference`). Adopted after a restart when its
/// channel is still in the room's bridge. Its maximum is the flow's own limit plus a margin:
/// the flow ends the stay itself, since a bridged channel is not hung up by the engine.
struct Conference(Conferences);
impl Flow for Conference {
    fn start(&self, call: Call, digits: Option<String>) -> BoxFuture<'static, ()> {
        Box::pin(conference::run(call, self.0.clone(), digits))
    }
    fn max_len(&self, settings: &Settings) -> Duration {
        Duration::from_secs(u64::from(settings.calls.max_conference_secs) + 60)
    }
    fn adopt(&self, call: Call, channel: &Channel) -> Option<BoxFuture<'static, ()>> {
        conference::adopt(call, self.0.clone(), channel)
    }
}

/// eventpbx's own flows: `echo`, `info`, `register`, the feature codes and the ring test;
/// conference rooms with a list of their own (see [`standard_flows_with`]).
pub fn standard_flows(timing: Timing) -> Flows {
    standard_flows_with(timing, Conferences::default())
}

/// The standard flows, conference rooms listed in `rooms`.
pub fn standard_flows_with(timing: Timing, rooms: Conferences) -> Flows {
    let mut flows: Flows = HashMap::new();
    flows.insert(conference::FLOW.into(), Arc::new(Conference(rooms)));
    flows.insert(
        "group-toggle".into(),
        Arc::new(Features(Feature::GroupToggle)),
    );
    flows.insert("forward".into(), Arc::new(Features(Feature::Forward)));
    flows.insert("dnd".into(), Arc::new(Features(Feature::Dnd)));
    flows.insert("echo".into(), Arc::new(Echo));
    flows.insert("info".into(), Arc::new(Info));
    flows.insert("register".into(), Arc::new(Register(timing)));
    flows.insert(
        super::ring_test::FLOW.into(),
        Arc::new(super::ring_test::RingTestFlow),
    );
    flows
}
