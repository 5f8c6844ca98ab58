//! The event and its registration window: set or cleared by an admin (the admin page, the
//! CLI), read by the use cases that are closed outside the window (sign-up, claiming,
//! binding).

use rusqlite::Connection;

use crate::db::{events, Db, DbError};
use crate::domain::event::{self, Closed, Event};

/// Whether registration is open at `now`, read in the caller's transaction (so a claim sees
/// the window as of its own write).
pub fn registration(conn: &Connection, now: i64) -> Result<Result<(), Closed>, DbError> {
    Ok(event::registration_open(events::get(conn)?.as_ref(), now))
}

/// The configured event, if any.
pub async fn current(db: &Db) -> Result<Option<Event>, DbError> {
    db.read(events::get).await
}

/// Sets (or replaces) the event.
pub async fn set(db: &Db, event: Event) -> Result<(), DbError> {
    db.write(move |tx| events::set(tx, &event)).await
}

/// Removes the event: registration is open at all times again. True if there was one.
pub async fn clear(db: &Db) -> Result<bool, DbError> {
    db.write(events::clear).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Settings;
    use crate::db::extensions::Created;
    use crate::domain::accounts::Role;
    use crate::domain::event::parse_date;
    use crate::domain::numbering::Authority;
    use crate::domain::ExtensionKind;
    use crate::service::extensions::{claim, Claim, ClaimError, Owner};
    use crate::service::tests::test_db;
    use crate::service::users::{add_user, sign_up, AddUserError};

    fn window(opens: i64, closes: i64) -> Event {
        let d = |s| parse_date("d", s).unwrap();
        Event::new("Camp", d("2027-08-10"), d("2027-08-14"), opens, closes).unwrap()
    }

    fn attendee_claim(owner: i64, number: &str, authority: Authority) -> Claim {
        Claim {
            owner: Owner::User(owner),
            number: number.into(),
            name: "Ann".into(),
            kind: ExtensionKind::Handset,
            public: true,
            authority,
            by_key: None,
        }
    }

    #[tokio::test]
    async fn outside_the_window_attendees_cannot_sign_up_or_claim_but_staff_can() {
        let (_dir, db) = test_db();
        let settings = Arc::new(Settings::default());
        let ann = add_user(&db, "ann", "Ann", "correct horse battery", Role::Attendee)
            .await
            .unwrap();
        let now = crate::db::now();
        for (opens, closes, word) in [
            (now + 3600, now + 7200, "opens"),
            (now - 7200, now - 3600, "closed"),
        ] {
            set(&db, window(opens, closes)).await.unwrap();
            let signed = sign_up(&db, "bob", "Bob", "correct horse battery").await;
            let Err(AddUserError::Closed(c)) = &signed else {
                panic!("{signed:?}")
            };
            assert!(c.to_string().contains(word), "{c}");
            let claimed = claim(
                &db,
                settings.clone(),
                attendee_claim(ann.id, "2000", Authority::Attendee),
            )
            .await;
            assert!(matches!(claimed, Err(ClaimError::Closed(_))), "{claimed:?}");
        }
        let staff = claim(
            &db,
            settings.clone(),
            attendee_claim(ann.id, "2000", Authority::Admin),
        )
        .await;
        assert!(matches!(staff, Ok(Created::Handset { .. })), "{staff:?}");
        set(&db, window(now - 60, now + 60)).await.unwrap();
        sign_up(&db, "bob", "Bob", "correct horse battery")
            .await
            .unwrap();
        claim(
            &db,
            settings.clone(),
            attendee_claim(ann.id, "2001", Authority::Attendee),
        )
        .await
        .unwrap();
        assert!(clear(&db).await.unwrap());
        assert_eq!(current(&db).await.unwrap(), None);
        sign_up(&db, "cleo", "Cleo", "correct horse battery")
            .await
            .unwrap();
    }
}
