//! Records endpoint status changes, as the live registry sees them in ARI events, in the
//! events outbox (`db::outbox`), for `GET /api/v1/events`.
//!
//! The registry only queues a change (it runs on the dispatcher, which must never wait on
//! the database, or the websocket reader behind it would stall); this task writes the queue
//! in batches, one transaction each, in the order ARI sent the events.
//!
//! Asterisk reports one transition twice: an EndpointStateChange (the new state, no contact)
//! and a ContactStatusChange (the contact, its status and URI). The task waits [`GATHER`]
//! after the first change so both are in one batch, and [`coalesce`] makes them one event.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::db::outbox::{self, RegistrationChange};
use crate::db::{Db, DbError};

/// Changes written per transaction: a registration storm (Asterisk restarting with thousands
/// of handsets) becomes a few transactions instead of thousands.
const MAX_BATCH: usize = 500;

/// How long to gather changes before writing: both halves of a transition arrive within
/// microseconds; a consumer does not mind a tenth of a second.
const GATHER: Duration = Duration::from_millis(100);

/// Tries per batch while the database is busy.
const TRIES: u32 = 5;
const RETRY_AFTER: Duration = Duration::from_millis(200);

/// Writes changes from `changes` until it closes or `cancel` fires.
pub async fn run(
    db: Db,
    mut changes: mpsc::UnboundedReceiver<RegistrationChange>,
    cancel: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            _ = cancel.cancelled() => return,
            next = changes.recv() => match next {
                Some(c) => c,
                None => return,
            },
        };
        let mut batch = vec![first];
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = tokio::time::sleep(GATHER) => {}
        }
        while batch.len() < MAX_BATCH {
            match changes.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        write(&db, coalesce(batch)).await;
    }
}

/// Merges each change into the previous one of the same endpoint if the status is the same,
/// keeping the contact fields that one of them carries (the later one's if both do).
pub fn coalesce(changes: Vec<RegistrationChange>) -> Vec<RegistrationChange> {
    let mut out: Vec<RegistrationChange> = Vec::with_capacity(changes.len());
    for c in changes {
        let last_same_endpoint = out.iter_mut().rev().find(|o| o.endpoint == c.endpoint);
        match last_same_endpoint {
            Some(o) if o.status == c.status => {
                if !c.contact_status.is_empty() {
                    o.contact_status = c.contact_status;
                }
                if !c.uri.is_empty() {
                    o.uri = c.uri;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

async fn write(db: &Db, batch: Vec<RegistrationChange>) {
    let at = crate::db::now();
    for attempt in 1..=TRIES {
        let changes = batch.clone();
        let result = db
            .write(move |tx| {
                let mut recorded = 0;
                for c in &changes {
                    if outbox::record_registration(tx, c, at)?.is_some() {
                        recorded += 1;
                    }
                }
                Ok(recorded)
            })
            .await;
        match result {
            Ok(n) => {
                tracing::debug!(changes = batch.len(), recorded = n, "registration events");
                return;
            }
            Err(DbError::Busy) if attempt < TRIES => tokio::time::sleep(RETRY_AFTER).await,
            Err(e) => {
                // Consumers see the current status again on the next change or after a
                // reset; the registry itself is unaffected.
                tracing::warn!(error = %e, changes = batch.len(), "registration events lost");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ari::AriEvent;
    use crate::calls::live::LiveRegistry;
    use crate::db::outbox::Since;

    fn change(endpoint: &str, status: &str, contact: &str, uri: &str) -> RegistrationChange {
        RegistrationChange {
            endpoint: endpoint.into(),
            status: status.into(),
            contact_status: contact.into(),
            uri: uri.into(),
        }
    }

    #[test]
    fn coalesce_merges_the_halves_of_one_transition_only() {
        let merged = coalesce(vec![
            change("a", "online", "", ""),
            change("b", "online", "", ""),
            change("a", "online", "Reachable", "sip:a@x"),
            change("a", "offline", "", ""),
            change("a", "offline", "Unreachable", ""),
            change("a", "online", "Reachable", "sip:a@y"),
        ]);
        assert_eq!(
            merged,
            [
                change("a", "online", "Reachable", "sip:a@x"),
                change("b", "online", "", ""),
                change("a", "offline", "Unreachable", ""),
                change("a", "online", "Reachable", "sip:a@y"),
            ]
        );
    }

    #[tokio::test]
    async fn recorded_contact_changes_reach_the_outbox_once_each() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("e.db"), Duration::from_secs(1)).unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let writer = tokio::spawn(run(db.clone(), rx, cancel.clone()));
        let registry = LiveRegistry::with_presence_feed(tx);
        let path = format!(
            "{}/tests/fixtures/ari/recorded_session.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        // The session has scapb going online, offline and online again (each as a
        // ContactStatusChange and an EndpointStateChange), plus endpoint state events that
        // only change channel counts.
        for line in std::fs::read_to_string(path).unwrap().lines() {
            registry.apply(&AriEvent::parse(line).unwrap());
        }
        let mut events = Vec::new();
        for _ in 0..50 {
            events = match db.read(|c| outbox::since(c, Some(0), 100)).await.unwrap() {
                Since::Events(v) => v,
                other => panic!("{other:?}"),
            };
            if events.len() >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let seen: Vec<(String, String, String)> = events
            .iter()
            .map(|e| {
                (
                    e.subject.clone(),
                    e.data["status"].as_str().unwrap_or_default().to_string(),
                    e.data["uri"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let uri = "sip:scapb@127.0.0.1:26000".to_string();
        assert_eq!(
            seen,
            [
                ("scapb".to_string(), "online".to_string(), uri.clone()),
                ("scapb".to_string(), "offline".to_string(), uri.clone()),
                ("scapb".to_string(), "online".to_string(), uri),
            ]
        );
        // A reload after a reconnect that finds the same states records nothing new.
        let endpoints: Vec<crate::ari::events::Endpoint> = registry
            .snapshot()
            .endpoints
            .values()
            .map(|e| crate::ari::events::Endpoint {
                technology: "PJSIP".into(),
                resource: e.resource.clone(),
                state: e.state.to_string(),
                channel_ids: vec![],
            })
            .collect();
        let fresh = LiveRegistry::with_presence_feed({
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(db.clone(), rx, cancel.clone()));
            tx
        });
        fresh.reload(None, &endpoints);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let head = db.read(outbox::head).await.unwrap();
        assert_eq!(
            head, 3,
            "a restart that sees the same states adds no events"
        );
        cancel.cancel();
        writer.await.unwrap();
    }
}
