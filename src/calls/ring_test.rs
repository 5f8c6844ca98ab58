//! Ring tests: the "ring me" button of the "why didn't it ring?" page. eventpbx originates a
//! short call into its own application, to the number through its route or to one phone
//! directly; the dispatcher feeds every event of such a channel to [`RingTests::observe`], so
//! the page can show the outcome live (ringing, answered, busy, not registered, no answer).
//! Once answered, the `ring-test` flow says so and hangs up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::time::Instant;

use super::call::Call;
use super::flows::Flow;
use crate::ari::{AriClient, AriError, AriEvent, Originate};
use crate::config::Settings;
use crate::domain::history::Cause;
use crate::domain::ring_test::{RingState, RingTarget};
use crate::domain::{Number, CONTEXT_EXTENSIONS};

/// The prefix of every ring test's channel id: the dispatcher looks only at these.
pub const CHANNEL_PREFIX: &str = "epbx-ring-";
/// The flow an answered test runs (the Stasis argument the originate gives it).
pub const FLOW: &str = "ring-test";
/// How long a test rings before it counts as not answered: long enough for a person to
/// reach the phone, short enough for the help desk to wait for.
pub const RING_SECS: u32 = 20;
/// The longest an answered test lasts (its message is a few seconds).
pub const MAX_ANSWERED: Duration = Duration::from_secs(15);
/// How long an outcome stays readable after its test started.
const KEEP: Duration = Duration::from_secs(10 * 60);
/// Tests under way at once, over the whole system: a button must never become a flood.
pub const MAX_RUNNING: usize = 10;

/// One test call.
#[derive(Debug, Clone)]
pub struct RingTest {
    pub id: String,
    pub target: RingTarget,
    /// The user who pressed the button (only they and the help desk read the outcome).
    pub requested_by: i64,
    /// Unix seconds.
    pub started_at: i64,
    pub state: RingState,
    /// The last Dial status Asterisk reported for the test's channel.
    dialled: Option<String>,
    started: Instant,
}

/// Why a test did not start. The texts are shown as they are.
#[derive(Debug, thiserror::Error)]
pub enum RingTestError {
    #[error("a test call to {0} is already under way: wait for its outcome")]
    AlreadyRunning(Number),
    #[error("{MAX_RUNNING} test calls are under way already: try again in a minute")]
    TooMany,
    #[error("Asterisk refused the test call: {0}")]
    Asterisk(#[from] AriError),
}

/// The tests of the last few minutes, shared by the dispatcher and the web pages.
#[derive(Debug, Clone)]
pub struct RingTests {
    tests: Arc<Mutex<HashMap<String, RingTest>>>,
    /// Our Stasis application, where an answered test goes.
    app: Arc<str>,
}

impl RingTests {
    /// No tests yet; answered ones enter the Stasis application `app`.
    pub fn new(app: &str) -> RingTests {
        RingTests {
            tests: Arc::default(),
            app: app.into(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, RingTest>> {
        // A panic while holding the map leaves plain values behind, still consistent.
        self.tests.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One test, while it is kept.
    pub fn get(&self, id: &str) -> Option<RingTest> {
        self.lock().get(id).cloned()
    }

    /// Starts a test call for `requested_by`: rings `target` for [`RING_SECS`].
    pub async fn start(
        &self,
        client: &AriClient,
        target: RingTarget,
        requested_by: i64,
    ) -> Result<String, RingTestError> {
        let id = self.begin(target.clone(), requested_by)?;
        let number = target.number().as_str().to_string();
        let endpoint = match &target {
            RingTarget::Route(n) => format!("Local/{}@{CONTEXT_EXTENSIONS}", n.as_str()),
            RingTarget::Phone { endpoint, .. } => format!("PJSIP/{endpoint}"),
        };
        let o = Originate {
            endpoint,
            channel_id: id.clone(),
            app: self.app.to_string(),
            app_args: vec![FLOW.to_string(), String::new()],
            // What the phone shows: a fixed name and the number under test, no user text.
            caller_id: Some(format!("\"Ring test\" <{number}>")),
            timeout: RING_SECS,
        };
        match client.originate(&o).await {
            Ok(_) => Ok(id),
            // Asterisk cannot even make the channel of a device with no registration (500
            // "Allocation failed"): that is the test's answer, not a failure to test.
            Err(AriError::UnexpectedStatus { status: 500, .. })
                if matches!(target, RingTarget::Phone { .. }) =>
            {
                if let Some(t) = self.lock().get_mut(&id) {
                    t.state = RingState::Failed(Cause::NotRegistered);
                }
                Ok(id)
            }
            Err(e) => {
                self.lock().remove(&id);
                Err(e.into())
            }
        }
    }

    /// Registers a test about to be originated, within the limits.
    fn begin(&self, target: RingTarget, requested_by: i64) -> Result<String, RingTestError> {
        let mut tests = self.lock();
        tests.retain(|_, t| t.started.elapsed() < KEEP);
        let running: Vec<&RingTest> = tests.values().filter(|t| !t.state.is_final()).collect();
        if running.iter().any(|t| t.target.number() == target.number()) {
            return Err(RingTestError::AlreadyRunning(target.number().clone()));
        }
        if running.len() >= MAX_RUNNING {
            return Err(RingTestError::TooMany);
        }
        let id = format!(
            "{CHANNEL_PREFIX}{}",
            &crate::domain::secrets::hex256()[..24]
        );
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        tests.insert(
            id.clone(),
            RingTest {
                id: id.clone(),
                target,
                requested_by,
                started_at: now,
                state: RingState::Calling,
                dialled: None,
                started: Instant::now(),
            },
        );
        Ok(id)
    }

    /// Follows one event of a ring test's channel (the dispatcher's call, never waiting).
    pub fn observe(&self, event: &AriEvent) {
        let Some(id) = event.channel_id() else {
            return;
        };
        if !id.starts_with(CHANNEL_PREFIX) {
            return;
        }
        let mut tests = self.lock();
        let Some(test) = tests.get_mut(id) else {
            return;
        };
        tracing::debug!(test = %id, event = event.type_name(), "ring test event");
        test.state = match event {
            AriEvent::ChannelStateChange { channel } => test.state.on_channel_state(&channel.state),
            AriEvent::StasisStart { .. } => RingState::Answered,
            AriEvent::Dial { dialstatus, .. } => {
                if !dialstatus.is_empty() {
                    test.dialled = Some(dialstatus.clone());
                }
                test.state.on_dial(dialstatus)
            }
            AriEvent::ChannelDestroyed { cause, .. } => test.state.on_destroyed(
                *cause,
                test.dialled.as_deref(),
                test.started.elapsed().as_secs(),
                RING_SECS,
            ),
            _ => test.state,
        };
    }
}

/// The flow of an answered test: a short message, then the engine hangs up.
pub struct RingTestFlow;

impl Flow for RingTestFlow {
    fn start(&self, call: Call, _digits: Option<String>) -> BoxFuture<'static, ()> {
        Box::pin(run(call))
    }
    fn max_len(&self, _settings: &Settings) -> Duration {
        MAX_ANSWERED
    }
}

async fn run(mut call: Call) {
    let media = vec![call.env.prompt("ring-test"), call.env.prompt("goodbye")];
    call.play_and_wait(media).await;
    call.hangup().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ari::Channel;

    fn number(n: &str) -> Number {
        Number::parse(n).unwrap()
    }

    fn destroyed(id: &str, cause: i64) -> AriEvent {
        let channel: Channel = serde_json::from_value(serde_json::json!({
            "id": id, "name": "PJSIP/x-1", "state": "Ringing"
        }))
        .unwrap();
        AriEvent::ChannelDestroyed {
            channel,
            cause,
            cause_txt: String::new(),
        }
    }

    #[test]
    fn one_test_per_number_at_a_time() {
        let tests = RingTests::new("eventpbx");
        let first = tests.begin(RingTarget::Route(number("4711")), 1).unwrap();
        assert!(first.starts_with(CHANNEL_PREFIX));
        let again = tests.begin(RingTarget::Route(number("4711")), 2);
        assert!(matches!(again, Err(RingTestError::AlreadyRunning(_))));
        // Once the first has its outcome, the number may be tested again.
        tests.observe(&destroyed(&first, 17));
        assert_eq!(tests.get(&first).unwrap().state.code(), "busy");
        assert!(tests.begin(RingTarget::Route(number("4711")), 2).is_ok());
    }

    #[test]
    fn the_running_tests_are_limited() {
        let tests = RingTests::new("eventpbx");
        for i in 0..MAX_RUNNING {
            let n = number(&format!("{}", 4000 + i));
            tests.begin(RingTarget::Route(n), 1).unwrap();
        }
        let one_more = tests.begin(RingTarget::Route(number("5999")), 1);
        assert!(matches!(one_more, Err(RingTestError::TooMany)));
    }

    #[test]
    fn events_of_other_channels_change_nothing() {
        let tests = RingTests::new("eventpbx");
        let id = tests.begin(RingTarget::Route(number("4711")), 1).unwrap();
        tests.observe(&destroyed("1700000000.1", 17));
        tests.observe(&destroyed("epbx-ring-unknown", 17));
        assert_eq!(tests.get(&id).unwrap().state, RingState::Calling);
    }
}
