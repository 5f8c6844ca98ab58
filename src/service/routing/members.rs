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
