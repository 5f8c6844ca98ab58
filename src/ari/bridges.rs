//! ARI's bridges (the ring test's and the conference rooms' mixing bridges, their music on
//! hold and playbacks) and a channel's mute: the part of [`AriClient`] these use.

use reqwest::Method;

use super::client::{seg, AriClient};
use super::events::Bridge;
use super::AriError;

impl AriClient {
    /// Creates a mixing bridge with our own id.
    pub async fn create_bridge(&self, bridge_id: &str) -> Result<Bridge, AriError> {
        self.json(
            Method::POST,
            &format!("/bridges/{}", seg(bridge_id)),
            &[("type", "mixing")],
            None,
        )
        .await
    }

    /// Makes sure an empty holding bridge with our own id exists (one left from an earlier
    /// connection is kept as it is).
    pub async fn keep_holding_bridge(&self, bridge_id: &str) -> Result<(), AriError> {
        match self.bridge(bridge_id).await {
            Ok(_) => Ok(()),
            Err(AriError::NotFound(_)) => self
                .json::<Bridge>(
                    Method::POST,
                    &format!("/bridges/{}", seg(bridge_id)),
                    &[("type", "holding")],
                    None,
                )
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        }
    }

    /// Adds a channel to a bridge.
    pub async fn add_to_bridge(&self, bridge_id: &str, channel_id: &str) -> Result<(), AriError> {
        self.no_content(
            Method::POST,
            &format!("/bridges/{}/addChannel", seg(bridge_id)),
            &[("channel", channel_id)],
        )
        .await
    }

    /// Removes a channel from a bridge.
    pub async fn remove_from_bridge(
        &self,
        bridge_id: &str,
        channel_id: &str,
    ) -> Result<(), AriError> {
        self.no_content(
            Method::POST,
            &format!("/bridges/{}/removeChannel", seg(bridge_id)),
            &[("channel", channel_id)],
        )
        .await
    }

    /// Destroys a bridge; one already gone is not an error.
    pub async fn destroy_bridge(&self, bridge_id: &str) -> Result<(), AriError> {
        match self
            .no_content(Method::DELETE, &format!("/bridges/{}", seg(bridge_id)), &[])
            .await
        {
            Err(AriError::NotFound(_)) => Ok(()),
            other => other,
        }
    }

    /// One bridge, with the ids of its channels.
    pub async fn bridge(&self, bridge_id: &str) -> Result<Bridge, AriError> {
        self.json(
            Method::GET,
            &format!("/bridges/{}", seg(bridge_id)),
            &[],
            None,
        )
        .await
    }

    /// Every bridge on the Asterisk (ours and others').
    pub async fn bridges(&self) -> Result<Vec<Bridge>, AriError> {
        self.json(Method::GET, "/bridges", &[], None).await
    }

    /// Starts music on hold for everyone in a bridge (class `default`).
    pub async fn bridge_moh_start(&self, bridge_id: &str) -> Result<(), AriError> {
        self.no_content(
            Method::POST,
            &format!("/bridges/{}/moh", seg(bridge_id)),
            &[("mohClass", "default")],
        )
        .await
    }

    /// Stops a bridge's music on hold; none playing is not an error.
    pub async fn bridge_moh_stop(&self, bridge_id: &str) -> Result<(), AriError> {
        match self
            .no_content(
                Method::DELETE,
                &format!("/bridges/{}/moh", seg(bridge_id)),
                &[],
            )
            .await
        {
            Err(AriError::NotFound(_)) | Err(AriError::InvalidState(_)) => Ok(()),
            other => other,
        }
    }

    /// Plays `media` to everyone in a bridge, with our own playback id.
    pub async fn bridge_play(
        &self,
        bridge_id: &str,
        playback_id: &str,
        media: &str,
    ) -> Result<(), AriError> {
        self.no_content(
            Method::POST,
            &format!("/bridges/{}/play", seg(bridge_id)),
            &[("media", media), ("playbackId", playback_id)],
        )
        .await
    }

    /// Mutes what a channel sends (`direction=in`): the bridge no longer hears it.
    pub async fn mute(&self, channel_id: &str) -> Result<(), AriError> {
        self.no_content(
            Method::POST,
            &format!("/channels/{}/mute", seg(channel_id)),
            &[("direction", "in")],
        )
        .await
    }

    /// Undoes [`AriClient::mute`].
    pub async fn unmute(&self, channel_id: &str) -> Result<(), AriError> {
        self.no_content(
            Method::DELETE,
            &format!("/channels/{}/mute", seg(channel_id)),
            &[("direction", "in")],
        )
        .await
    }
}
