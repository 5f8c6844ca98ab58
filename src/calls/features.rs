//! The feature codes (issue 12, docs/routing.md): pause or resume my membership in a group,
//! forwarding always on or off, do-not-disturb. The caller is the extension whose device
//! dials (found from its endpoint, never from caller id); each change is one transaction of
//! `db::routing` that checks the rules and recompiles the routes, and the caller hears the
//! new state. A refused change writes nothing and says why.

use super::call::Call;
use crate::db::routing as store;
use crate::db::DbError;
use crate::domain::Number;

/// Which feature code was dialled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// `9952` + N: pause or resume my membership in group N.
    GroupToggle,
    /// `9953` + N: forwarding always to N; `9953` alone: forwarding off.
    Forward,
    /// `9954`: do-not-disturb on or off.
    Dnd,
}

/// What the caller hears: prompt names, and digits spoken between them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Say {
    Prompt(&'static str),
    Digits(String),
}

/// What a feature call did, as the caller hears it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    GroupActive(String),
    GroupPaused(String),
    /// How things are in one group, without a change (after a restart of eventpbx).
    MemberState(String, bool),
    /// The code alone: the caller's groups and whether active in each (empty: none).
    Memberships(Vec<(String, bool)>),
    NotAMember,
    ForwardingTo(String),
    ForwardingOff,
    ForwardingRefused,
    Dnd(bool),
    /// The phone has no extension (a temporary handset).
    NoExtension,
}

impl Outcome {
    fn say(&self) -> Vec<Say> {
        use Say::{Digits, Prompt};
        match self {
            Outcome::GroupActive(n) => vec![Prompt("group-active"), Digits(n.clone())],
            Outcome::GroupPaused(n) => vec![Prompt("group-paused"), Digits(n.clone())],
            Outcome::MemberState(n, active) => vec![member_prompt(*active), Digits(n.clone())],
            Outcome::Memberships(groups) if groups.is_empty() => vec![Prompt("no-groups")],
            Outcome::Memberships(groups) => groups
                .iter()
                .flat_map(|(n, active)| [member_prompt(*active), Digits(n.clone())])
                .chain([Prompt("group-code-how")])
                .collect(),
            Outcome::NotAMember => vec![Prompt("not-a-member")],
            Outcome::ForwardingTo(n) => {
                vec![Prompt("forwarding-to"), Digits(n.clone()), Prompt("is-on")]
            }
            Outcome::ForwardingOff => vec![Prompt("forwarding-off")],
            Outcome::ForwardingRefused => vec![Prompt("forwarding-refused")],
            Outcome::Dnd(true) => vec![Prompt("dnd-on")],
            Outcome::Dnd(false) => vec![Prompt("dnd-off")],
            Outcome::NoExtension => vec![Prompt("no-number")],
        }
    }
}

/// "You are active in group" or "You are paused in group": a state, not a change.
fn member_prompt(active: bool) -> Say {
    Say::Prompt(if active {
        "member-active"
    } else {
        "member-paused"
    })
}

/// Does what `feature` asks for the extension whose device is `endpoint`, in one
/// transaction. `digits` come from the dialplan's exact-length digits-only pattern and are
/// checked again here.
fn apply(
    tx: &rusqlite::Transaction<'_>,
    endpoint: &str,
    feature: Feature,
    digits: Option<&str>,
) -> Result<Outcome, DbError> {
    let Some((mine, _name)) = store::extension_of_device(tx, endpoint)? else {
        return Ok(Outcome::NoExtension);
    };
    // Do-not-disturb takes no number; the dialplan gives it none.
    let digits = digits.filter(|_| feature != Feature::Dnd);
    let number = match digits.map(Number::parse) {
        None => None,
        Some(Ok(n)) => Some(n.as_str().to_string()),
        // Not a number (the dialplan's pattern should have made that impossible): no group or
        // target has it, so refuse like for any unknown number.
        Some(Err(_)) if feature == Feature::GroupToggle => return Ok(Outcome::NotAMember),
        Some(Err(_)) => return Ok(Outcome::ForwardingRefused),
    };
    Ok(match (feature, number) {
        // The code alone changes nothing: it tells the caller where they stand.
        (Feature::GroupToggle, None) => Outcome::Memberships(store::groups_of_member(tx, &mine)?),
        (Feature::GroupToggle, Some(group)) => match store::toggle_membership(tx, &group, &mine)? {
            Some(true) => Outcome::GroupActive(group),
            Some(false) => Outcome::GroupPaused(group),
            None => Outcome::NotAMember,
        },
        (Feature::Forward, target) => match store::forward_always(tx, &mine, target.as_deref())? {
            Some(Ok(_)) => match target {
                Some(t) => Outcome::ForwardingTo(t),
                None => Outcome::ForwardingOff,
            },
            Some(Err(e)) => {
                tracing::info!(error = %e, "forwarding refused");
                Outcome::ForwardingRefused
            }
            // The extension went between the two statements of this one transaction: cannot be.
            None => Outcome::NoExtension,
        },
        (Feature::Dnd, _) => match store::toggle_dnd(tx, &mine)? {
            Some(Ok(on)) => Outcome::Dnd(on),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "do-not-disturb refused");
                Outcome::Dnd(store::preferences(tx, &mine)?.dnd)
            }
            None => Outcome::NoExtension,
        },
    })
}

/// How things stand for what `feature` is about, changing nothing: for a call found after a
/// restart of eventpbx, whose change may or may not have been made before it.
fn state_now(
    conn: &rusqlite::Connection,
    endpoint: &str,
    feature: Feature,
    digits: Option<&str>,
) -> Result<Outcome, DbError> {
    let Some((mine, _name)) = store::extension_of_device(conn, endpoint)? else {
        return Ok(Outcome::NoExtension);
    };
    let prefs = store::preferences(conn, &mine)?;
    Ok(match feature {
        Feature::Dnd => Outcome::Dnd(prefs.dnd),
        Feature::Forward => match prefs.forward.always {
            Some(t) => Outcome::ForwardingTo(t),
            None => Outcome::ForwardingOff,
        },
        Feature::GroupToggle => match digits.map(Number::parse) {
            None => Outcome::Memberships(store::groups_of_member(conn, &mine)?),
            Some(Ok(group)) => match store::membership(conn, group.as_str(), &mine)? {
                Some(active) => Outcome::MemberState(group.as_str().to_string(), active),
                None => Outcome::NotAMember,
            },
            Some(Err(_)) => Outcome::NotAMember,
        },
    })
}

/// Runs one feature call to its end.
pub async fn run(call: Call, feature: Feature, digits: Option<String>) {
    if call.env.client.answer(&call.channel_id).await.is_err() {
        return;
    }
    let endpoint = call.endpoint.clone();
    let done = call
        .env
        .db
        .write_as(move |tx| apply(tx, &endpoint, feature, digits.as_deref()))
        .await;
    announce(call, feature, done).await;
}

/// Carries on a feature call found after a restart: the caller hears how things stand now.
pub async fn resume(call: Call, feature: Feature, digits: Option<String>) {
    let endpoint = call.endpoint.clone();
    let now = call
        .env
        .db
        .read(move |c| state_now(c, &endpoint, feature, digits.as_deref()))
        .await;
    announce(call, feature, now).await;
}

/// Says `done` to the caller and hangs up.
async fn announce(mut call: Call, feature: Feature, done: Result<Outcome, DbError>) {
    let media = match done {
        Ok(outcome) => {
            tracing::info!(?feature, ?outcome, "feature code");
            outcome
                .say()
                .into_iter()
                .flat_map(|s| match s {
                    Say::Prompt(p) => vec![call.env.prompt(p)],
                    Say::Digits(d) => d.chars().map(|c| call.env.digit(c)).collect(),
                })
                .collect()
        }
        Err(e) => {
            tracing::error!(error = %e, "feature code: database");
            vec![call.env.prompt("internal-error")]
        }
    };
    call.play_and_wait(media).await;
    call.hangup().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::db::extensions::{self, Created, NewExtension};
    use crate::db::Db;
    use crate::domain::numbering::Authority;
    use crate::domain::routing::Member;
    use crate::domain::ExtensionKind;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), std::time::Duration::from_secs(5)).unwrap();
        (dir, db)
    }

    async fn ext(db: &Db, number: &str, kind: ExtensionKind) -> Option<String> {
        let new = NewExtension {
            owner_id: None,
            number: number.into(),
            name: "N".into(),
            kind,
            public: true,
            authority: Authority::Admin,
        };
        let created = db
            .write_as(move |tx| extensions::create(tx, &Settings::default(), &new))
            .await
            .unwrap();
        match created {
            Created::Sip(c) => Some(c.username),
            _ => None,
        }
    }

    async fn feature(db: &Db, ep: &str, f: Feature, digits: Option<&str>) -> Outcome {
        let (ep, digits) = (ep.to_string(), digits.map(str::to_string));
        db.write_as(move |tx| apply(tx, &ep, f, digits.as_deref()))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn each_code_changes_the_plan_or_refuses_and_changes_nothing() {
        let (_dir, db) = db();
        let me = ext(&db, "2001", ExtensionKind::Sip).await.unwrap();
        ext(&db, "2002", ExtensionKind::Sip).await;
        ext(&db, "2100", ExtensionKind::Group).await;
        db.write(|tx| {
            let m = Member {
                number: "2001".into(),
                delay: 0,
                active: true,
            };
            store::upsert_member(tx, "2100", &m)?;
            store::recompile(tx, &["2100"]).map(|_| ())
        })
        .await
        .unwrap();
        let dial = |db: &Db, n: &'static str| {
            let db = db.clone();
            async move {
                db.read(move |c| store::stored(c, n))
                    .await
                    .unwrap()
                    .map(|p| (p.route.dial, p.route.forward, p.route.busy_now))
                    .unwrap()
            }
        };
        assert!(dial(&db, "2100").await.0.contains(&me));

        let paused = feature(&db, &me, Feature::GroupToggle, Some("2100")).await;
        assert_eq!(paused, Outcome::GroupPaused("2100".into()));
        assert_eq!(dial(&db, "2100").await.0, "", "paused: nobody rings");
        let active = feature(&db, &me, Feature::GroupToggle, Some("2100")).await;
        assert_eq!(active, Outcome::GroupActive("2100".into()));
        assert!(dial(&db, "2100").await.0.contains(&me));
        let outsider = feature(&db, &me, Feature::GroupToggle, Some("2002")).await;
        assert_eq!(outsider, Outcome::NotAMember);

        let on = feature(&db, &me, Feature::Forward, Some("2002")).await;
        assert_eq!(on, Outcome::ForwardingTo("2002".into()));
        assert_eq!(dial(&db, "2001").await.1, "2002");
        // Temporary, unknown and its own number: refused, the forwarding stays as it was.
        for target in ["99560001", "4711", "2001"] {
            let refused = feature(&db, &me, Feature::Forward, Some(target)).await;
            assert_eq!(refused, Outcome::ForwardingRefused, "{target}");
            assert_eq!(dial(&db, "2001").await.1, "2002", "{target}");
        }
        let off = feature(&db, &me, Feature::Forward, None).await;
        assert_eq!(off, Outcome::ForwardingOff);
        assert_eq!(dial(&db, "2001").await.1, "");

        assert_eq!(
            feature(&db, &me, Feature::Dnd, None).await,
            Outcome::Dnd(true)
        );
        assert!(dial(&db, "2001").await.2);
        assert_eq!(
            feature(&db, &me, Feature::Dnd, None).await,
            Outcome::Dnd(false)
        );
        assert!(!dial(&db, "2001").await.2);

        // The group code alone changes nothing and lists where the caller stands.
        let before = dial(&db, "2100").await;
        let listed = feature(&db, &me, Feature::GroupToggle, None).await;
        assert_eq!(listed, Outcome::Memberships(vec![("2100".into(), true)]));
        assert_eq!(dial(&db, "2100").await, before);

        // After a restart the caller hears the state now, and nothing changes.
        let now = |f: Feature, d: Option<&'static str>| {
            let (db, me) = (db.clone(), me.clone());
            async move { db.read(move |c| state_now(c, &me, f, d)).await.unwrap() }
        };
        assert_eq!(now(Feature::Dnd, None).await, Outcome::Dnd(false));
        assert_eq!(now(Feature::Forward, None).await, Outcome::ForwardingOff);
        assert_eq!(
            now(Feature::GroupToggle, Some("2100")).await,
            Outcome::MemberState("2100".into(), true)
        );
        assert_eq!(
            now(Feature::GroupToggle, Some("2002")).await,
            Outcome::NotAMember
        );
        assert_eq!(
            now(Feature::GroupToggle, Some("21x")).await,
            Outcome::NotAMember
        );
        assert_eq!(
            now(Feature::GroupToggle, None).await,
            Outcome::Memberships(vec![("2100".into(), true)])
        );
        assert_eq!(dial(&db, "2100").await, before);
        feature(&db, &me, Feature::Forward, Some("2002")).await;
        assert_eq!(
            now(Feature::Forward, Some("4711")).await,
            Outcome::ForwardingTo("2002".into()),
            "the digits of the code do not matter: the state is read"
        );
        assert_eq!(
            Outcome::Memberships(vec![("21".into(), true), ("3".into(), false)]).say(),
            [
                Say::Prompt("member-active"),
                Say::Digits("21".into()),
                Say::Prompt("member-paused"),
                Say::Digits("3".into()),
                Say::Prompt("group-code-how")
            ]
        );
        assert_eq!(
            Outcome::Memberships(vec![]).say(),
            [Say::Prompt("no-groups")]
        );

        // A phone with no extension (a temporary handset) changes nothing.
        let stranger = feature(&db, "no-such-endpoint", Feature::Dnd, None).await;
        assert_eq!(stranger, Outcome::NoExtension);
        assert_eq!(
            Outcome::ForwardingTo("47".into()).say(),
            [
                Say::Prompt("forwarding-to"),
                Say::Digits("47".into()),
                Say::Prompt("is-on")
            ]
        );
    }
}
