//! What every call task has: its channel, the caller's endpoint, ARI, the database, its own
//! event queue, and helpers to play prompts by name with ids it generates itself.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::ari::{AriClient, AriError, AriEvent};
use crate::config::Settings;
use crate::db::Db;

/// How long a call whose hangup was requested waits for its StasisEnd before hanging the
/// channel up itself.
const HANGUP_SETTLE: Duration = Duration::from_secs(1);

/// Shared by all call tasks.
#[derive(Clone)]
pub struct CallEnv {
    pub client: AriClient,
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Absolute folder of the prompts in the configured language.
    pub prompts: PathBuf,
}

impl CallEnv {
    /// Builds the environment; the prompt folder is made absolute because Asterisk resolves
    /// relative sound paths against its own sounds folder.
    pub fn new(client: AriClient, db: Db, settings: Arc<Settings>) -> CallEnv {
        let dir = std::path::absolute(&settings.prompts.sounds_dir)
            .unwrap_or_else(|_| settings.prompts.sounds_dir.clone());
        let prompts = dir.join(&settings.prompts.language);
        CallEnv {
            client,
            db,
            settings,
            prompts,
        }
    }

    /// The media URI of a prompt file (`sound:/abs/sounds/en/enter-token`).
    pub fn prompt(&self, name: &str) -> String {
        format!("sound:{}", self.prompts.join(name).display())
    }

    /// The media URI of one spoken digit.
    pub fn digit(&self, d: char) -> String {
        self.prompt(&format!("digits/{d}"))
    }
}

/// One call's task context.
pub struct Call {
    pub env: CallEnv,
    /// The channel in our Stasis app.
    pub channel_id: String,
    /// The calling device's endpoint id (from the Stasis arguments, never from caller id).
    pub endpoint: String,
    /// Events of this channel, in order.
    pub events: mpsc::Receiver<AriEvent>,
    /// Cancelled when eventpbx shuts down or loses ARI.
    pub cancel: CancellationToken,
    playbacks: AtomicU64,
    /// The playback started last.
    pub current_playback: Option<String>,
    /// Set once the channel is known gone (our hangup succeeded, or StasisEnd /
    /// ChannelDestroyed arrived), so [`supervise`] does not hang it up a second time.
    ended: Arc<AtomicBool>,
}

impl Call {
    /// A call task's context.
    pub fn new(
        env: CallEnv,
        channel_id: String,
        endpoint: String,
        events: mpsc::Receiver<AriEvent>,
        cancel: CancellationToken,
    ) -> Call {
        Call {
            env,
            channel_id,
            endpoint,
            events,
            cancel,
            playbacks: AtomicU64::new(0),
            current_playback: None,
            ended: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The flag [`supervise`] reads to know whether the channel still needs hanging up.
    pub fn ended_flag(&self) -> Arc<AtomicBool> {
        self.ended.clone()
    }

    /// The channel now lives in a bridge that outlasts this task (a conference room): when
    /// the task stops (ARI lost, shutdown, its maximum length) the channel stays where it is
    /// instead of being hung up, and an eventpbx that reconnects adopts it. The flow hangs it
    /// up itself when it should go.
    pub fn hand_over(&self) {
        self.ended.store(true, Ordering::Relaxed);
    }

    /// Starts one playback of `media` with our own id, remembered as the current one.
    pub async fn play(&mut self, media: Vec<String>) -> Result<String, AriError> {
        let n = self.playbacks.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}-pb{n}", self.channel_id);
        self.env.client.play(&self.channel_id, &id, &media).await?;
        self.current_playback = Some(id.clone());
        Ok(id)
    }

    /// Hangs up; a channel already gone is fine.
    pub async fn hangup(&self) {
        match self.env.client.hangup(&self.channel_id, "normal").await {
            Ok(()) => self.ended.store(true, Ordering::Relaxed),
            Err(e) => tracing::debug!(channel = %self.channel_id, error = %e, "hangup failed"),
        }
    }

    /// Waits for the next event of this call; None when the call is over (hangup, shutdown).
    pub async fn next_event(&mut self) -> Option<AriEvent> {
        tokio::select! {
            _ = self.cancel.cancelled() => None,
            e = self.events.recv() => match e {
                Some(AriEvent::StasisEnd { .. }) | Some(AriEvent::ChannelDestroyed { .. }) => {
                    self.ended.store(true, Ordering::Relaxed);
                    None
                }
                Some(AriEvent::ChannelHangupRequest { .. }) => {
                    self.wait_for_end().await;
                    None
                }
                None => None,
                other => other,
            },
        }
    }

    /// After a hangup request, waits briefly for the channel to leave the app. Its StasisEnd
    /// follows within milliseconds, and once it is seen [`supervise`] need not send a
    /// `DELETE` that Asterisk would answer 404 (one REST call saved on every call the caller
    /// ends). If it does not come in time, the channel is hung up as before.
    async fn wait_for_end(&mut self) {
        let end = async {
            loop {
                match self.events.recv().await {
                    Some(AriEvent::StasisEnd { .. }) | Some(AriEvent::ChannelDestroyed { .. }) => {
                        self.ended.store(true, Ordering::Relaxed);
                        return;
                    }
                    None => return,
                    Some(_) => {}
                }
            }
        };
        tokio::select! {
            _ = self.cancel.cancelled() => {}
            _ = tokio::time::timeout(HANGUP_SETTLE, end) => {}
        }
    }

    /// Plays `media` and waits until that playback finished (or the call ended: false).
    pub async fn play_and_wait(&mut self, media: Vec<String>) -> bool {
        let Ok(id) = self.play(media).await else {
            return false;
        };
        loop {
            match self.next_event().await {
                None => return false,
                Some(AriEvent::PlaybackFinished { playback }) if playback.id == id => return true,
                Some(_) => {}
            }
        }
    }
}

/// How a supervised call task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEnd {
    /// The flow returned (done, caller gone, an error it handled, lost events, shutdown).
    Returned,
    /// The flow ran longer than its maximum call length and was stopped.
    TooLong,
    /// The flow panicked.
    Panicked,
    /// The engine stopped the call (its event queue overflowed, ARI was lost, shutdown).
    Stopped,
}

/// Runs one call's flow to its end and then makes sure its channel is hung up, however the
/// flow ended: it returned early (its event queue overflowed or closed, a playback or the
/// database failed), it panicked, or it reached `max`, the flow's maximum call length. A
/// channel left in Stasis with nobody driving it would otherwise sit there in silence until
/// the caller gives up. `stop` ends the flow from outside (its events can no longer be
/// delivered). `hangup` is skipped when `ended` says the channel is gone already.
pub async fn supervise<F, H, HF>(
    flow: F,
    max: Duration,
    ended: Arc<AtomicBool>,
    stop: CancellationToken,
    hangup: H,
) -> TaskEnd
where
    F: Future<Output = ()> + Send + 'static,
    H: FnOnce() -> HF,
    HF: Future<Output = ()>,
{
    // Its own task, so a panic is caught by the JoinHandle instead of unwinding through here.
    let task = tokio::spawn(flow);
    let abort = task.abort_handle();
    let end = tokio::select! {
        joined = tokio::time::timeout(max, task) => match joined {
            Ok(Ok(())) => TaskEnd::Returned,
            Ok(Err(e)) if e.is_panic() => TaskEnd::Panicked,
            Ok(Err(_)) => TaskEnd::Returned,
            Err(_) => {
                abort.abort();
                TaskEnd::TooLong
            }
        },
        _ = stop.cancelled() => {
            abort.abort();
            TaskEnd::Stopped
        }
    };
    if !ended.load(Ordering::Relaxed) {
        hangup().await;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn counter() -> (Arc<AtomicUsize>, impl FnOnce() -> std::future::Ready<()>) {
        let n = Arc::new(AtomicUsize::new(0));
        let m = n.clone();
        (n, move || {
            m.fetch_add(1, Ordering::SeqCst);
            std::future::ready(())
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_flow_that_runs_too_long_is_stopped_and_hung_up() {
        let (hangups, hangup) = counter();
        let started = tokio::time::Instant::now();
        let end = supervise(
            std::future::pending::<()>(),
            Duration::from_secs(120),
            Arc::new(AtomicBool::new(false)),
            CancellationToken::new(),
            hangup,
        )
        .await;
        assert_eq!(end, TaskEnd::TooLong);
        assert_eq!(started.elapsed(), Duration::from_secs(120));
        assert_eq!(hangups.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_flow_is_hung_up() {
        let (hangups, hangup) = counter();
        let end = supervise(
            async { panic!("a bug in a flow") },
            Duration::from_secs(120),
            Arc::new(AtomicBool::new(false)),
            CancellationToken::new(),
            hangup,
        )
        .await;
        assert_eq!(end, TaskEnd::Panicked);
        assert_eq!(hangups.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_early_return_is_hung_up_but_a_gone_channel_is_not() {
        let (hangups, hangup) = counter();
        let end = supervise(
            async { tokio::time::sleep(Duration::from_secs(3)).await },
            Duration::from_secs(120),
            Arc::new(AtomicBool::new(false)),
            CancellationToken::new(),
            hangup,
        )
        .await;
        assert_eq!(end, TaskEnd::Returned);
        assert_eq!(hangups.load(Ordering::SeqCst), 1);
        let (hangups, hangup) = counter();
        let ended = Arc::new(AtomicBool::new(false));
        let flag = ended.clone();
        supervise(
            async move { flag.store(true, Ordering::Relaxed) },
            Duration::from_secs(120),
            ended,
            CancellationToken::new(),
            hangup,
        )
        .await;
        assert_eq!(hangups.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_flow_is_aborted_and_hung_up() {
        let (hangups, hangup) = counter();
        let stop = CancellationToken::new();
        let trigger = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            trigger.cancel();
        });
        let started = tokio::time::Instant::now();
        let end = supervise(
            std::future::pending::<()>(),
            Duration::from_secs(120),
            Arc::new(AtomicBool::new(false)),
            stop,
            hangup,
        )
        .await;
        assert_eq!(end, TaskEnd::Stopped);
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert_eq!(hangups.load(Ordering::SeqCst), 1);
    }
}
