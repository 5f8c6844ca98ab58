//! Conference rooms (issue 16): every room is an ARI mixing bridge `conf-<number>`, and every
//! participant a channel in our Stasis application driven by its own call task (`flow.rs`).
//! [`Conferences`] is the live list the web and the API read (who is in, talking, muted) and
//! the actions they ask of it (mute, unmute, remove). The rules (PIN, limit, tones, music)
//! are `domain::conference`.
//!
//! Why ARI bridges and not ConfBridge: ARI cannot list or mute the participants of a
//! ConfBridge (their channels are outside Stasis: 409). Why the channels outlive eventpbx: a
//! bridge mixes in Asterisk, so a room keeps its audio while eventpbx restarts; the flow marks
//! a bridged channel as handed over, so stopping its task does not hang it up, and after the
//! reconnect the engine offers it to the flow again ([`super::flows::Flow::adopt`]).

mod flow;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use crate::ari::{AriClient, AriError};
use crate::domain::conference::{Change, Participant, Rooms};

pub use flow::{adopt, run};

/// The flow's name in `Stasis(app,conference,<endpoint>,<number>)`.
pub const FLOW: &str = "conference";

/// Set on a participant's channel while muted, so an eventpbx that restarts and adopts the
/// channel knows (ARI cannot be asked whether a channel is muted).
pub const MUTED_VAR: &str = "EVENTPBX_MUTED";

/// The bridge of room `number`.
pub fn bridge_id(number: &str) -> String {
    format!("conf-{number}")
}

/// Why an action on a participant was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// No such participant in that room (gone already, or never there).
    #[error("no such participant in this room")]
    NotInRoom,
    /// Asterisk refused or could not be reached.
    #[error(transparent)]
    Ari(#[from] AriError),
}

/// What the owner does to a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The room stops hearing them.
    Mute,
    /// ... and hears them again.
    Unmute,
    /// Hung up.
    Remove,
}

/// The live list of every room's participants, shared by the flow's tasks, the web and the
/// API. Cheap to clone.
#[derive(Clone)]
pub struct Conferences {
    inner: Arc<Inner>,
}

struct Inner {
    rooms: Mutex<Rooms>,
    /// Bumped on every change: wakes the owner's live page.
    changes: watch::Sender<u64>,
    /// One lock per room, held while someone enters or leaves, so the limit check, the bridge
    /// creation and the music decision see one head count.
    doors: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for Conferences {
    fn default() -> Self {
        Conferences {
            inner: Arc::new(Inner {
                rooms: Mutex::new(Rooms::default()),
                changes: watch::channel(0).0,
                doors: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl Conferences {
    fn rooms(&self) -> MutexGuard<'_, Rooms> {
        // A panic while holding this lock leaves the list as consistent as the last change
        // (each change is one call into `Rooms`): keep serving it.
        self.inner.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self) {
        self.inner.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Everyone in room `number` now, by the time they entered.
    pub fn participants(&self, number: &str) -> Vec<Participant> {
        self.rooms().participants(number)
    }

    /// How many are in room `number`.
    pub fn count(&self, number: &str) -> usize {
        self.rooms().count(number)
    }

    /// Wakes on every change of any room.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }

    /// The lock of room `number`'s door (see [`Inner::doors`]).
    pub(crate) fn door(&self, number: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut doors = self.inner.doors.lock().unwrap_or_else(|p| p.into_inner());
        doors.entry(number.to_string()).or_default().clone()
    }

    pub(crate) fn enter(&self, number: &str, p: Participant) -> Change {
        let change = self.rooms().enter(number, p);
        self.changed();
        change
    }

    pub(crate) fn leave(&self, number: &str, id: &str) -> Option<Change> {
        let change = self.rooms().leave(number, id);
        self.changed();
        change
    }

    pub(crate) fn forget(&self, number: &str, id: &str) {
        self.rooms().forget(number, id);
        self.changed();
    }

    pub(crate) fn set_talking(&self, number: &str, id: &str, talking: bool) {
        if self.rooms().update(number, id, |p| p.talking = talking) {
            self.changed();
        }
    }

    /// Mutes, unmutes or removes participant `id` of room `number`; someone not in that room
    /// is [`ActionError::NotInRoom`] and nothing is asked of Asterisk.
    pub async fn act(
        &self,
        client: &AriClient,
        number: &str,
        id: &str,
        action: Action,
    ) -> Result<(), ActionError> {
        if !self.participants(number).iter().any(|p| p.id == id) {
            return Err(ActionError::NotInRoom);
        }
        let gone = |e: AriError| match e {
            AriError::NotFound(_) | AriError::NotInStasis(_) => ActionError::NotInRoom,
            other => ActionError::Ari(other),
        };
        match action {
            Action::Remove => client.hangup(id, "normal").await.map_err(gone)?,
            Action::Mute | Action::Unmute => {
                let muted = action == Action::Mute;
                if muted {
                    client.mute(id).await.map_err(gone)?;
                } else {
                    client.unmute(id).await.map_err(gone)?;
                }
                // Only a restart reads it back; a failure here costs nothing now.
                let flag = if muted { "1" } else { "" };
                if let Err(e) = client.set_var(id, MUTED_VAR, flag).await {
                    tracing::debug!(channel = %id, error = %e, "could not note the mute on the channel");
                }
                if self.rooms().update(number, id, |p| p.muted = muted) {
                    self.changed();
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str) -> Participant {
        Participant {
            id: id.into(),
            number: "2001".into(),
            name: String::new(),
            talking: false,
            muted: false,
            joined_at: 0,
        }
    }

    #[tokio::test]
    async fn changes_wake_readers_and_actions_need_a_participant_of_that_room() {
        let rooms = Conferences::default();
        let mut woken = rooms.subscribe();
        rooms.enter("800", person("c1"));
        assert!(woken.has_changed().unwrap());
        woken.borrow_and_update();
        rooms.set_talking("800", "c1", true);
        assert!(woken.has_changed().unwrap());
        assert!(rooms.participants("800")[0].talking);
        // A participant of another room (or nobody) is refused before Asterisk is asked:
        // this client points nowhere, so reaching it would be a transport error instead.
        let client = AriClient::new("http://127.0.0.1:9", "u", "p").unwrap();
        for (room, id) in [("801", "c1"), ("800", "c2")] {
            let refused = rooms.act(&client, room, id, Action::Mute).await;
            assert!(
                matches!(refused, Err(ActionError::NotInRoom)),
                "{room} {id}"
            );
        }
        assert!(matches!(
            rooms.act(&client, "800", "c1", Action::Mute).await,
            Err(ActionError::Ari(_))
        ));
        assert!(!rooms.participants("800")[0].muted);
        assert_eq!(rooms.count("800"), 1);
        rooms.forget("800", "c1");
        assert_eq!(rooms.count("800"), 0);
        assert!(Arc::ptr_eq(&rooms.door("800"), &rooms.door("800")));
    }
}
