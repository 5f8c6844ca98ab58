//! The one error type of the ARI client.

/// Why an ARI request failed. Callers branch on the kind, not on text.
#[derive(Debug, thiserror::Error)]
pub enum AriError {
    /// 404: the channel, bridge, playback or endpoint does not exist (any more).
    #[error("not found: {0}")]
    NotFound(String),
    /// 409: the channel is not in our Stasis application (it left or never came).
    #[error("channel not in Stasis: {0}")]
    NotInStasis(String),
    /// 412: the channel is in a state that does not allow this (e.g. not answered yet).
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// 400: Asterisk refused the parameters.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401/403: wrong ARI user or password.
    #[error("ARI refused the credentials (check ari.username and the ARI password)")]
    Unauthorized,
    /// Asterisk could not be reached or the connection broke.
    #[error("cannot reach Asterisk: {0}")]
    Transport(String),
    /// Any other status.
    #[error("unexpected status {status}: {body}")]
    UnexpectedStatus { status: u16, body: String },
    /// The answer was not the JSON expected.
    #[error("cannot decode ARI's answer: {0}")]
    Decode(String),
}

impl AriError {
    /// Maps a non-success status and its body to the error kind.
    pub fn from_status(status: u16, body: String) -> AriError {
        match status {
            400 => AriError::BadRequest(body),
            401 | 403 => AriError::Unauthorized,
            404 => AriError::NotFound(body),
            409 => AriError::NotInStasis(body),
            412 => AriError::InvalidState(body),
            _ => AriError::UnexpectedStatus { status, body },
        }
    }

    /// True when the object is gone: the caller hung up between an event and our command.
    pub fn is_gone(&self) -> bool {
        matches!(self, AriError::NotFound(_) | AriError::NotInStasis(_))
    }
}

impl From<reqwest::Error> for AriError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_decode() {
            AriError::Decode(e.to_string())
        } else {
            AriError::Transport(e.to_string())
        }
    }
}
