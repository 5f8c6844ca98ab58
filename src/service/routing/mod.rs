//! Routing use cases (docs/routing.md, "Service"): groups and their members, invitations,
//! pausing, forwarding, do-not-disturb and call waiting, and the readable plan of a number.
//! Each is one transaction that checks who asks, checks the rules of `domain::routing`,
//! writes, and recompiles the affected routes (`db::routing::recompile`) before it commits,
//! so a refused change writes nothing and an accepted one is routed by Asterisk at once.

use std::collections::BTreeSet;
use std::sync::Arc;

use rusqlite::Transaction;

use crate::config::Settings;
use crate::db::extensions::{self, Extension, NewExtension};
use crate::db::routing as store;
use crate::db::{users, Db, DbError};
use crate::domain::numbering::{self, Authority};
use crate::domain::routing::{self, Member, Preferences, RoutingError};
use crate::domain::ExtensionKind;
use crate::service::extensions::{Actor, Owner};

mod members;
mod plan;

pub use members::{edit_member, MemberEdit};
pub use plan::{route, Ring, RoutePlan};

/// Why a routing change did not happen (nothing was written then).
#[derive(Debug, thiserror::Error)]
pub enum RouteChangeError {
    /// No such extension or group (or, for an attendee, not theirs to change); the number,
    /// for logs. Worded like every unknown extension of the pages and the API.
    #[error("Extension not found")]
    NotFound(String),
    /// Members asked of an extension that is no group.
    #[error("{0} is not a group")]
    NotAGroup(String),
    /// A routing rule refused it; the message says which.
    #[error(transparent)]
    Rule(#[from] RoutingError),
    /// The numbering rules refused the group's number.
    #[error(transparent)]
    Claim(#[from] numbering::ClaimError),
    /// The named owner does not exist.
    #[error("no user is called {0:?}")]
    UnknownOwner(String),
    /// Adding someone else's extension directly; it takes an invitation they accept.
    #[error("{0} is not yours: invite it instead, and its owner accepts or declines")]
    MemberNotYours(String),
    /// No pending invitation of this member into this group.
    #[error("there is no invitation of {member} into group {group}")]
    NoInvitation {
        /// The group.
        group: String,
        /// The member.
        member: String,
    },
    /// Not a member of this group.
    #[error("{member} is not a member of group {group}")]
    NotAMember {
        /// The group.
        group: String,
        /// The member.
        member: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for RouteChangeError {
    fn from(e: DbError) -> Self {
        RouteChangeError::Db(e)
    }
}

impl From<extensions::CreateError> for RouteChangeError {
    fn from(e: extensions::CreateError) -> Self {
        match e {
            extensions::CreateError::Rule(rule) => RouteChangeError::Claim(rule),
            extensions::CreateError::Db(e) => RouteChangeError::Db(e),
        }
    }
}

type Result<T> = std::result::Result<T, RouteChangeError>;

/// One member of a group as asked for (creating a group or setting its members).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRequest {
    /// The member's number (an extension or group).
    pub number: String,
    /// Seconds before it joins the ringing (0..=300).
    pub delay: u32,
    /// False: paused.
    pub active: bool,
}

/// A group as asked for.
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// Who will own it.
    pub owner: Owner,
    /// The number; the numbering rules check it (admins may use emergency and help-desk
    /// numbers, as for any claim).
    pub number: String,
    /// Name, already validated; shown to members as `<caller> via <name>`.
    pub name: String,
    /// Listed in the phonebook.
    pub public: bool,
    /// The members.
    pub members: Vec<MemberRequest>,
    /// Seconds the members ring (5..=300; None: 30).
    pub ring_timeout: Option<u32>,
    /// Where an unanswered call goes (None: busy).
    pub fallback: Option<String>,
    /// Who asks, for the numbering rules.
    pub authority: Authority,
    /// Who asks, for adding members directly (owners only add their own extensions).
    pub by: Actor,
    /// The API key that asks, recorded like for any claim.
    pub by_key: Option<i64>,
}

/// A change of forwarding: each field `None` = leave as is, `Some(None)` = clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardingChange {
    /// Always to this number.
    pub always: Option<Option<String>>,
    /// ... after this many seconds of ringing.
    pub always_after: Option<Option<u32>>,
    /// On busy (and do-not-disturb).
    pub busy: Option<Option<String>>,
    /// On no answer.
    pub no_answer: Option<Option<String>>,
    /// Seconds before `no_answer` (clearing means the default 20).
    pub no_answer_after: Option<Option<u32>>,
    /// When nothing could ring.
    pub unavailable: Option<Option<String>>,
}

/// A change of routing settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingChange {
    /// Forwarding.
    pub forward: ForwardingChange,
    /// Do-not-disturb.
    pub dnd: Option<bool>,
    /// Call waiting (extensions only).
    pub call_waiting: Option<bool>,
    /// Groups: ring timeout.
    pub ring_timeout: Option<u32>,
    /// Groups: fallback, `Some(None)` clears.
    pub fallback: Option<Option<String>>,
}

impl RoutingChange {
    fn apply(&self, p: &mut Preferences) {
        let f = &self.forward;
        let trimmed = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string());
        if let Some(v) = &f.always {
            p.forward.always = trimmed(v);
        }
        if let Some(v) = f.always_after {
            p.forward.always_after = v;
        }
        if let Some(v) = &f.busy {
            p.forward.busy = trimmed(v);
        }
        if let Some(v) = &f.no_answer {
            p.forward.no_answer = trimmed(v);
        }
        if let Some(v) = f.no_answer_after {
            p.forward.no_answer_after = v.unwrap_or(routing::DEFAULT_NO_ANSWER_AFTER);
        }
        if let Some(v) = &f.unavailable {
            p.forward.unavailable = trimmed(v);
        }
        if let Some(v) = self.dnd {
            p.dnd = v;
        }
        if let Some(v) = self.call_waiting {
            p.call_waiting = v;
        }
        if let Some(v) = self.ring_timeout {
            p.ring_timeout = v;
        }
        if let Some(v) = &self.fallback {
            p.fallback = trimmed(v);
        }
    }
}

/// The extension `number` if `by` may change it; someone else's looks missing.
fn owned(tx: &Transaction<'_>, number: &str, by: Actor) -> Result<Extension> {
    let not_found = || RouteChangeError::NotFound(number.to_string());
    let ext = extensions::get(tx, number).map_err(|e| match e {
        DbError::NotFound => not_found(),
        other => other.into(),
    })?;
    match by {
        Actor::Owner(id) if ext.owner_id != Some(id) => Err(not_found()),
        _ => Ok(ext),
    }
}

fn owned_group(tx: &Transaction<'_>, number: &str, by: Actor) -> Result<Extension> {
    let ext = owned(tx, number, by)?;
    if ext.kind != ExtensionKind::Group {
        return Err(RouteChangeError::NotAGroup(number.to_string()));
    }
    Ok(ext)
}

fn exists(tx: &Transaction<'_>, number: &str) -> Result<bool> {
    match extensions::get(tx, number) {
        Ok(_) => Ok(true),
        Err(DbError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Checks the group structure around `group` and recompiles: the graph holds the group,
/// every group above it and everything below those.
fn check_and_recompile(tx: &Transaction<'_>, group: &str) -> Result<()> {
    let roots = store::with_ancestors(tx, &[group])?;
    let graph = store::load_below(tx, &roots)?;
    routing::check_structure(&graph, group)?;
    store::recompile(tx, &[group])?;
    Ok(())
}

/// Writes `members` as the member list of `group`. New members must exist and, for an
/// attendee, be theirs; members already in the group may stay whoever owns them.
fn write_members(
    tx: &Transaction<'_>,
    group: &str,
    members: &[MemberRequest],
    by: Actor,
) -> Result<()> {
    let members: Vec<Member> = members
        .iter()
        .map(|m| Member {
            number: m.number.trim().to_string(),
            delay: m.delay,
            active: m.active,
        })
        .collect();
    routing::check_members(group, &members)?;
    let current: BTreeSet<String> = store::members(tx, group)?
        .into_iter()
        .map(|m| m.number)
        .collect();
    for m in &members {
        let ext = match extensions::get(tx, &m.number) {
            Ok(ext) => ext,
            Err(DbError::NotFound) => {
                return Err(RoutingError::UnknownMember(m.number.clone()).into())
            }
            Err(e) => return Err(e.into()),
        };
        if ext.kind == ExtensionKind::Conference {
            return Err(RoutingError::RoomAsMember(m.number.clone()).into());
        }
        let theirs = matches!(by, Actor::Owner(id) if ext.owner_id != Some(id));
        if theirs && !current.contains(&m.number) {
            return Err(RouteChangeError::MemberNotYours(m.number.clone()));
        }
    }
    store::replace_members(tx, group, &members)?;
    check_and_recompile(tx, group)
}

/// Checks `prefs` for `ext` and stores them (the rule and the write live in
/// `db::routing::write_preferences`, which the feature codes use too).
fn write_preferences(tx: &Transaction<'_>, ext: &Extension, prefs: &Preferences) -> Result<()> {
    let is_group = ext.kind == ExtensionKind::Group;
    store::write_preferences(tx, &ext.number, is_group, prefs)??;
    Ok(())
}

/// Creates a group with its members, ring timeout and fallback, in one transaction.
pub async fn create_group(db: &Db, settings: Arc<Settings>, group: NewGroup) -> Result<()> {
    db.write_as(move |tx| {
        let owner_id = match &group.owner {
            Owner::Nobody => None,
            Owner::User(id) => Some(*id),
            Owner::Username(name) => Some(
                users::id_of(tx, name)?
                    .ok_or_else(|| RouteChangeError::UnknownOwner(name.clone()))?,
            ),
        };
        let new = NewExtension {
            owner_id,
            number: group.number.trim().to_string(),
            name: group.name,
            kind: ExtensionKind::Group,
            public: group.public,
            authority: group.authority,
        };
        extensions::create(tx, &settings, &new)?;
        if let Some(key) = group.by_key {
            extensions::record_creator_key(tx, &new.number, key)?;
        }
        let ext = extensions::get(tx, &new.number)?;
        let prefs = Preferences {
            ring_timeout: group.ring_timeout.unwrap_or(routing::DEFAULT_RING_TIMEOUT),
            fallback: group.fallback.map(|f| f.trim().to_string()),
            ..Preferences::default()
        };
        write_preferences(tx, &ext, &prefs)?;
        write_members(tx, &ext.number, &group.members, group.by)
    })
    .await
}

/// Replaces the member list of `group` (admins, staff and the group's owner).
pub async fn set_members(
    db: &Db,
    group: &str,
    members: Vec<MemberRequest>,
    by: Actor,
) -> Result<Vec<Member>> {
    let group = group.to_string();
    db.write_as(move |tx| {
        owned_group(tx, &group, by)?;
        write_members(tx, &group, &members, by)?;
        Ok(store::members(tx, &group)?)
    })
    .await
}

/// Invites `member` into `group` with `delay` (by the group's owner or staff); the member's
/// owner accepts or declines.
pub async fn invite(db: &Db, group: &str, member: &str, delay: u32, by: Actor) -> Result<()> {
    let (group, member) = (group.to_string(), member.trim().to_string());
    db.write_as(move |tx| {
        owned_group(tx, &group, by)?;
        routing::check_members(
            &group,
            &[Member {
                number: member.clone(),
                delay,
                active: true,
            }],
        )?;
        if !exists(tx, &member)? {
            return Err(RoutingError::UnknownMember(member).into());
        }
        if extensions::get(tx, &member)?.kind == ExtensionKind::Conference {
            return Err(RoutingError::RoomAsMember(member).into());
        }
        store::invite(tx, &group, &member, delay)?;
        Ok(())
    })
    .await
}

/// Accepts (`true`: the member joins, active, with the invited delay) or declines an
/// invitation; by the invited extension's owner or staff.
pub async fn answer_invitation(
    db: &Db,
    group: &str,
    member: &str,
    accept: bool,
    by: Actor,
) -> Result<()> {
    let (group, member) = (group.to_string(), member.to_string());
    db.write_as(move |tx| {
        owned(tx, &member, by)?;
        let invitation = store::invitation(tx, &group, &member)?.ok_or_else(|| {
            RouteChangeError::NoInvitation {
                group: group.clone(),
                member: member.clone(),
            }
        })?;
        store::remove_invitation(tx, &group, &member)?;
        if accept {
            let joined = Member {
                number: member.clone(),
                delay: invitation.delay,
                active: true,
            };
            store::upsert_member(tx, &group, &joined)?;
            check_and_recompile(tx, &group)?;
        }
        Ok(())
    })
    .await
}

/// Pauses (`false`) or resumes a membership; by the member's owner, the group's owner or
/// staff.
pub async fn set_member_active(
    db: &Db,
    group: &str,
    member: &str,
    active: bool,
    by: Actor,
) -> Result<()> {
    let (group, member) = (group.to_string(), member.to_string());
    db.write_as(move |tx| {
        if owned(tx, &member, by).is_err() {
            owned_group(tx, &group, by)?;
        }
        set_active(tx, &group, &member, active)
    })
    .await
}

fn set_active(tx: &Transaction<'_>, group: &str, member: &str, active: bool) -> Result<()> {
    if !store::set_member_active_and_recompile(tx, group, member, active)? {
        return Err(RouteChangeError::NotAMember {
            group: group.to_string(),
            member: member.to_string(),
        });
    }
    Ok(())
}

/// Toggles the membership of the caller's extension `member` in `group` (feature code
/// `9952` + N); answers the new state (true = active). The caller is identified by the
/// phone that dials, so no further check.
pub async fn toggle_membership(db: &Db, group: &str, member: &str) -> Result<bool> {
    let (group, member) = (group.to_string(), member.to_string());
    db.write_as(move |tx| {
        store::toggle_membership(tx, &group, &member)?
            .ok_or(RouteChangeError::NotAMember { group, member })
    })
    .await
}

/// Changes forwarding, DND, call waiting and (groups) ring timeout and fallback of `number`;
/// answers the settings as they are now.
pub async fn change_routing(
    db: &Db,
    number: &str,
    change: RoutingChange,
    by: Actor,
) -> Result<Preferences> {
    let number = number.to_string();
    db.write_as(move |tx| change_in(tx, &number, &change, by))
        .await
}

/// [`change_routing`] inside a caller's transaction (the API's PATCH also renames).
pub fn change_in(
    tx: &Transaction<'_>,
    number: &str,
    change: &RoutingChange,
    by: Actor,
) -> Result<Preferences> {
    let ext = owned(tx, number, by)?;
    let mut prefs = store::preferences(tx, number)?;
    change.apply(&mut prefs);
    write_preferences(tx, &ext, &prefs)?;
    Ok(prefs)
}

/// Renames or relists `number` (name already validated) and changes its routing, in one
/// transaction; answers the extension as it is now.
pub async fn update_extension(
    db: &Db,
    number: &str,
    name: Option<String>,
    public: Option<bool>,
    change: RoutingChange,
    by: Actor,
) -> Result<Extension> {
    let number = number.to_string();
    db.write_as(move |tx| {
        let ext = owned(tx, &number, by)?;
        if name.is_some() || public.is_some() {
            let name = name.unwrap_or(ext.name.clone());
            extensions::update(tx, &number, &name, public.unwrap_or(ext.public))?;
        }
        if change != RoutingChange::default() {
            change_in(tx, &number, &change, by)?;
        }
        Ok(extensions::get(tx, &number)?)
    })
    .await
}

/// Sets the forwarding of `number` (see [`ForwardingChange`]).
pub async fn set_forwarding(
    db: &Db,
    number: &str,
    forward: ForwardingChange,
    by: Actor,
) -> Result<Preferences> {
    let change = RoutingChange {
        forward,
        ..RoutingChange::default()
    };
    change_routing(db, number, change, by).await
}

/// Sets do-not-disturb of `number`.
pub async fn set_dnd(db: &Db, number: &str, on: bool, by: Actor) -> Result<Preferences> {
    let change = RoutingChange {
        dnd: Some(on),
        ..RoutingChange::default()
    };
    change_routing(db, number, change, by).await
}

/// Toggles do-not-disturb of `number` (feature code `9954`); answers the new state.
pub async fn toggle_dnd(db: &Db, number: &str, by: Actor) -> Result<bool> {
    let number = number.to_string();
    db.write_as(move |tx| {
        let on = !store::preferences(tx, &number)
            .map_err(|e| match e {
                DbError::NotFound => RouteChangeError::NotFound(number.clone()),
                other => other.into(),
            })?
            .dnd;
        let change = RoutingChange {
            dnd: Some(on),
            ..RoutingChange::default()
        };
        Ok(change_in(tx, &number, &change, by)?.dnd)
    })
    .await
}

/// Sets call waiting of extension `number`.
pub async fn set_call_waiting(db: &Db, number: &str, on: bool, by: Actor) -> Result<Preferences> {
    let change = RoutingChange {
        call_waiting: Some(on),
        ..RoutingChange::default()
    };
    change_routing(db, number, change, by).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounts::Role;
    use crate::service::extensions::{claim, Claim};
    use crate::service::tests::test_db;
    use crate::service::users as user_service;

    async fn user(db: &Db, name: &str) -> i64 {
        user_service::add_user(db, name, name, "correct horse battery", Role::Attendee)
            .await
            .unwrap()
            .id
    }

    async fn sip(db: &Db, number: &str, owner: Owner) {
        let c = Claim {
            owner,
            number: number.into(),
            name: "N".into(),
            kind: ExtensionKind::Sip,
            public: true,
            authority: Authority::Attendee,
            by_key: None,
        };
        claim(db, Arc::new(Settings::default()), c).await.unwrap();
    }

    fn member(number: &str, delay: u32) -> MemberRequest {
        MemberRequest {
            number: number.into(),
            delay,
            active: true,
        }
    }

    fn new_group(number: &str, owner: i64, members: Vec<MemberRequest>) -> NewGroup {
        NewGroup {
            owner: Owner::User(owner),
            number: number.into(),
            name: "Bar".into(),
            public: true,
            members,
            ring_timeout: None,
            fallback: None,
            authority: Authority::Attendee,
            by: Actor::Owner(owner),
            by_key: None,
        }
    }

    async fn members_of(db: &Db, group: &str) -> Vec<Member> {
        let group = group.to_string();
        db.read(move |c| store::members(c, &group)).await.unwrap()
    }

    #[tokio::test]
    async fn owners_add_their_own_extensions_and_invite_the_others() {
        let (_dir, db) = test_db();
        let s = Arc::new(Settings::default());
        let (ann, bob) = (user(&db, "ann").await, user(&db, "bob").await);
        sip(&db, "2001", Owner::User(ann)).await;
        sip(&db, "2002", Owner::User(bob)).await;
        // Bob's extension cannot be added by Ann directly, at creation or later.
        let refused = create_group(
            &db,
            s.clone(),
            new_group("2100", ann, vec![member("2002", 0)]),
        )
        .await;
        assert!(
            matches!(&refused, Err(RouteChangeError::MemberNotYours(n)) if n == "2002"),
            "{refused:?}"
        );
        let missing = db
            .read(|c| Ok(extensions::get(c, "2100").is_err()))
            .await
            .unwrap();
        assert!(missing, "the refused group was not created");
        create_group(
            &db,
            s.clone(),
            new_group("2100", ann, vec![member("2001", 0)]),
        )
        .await
        .unwrap();
        let direct = set_members(
            &db,
            "2100",
            vec![member("2001", 0), member("2002", 5)],
            Actor::Owner(ann),
        )
        .await;
        assert!(
            matches!(direct, Err(RouteChangeError::MemberNotYours(_))),
            "{direct:?}"
        );
        // Bob may not change Ann's group, nor invite into it.
        let theirs = set_members(&db, "2100", vec![], Actor::Owner(bob)).await;
        assert!(
            matches!(theirs, Err(RouteChangeError::NotFound(_))),
            "{theirs:?}"
        );
        let theirs = invite(&db, "2100", "2002", 0, Actor::Owner(bob)).await;
        assert!(
            matches!(theirs, Err(RouteChangeError::NotFound(_))),
            "{theirs:?}"
        );
        // Ann invites; only Bob (or staff) answers for 2002.
        invite(&db, "2100", "2002", 5, Actor::Owner(ann))
            .await
            .unwrap();
        let not_hers = answer_invitation(&db, "2100", "2002", true, Actor::Owner(ann)).await;
        assert!(
            matches!(not_hers, Err(RouteChangeError::NotFound(_))),
            "{not_hers:?}"
        );
        answer_invitation(&db, "2100", "2002", true, Actor::Owner(bob))
            .await
            .unwrap();
        assert_eq!(members_of(&db, "2100").await.len(), 2);
        // Now a member, 2002 may stay when Ann rewrites the list.
        set_members(
            &db,
            "2100",
            vec![member("2002", 9), member("2001", 0)],
            Actor::Owner(ann),
        )
        .await
        .unwrap();
        assert_eq!(members_of(&db, "2100").await[1].delay, 9);
        // Bob pauses himself; someone else's extension cannot.
        let carol = user(&db, "carol").await;
        let stranger = set_member_active(&db, "2100", "2002", false, Actor::Owner(carol)).await;
        assert!(
            matches!(stranger, Err(RouteChangeError::NotFound(_))),
            "{stranger:?}"
        );
        set_member_active(&db, "2100", "2002", false, Actor::Owner(bob))
            .await
            .unwrap();
        assert!(!members_of(&db, "2100").await[1].active);
        // The feature code toggles it back, and says so.
        assert!(toggle_membership(&db, "2100", "2002").await.unwrap());
        assert!(!toggle_membership(&db, "2100", "2002").await.unwrap());
        let outsider = toggle_membership(&db, "2100", "2999").await;
        assert!(
            matches!(outsider, Err(RouteChangeError::NotAMember { .. })),
            "{outsider:?}"
        );
    }

    #[tokio::test]
    async fn dnd_toggles_and_forwarding_is_the_owners() {
        let (_dir, db) = test_db();
        let (ann, bob) = (user(&db, "ann").await, user(&db, "bob").await);
        sip(&db, "2001", Owner::User(ann)).await;
        sip(&db, "2002", Owner::User(bob)).await;
        assert!(toggle_dnd(&db, "2001", Actor::Owner(ann)).await.unwrap());
        assert!(!toggle_dnd(&db, "2001", Actor::Owner(ann)).await.unwrap());
        let theirs = toggle_dnd(&db, "2002", Actor::Owner(ann)).await;
        assert!(
            matches!(theirs, Err(RouteChangeError::NotFound(_))),
            "{theirs:?}"
        );
        let change = ForwardingChange {
            busy: Some(Some("2002".into())),
            ..ForwardingChange::default()
        };
        let theirs = set_forwarding(&db, "2002", change.clone(), Actor::Owner(ann)).await;
        assert!(
            matches!(theirs, Err(RouteChangeError::NotFound(_))),
            "{theirs:?}"
        );
        let p = set_forwarding(&db, "2001", change, Actor::Owner(ann))
            .await
            .unwrap();
        assert_eq!(p.forward.busy.as_deref(), Some("2002"));
        let p = set_call_waiting(&db, "2001", false, Actor::Owner(ann))
            .await
            .unwrap();
        assert!(!p.call_waiting);
        let plan = route(&db, "2001").await.unwrap();
        assert_eq!(plan.on_busy.as_deref(), Some("2002"));
        assert_eq!(plan.rings.len(), 1);
        assert!(!plan.rings[0].call_waiting);
        assert_eq!(plan.rings[0].number, "2001");
        let p = set_dnd(&db, "2001", true, Actor::Staff).await.unwrap();
        assert!(p.dnd);
        assert!(route(&db, "2001").await.unwrap().busy_now);
    }
}
