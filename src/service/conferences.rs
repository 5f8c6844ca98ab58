//! Conference rooms' use cases: create a room, change its PIN and limit, read it for its owner.
//!
//! Who may create a room: anyone who may claim a number, under the same rules (an attendee
//! within the per-user maximum and the attendee ranges; a room counts as one of their
//! extensions, like a group), staff and admin API keys anywhere the numbering allows them.
//! Who may see and manage a room's participants: its owner (the account page), admins and
//! operators by any key with read (listing) or the right to change what the key made
//! (`ApiKey::may_change`: admin keys always). Someone else's room looks missing.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::conferences::{self, Room};
use crate::db::extensions::{self, ExtensionKind, NewExtension};
use crate::db::{Db, DbError};
use crate::domain::conference::{ConferenceError, RoomSettings};
use crate::domain::numbering::{Authority, ClaimError as ClaimRule};
use crate::service::extensions::Actor;

/// Why a room use case refused.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    /// No such room, or (for an attendee) not theirs.
    #[error("there is no conference room {0}")]
    NotFound(String),
    /// A PIN or limit out of shape.
    #[error(transparent)]
    Settings(#[from] ConferenceError),
    /// The numbering rules refused the room's number.
    #[error(transparent)]
    Claim(#[from] ClaimRule),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<extensions::CreateError> for RoomError {
    fn from(e: extensions::CreateError) -> Self {
        match e {
            extensions::CreateError::Rule(rule) => RoomError::Claim(rule),
            extensions::CreateError::Db(e) => RoomError::Db(e),
        }
    }
}

/// A room as asked for.
#[derive(Debug, Clone)]
pub struct NewRoom {
    /// Its owner (None: the event's, e.g. made by an API key).
    pub owner_id: Option<i64>,
    /// The number; the numbering rules check it.
    pub number: String,
    /// Name, already validated.
    pub name: String,
    /// Listed in the phonebook.
    pub public: bool,
    /// PIN and limit, already checked.
    pub settings: RoomSettings,
    /// Who asks, for the numbering rules.
    pub authority: Authority,
    /// The API key that asks, recorded like for any claim.
    pub by_key: Option<i64>,
}

/// Creates a room with its settings, in one transaction.
pub async fn create_room(db: &Db, settings: Arc<Settings>, room: NewRoom) -> Result<(), RoomError> {
    db.write_as(move |tx| {
        let number = room.number.trim().to_string();
        let new = NewExtension {
            owner_id: room.owner_id,
            number: number.clone(),
            name: room.name,
            kind: ExtensionKind::Conference,
            public: room.public,
            authority: room.authority,
        };
        extensions::create(tx, &settings, &new)?;
        if let Some(key) = room.by_key {
            extensions::record_creator_key(tx, &number, key)?;
        }
        conferences::set(tx, &number, &room.settings)?;
        Ok(())
    })
    .await
}

fn visible(room: Option<Room>, number: &str, by: Actor) -> Result<Room, RoomError> {
    match (room, by) {
        (Some(room), Actor::Staff) => Ok(room),
        (Some(room), Actor::Owner(id)) if room.owner_id == Some(id) => Ok(room),
        _ => Err(RoomError::NotFound(number.to_string())),
    }
}

/// Room `number` if `by` may see it.
pub async fn room(db: &Db, number: &str, by: Actor) -> Result<Room, RoomError> {
    let n = number.to_string();
    let room = db.read(move |c| conferences::get(c, &n)).await?;
    visible(room, number, by)
}

/// Changes a room's PIN and limit (its owner or staff). Callers already in the room stay.
pub async fn set_settings(
    db: &Db,
    number: &str,
    settings: RoomSettings,
    by: Actor,
) -> Result<(), RoomError> {
    let number = number.to_string();
    db.write_as(move |tx| {
        visible(conferences::get(tx, &number)?, &number, by)?;
        conferences::set(tx, &number, &settings)?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::tests::test_db;

    fn new_room(owner: i64, number: &str) -> NewRoom {
        NewRoom {
            owner_id: Some(owner),
            number: number.into(),
            name: "Standup".into(),
            public: true,
            settings: RoomSettings::parse(Some("4711"), Some(5)).unwrap(),
            authority: Authority::Attendee,
            by_key: None,
        }
    }

    async fn user(db: &Db, name: &str) -> i64 {
        let name = name.to_string();
        db.write(move |tx| {
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, role, created_at)
                 VALUES (?1, ?1, 'x', 'attendee', 0)",
                [&name],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn an_owner_makes_sees_and_changes_a_room_and_nobody_else_does() {
        let (_dir, db) = test_db();
        let s = Arc::new(Settings::default());
        let alice = user(&db, "alice").await;
        let bob = user(&db, "bob").await;
        create_room(&db, s.clone(), new_room(alice, "2800"))
            .await
            .unwrap();
        let r = room(&db, "2800", Actor::Owner(alice)).await.unwrap();
        assert_eq!(r.settings.pin.as_deref(), Some("4711"));
        assert!(matches!(
            room(&db, "2800", Actor::Owner(bob)).await,
            Err(RoomError::NotFound(_))
        ));
        let open = RoomSettings::default();
        assert!(matches!(
            set_settings(&db, "2800", open.clone(), Actor::Owner(bob)).await,
            Err(RoomError::NotFound(_))
        ));
        assert_eq!(
            room(&db, "2800", Actor::Staff)
                .await
                .unwrap()
                .settings
                .pin
                .as_deref(),
            Some("4711"),
            "the refused change changed nothing"
        );
        set_settings(&db, "2800", open.clone(), Actor::Owner(alice))
            .await
            .unwrap();
        assert_eq!(
            room(&db, "2800", Actor::Staff).await.unwrap().settings,
            open
        );
        assert!(matches!(
            room(&db, "2999", Actor::Staff).await,
            Err(RoomError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn a_room_takes_the_claim_rules_and_counts_towards_the_maximum() {
        let (_dir, db) = test_db();
        let s = Arc::new(Settings::default());
        let alice = user(&db, "alice").await;
        create_room(&db, s.clone(), new_room(alice, "2800"))
            .await
            .unwrap();
        assert!(matches!(
            create_room(&db, s.clone(), new_room(alice, "2800")).await,
            Err(RoomError::Claim(ClaimRule::Taken(_)))
        ));
        assert!(matches!(
            create_room(&db, s.clone(), new_room(alice, "12")).await,
            Err(RoomError::Claim(_))
        ));
        let mut n = 2801;
        let refused = loop {
            match create_room(&db, s.clone(), new_room(alice, &n.to_string())).await {
                Ok(()) => n += 1,
                Err(e) => break e,
            }
            assert!(n < 2900, "no per-user maximum");
        };
        assert!(
            matches!(refused, RoomError::Claim(ClaimRule::Limit { .. })),
            "{refused:?}"
        );
    }
}
