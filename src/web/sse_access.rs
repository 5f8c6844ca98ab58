//! Open Server-Sent-Event streams end soon after the right to them does: a logged-out or
//! disabled user's operator or account page, a revoked API key's event stream. The request
//! was checked once when the stream opened; a stream can stay open for days, so each one
//! re-checks every [`RECHECK`]. The database is asked rather than a cache, so a revocation by
//! the CLI (another process) counts too.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::db::{api_keys, sessions, Db};
use crate::domain::accounts::Role;

/// How often an open stream asks whether it may go on.
pub const RECHECK: Duration = Duration::from_secs(2);

/// Who holds a stream open.
#[derive(Debug, Clone)]
pub enum Holder {
    /// A web session (by the SHA-256 of its id) whose user needs at least `min_role`.
    Session {
        /// The session's id hash.
        id_hash: String,
        /// The role the page needs (operator for the operator view).
        min_role: Role,
    },
    /// An API key, by row id.
    Key(i64),
}

/// Whether `holder` may still read its stream. Storage trouble answers yes: a busy database
/// must not cut every live page at once, and the next check asks again.
async fn still_allowed(db: &Db, holder: &Holder) -> bool {
    let holder = holder.clone();
    let answer = db
        .read(move |c| match &holder {
            Holder::Session { id_hash, min_role } => {
                Ok(sessions::live_role(c, id_hash)?.is_some_and(|role| role >= *min_role))
            }
            Holder::Key(id) => api_keys::is_live(c, *id),
        })
        .await;
    answer.unwrap_or(true)
}

/// Completes when the stream must end: the daemon stops, or `holder` lost the right to it.
/// Streams end with `StreamExt::take_until(stream, ended(...))`.
pub async fn ended(db: Db, holder: Holder, stopping: CancellationToken) {
    loop {
        tokio::select! {
            _ = stopping.cancelled() => return,
            _ = tokio::time::sleep(RECHECK) => {}
        }
        if !still_allowed(&db, &holder).await {
            tracing::debug!(?holder, "stream ended: access revoked");
            return;
        }
    }
}
