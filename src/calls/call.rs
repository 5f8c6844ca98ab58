//! What every call task has: its channel, the caller's endpoint, ARI, the database, its own
//! event queue, and helpers to play prompts by name with ids it generates itself.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::ari::{AriClient, AriError, AriEvent};
use crate::config::Settings;
use crate::db::Db;

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
        }
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
        if let Err(e) = self.env.client.hangup(&self.channel_id, "normal").await {
            tracing::debug!(channel = %self.channel_id, error = %e, "hangup failed");
        }
    }

    /// Waits for the next event of this call; None when the call is over (hangup, shutdown).
    pub async fn next_event(&mut self) -> Option<AriEvent> {
        tokio::select! {
            _ = self.cancel.cancelled() => None,
            e = self.events.recv() => match e {
                Some(AriEvent::StasisEnd { .. })
                | Some(AriEvent::ChannelDestroyed { .. })
                | Some(AriEvent::ChannelHangupRequest { .. })
                | None => None,
                other => other,
            },
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
