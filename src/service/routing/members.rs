//! Changing one member of a group at a time (the pages' forms), each in one transaction.

use super::{owned_group, write_members, MemberRequest, Result, RouteChangeError};
use crate::db::routing as store;
use crate::db::Db;
use crate::domain::routing::Member;
use crate::service::extensions::Actor;

/// One change of a group's member list, for forms that change one member at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberEdit {
    /// Add this extension (the asker's own; others' take an invitation), active.
    Add {
        /// The new member.
        number: String,
        /// Its delay.
        delay: u32,
    },
    /// Change a member's delay.
    Delay {
        /// The member.
        number: String,
        /// The new delay.
        delay: u32,
    },
    /// Remove a member.
    Remove(String),
}

/// Changes one member of `group` (the group's owner or staff), reading and writing the list
/// in one transaction so a concurrent change (an accepted invitation) is not undone.
pub async fn edit_member(db: &Db, group: &str, edit: MemberEdit, by: Actor) -> Result<Vec<Member>> {
    let group = group.to_string();
    db.write_as(move |tx| {
        owned_group(tx, &group, by)?;
        let mut list: Vec<MemberRequest> = store::members(tx, &group)?
            .into_iter()
            .map(|m| MemberRequest {
                number: m.number,
                delay: m.delay,
                active: m.active,
            })
            .collect();
        let not_a_member = |member: &str| RouteChangeError::NotAMember {
            group: group.clone(),
            member: member.to_string(),
        };
        match edit {
            MemberEdit::Add { number, delay } => list.push(MemberRequest {
                number,
                delay,
                active: true,
            }),
            MemberEdit::Delay { number, delay } => {
                let m = list
                    .iter_mut()
                    .find(|m| m.number == number)
                    .ok_or_else(|| not_a_member(&number))?;
                m.delay = delay;
            }
            MemberEdit::Remove(number) => {
                let before = list.len();
                list.retain(|m| m.number != number);
                if list.len() == before {
                    return Err(not_a_member(&number));
                }
            }
        }
        write_members(tx, &group, &list, by)?;
        Ok(store::members(tx, &group)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Settings;
    use crate::domain::accounts::Role;
    use crate::domain::numbering::Authority;
    use crate::domain::ExtensionKind;
    use crate::service::extensions::{claim, Claim, Owner};
    use crate::service::routing::{create_group, NewGroup};
    use crate::service::tests::test_db;
    use crate::service::users::add_user;

    async fn extension(db: &Db, owner: i64, number: &str) {
        let c = Claim {
            owner: Owner::User(owner),
            number: number.into(),
            name: "N".into(),
            kind: ExtensionKind::Sip,
            public: true,
            authority: Authority::Attendee,
            by_key: None,
        };
        claim(db, Arc::new(Settings::default()), c).await.unwrap();
    }

    #[tokio::test]
    async fn one_member_changes_and_the_rest_stay() {
        let (_dir, db) = test_db();
        let pw = "correct horse battery";
        let ann = add_user(&db, "ann", "Ann", pw, Role::Attendee)
            .await
            .unwrap()
            .id;
        let bob = add_user(&db, "bob", "Bob", pw, Role::Attendee)
            .await
            .unwrap()
            .id;
        extension(&db, ann, "2001").await;
        extension(&db, ann, "2002").await;
        extension(&db, bob, "3001").await;
        let group = NewGroup {
            owner: Owner::User(ann),
            number: "2100".into(),
            name: "Bar".into(),
            public: true,
            members: Vec::new(),
            ring_timeout: None,
            fallback: None,
            authority: Authority::Attendee,
            by: Actor::Owner(ann),
            by_key: None,
        };
        create_group(&db, Arc::new(Settings::default()), group)
            .await
            .unwrap();
        let by = Actor::Owner(ann);
        let add = |number: &str, delay| MemberEdit::Add {
            number: number.into(),
            delay,
        };
        edit_member(&db, "2100", add("2001", 0), by).await.unwrap();
        let now = edit_member(&db, "2100", add("2002", 4), by).await.unwrap();
        assert_eq!(now.len(), 2);
        let theirs = edit_member(&db, "2100", add("3001", 0), by).await;
        assert!(
            matches!(theirs, Err(RouteChangeError::MemberNotYours(_))),
            "{theirs:?}"
        );
        let twice = edit_member(&db, "2100", add("2001", 0), by).await;
        assert!(matches!(twice, Err(RouteChangeError::Rule(_))), "{twice:?}");
        let delay = MemberEdit::Delay {
            number: "2002".into(),
            delay: 9,
        };
        let now = edit_member(&db, "2100", delay, by).await.unwrap();
        assert_eq!((now[1].number.as_str(), now[1].delay), ("2002", 9));
        assert_eq!(now[0].delay, 0, "the other member kept its delay");
        let gone = MemberEdit::Remove("3001".into());
        let missing = edit_member(&db, "2100", gone, by).await;
        assert!(
            matches!(missing, Err(RouteChangeError::NotAMember { .. })),
            "{missing:?}"
        );
        let strangers = edit_member(
            &db,
            "2100",
            MemberEdit::Remove("2001".into()),
            Actor::Owner(bob),
        )
        .await;
        assert!(
            matches!(strangers, Err(RouteChangeError::NotFound(_))),
            "{strangers:?}"
        );
        let now = edit_member(&db, "2100", MemberEdit::Remove("2001".into()), by)
            .await
            .unwrap();
        assert_eq!(now.len(), 1);
    }
}
