//! Extensions: claim a number, rename, delete, unbind its handset, regenerate its token or
//! SIP password. Each use case is one transaction, and an attendee's own-extension check
//! happens inside it, so the pages, the API and the CLI cannot differ in what they allow.

use std::sync::Arc;

use rusqlite::Transaction;

use crate::config::Settings;
use crate::db::extensions::{self, Created, Extension, NewExtension};
use crate::db::handsets::{self, TemporaryPlan};
use crate::db::{users, Db, DbError};
use crate::domain::numbering::{self, Authority};
use crate::domain::ExtensionKind;

/// Who changes an existing extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// An attendee, on their own extensions only: anyone else's looks like a missing one.
    Owner(i64),
    /// An operator or admin, an API key or the CLI: any extension.
    Staff,
}

/// Who will own a claimed extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Nobody (a service's or the CLI's extension).
    Nobody,
    /// The user with this id (a person claiming for themselves).
    User(i64),
    /// The user with this login name, case-insensitively (the API names owners).
    Username(String),
}

/// A claim as asked for.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Who will own it.
    pub owner: Owner,
    /// The number as typed; the numbering rules check it.
    pub number: String,
    /// Phonebook name, already validated.
    pub name: String,
    /// SIP or handset.
    pub kind: ExtensionKind,
    /// Listed in the phonebook.
    pub public: bool,
    /// Who asks: only an admin may claim an emergency or help-desk number.
    pub authority: Authority,
    /// The API key that asks, recorded in the same transaction: that key may read this
    /// extension's SIP password later.
    pub by_key: Option<i64>,
}

/// Why a number was not claimed (nothing was written then).
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// A numbering rule refused the number; the message says which.
    #[error(transparent)]
    Rule(#[from] numbering::ClaimError),
    /// The named owner does not exist.
    #[error("no user is called {0:?}")]
    UnknownOwner(String),
    /// Outside the event's registration window attendees cannot claim.
    #[error(transparent)]
    Closed(#[from] crate::domain::event::Closed),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<extensions::CreateError> for ClaimError {
    fn from(e: extensions::CreateError) -> Self {
        match e {
            extensions::CreateError::Rule(rule) => ClaimError::Rule(rule),
            extensions::CreateError::Db(e) => ClaimError::Db(e),
        }
    }
}

/// Why a change to an existing extension did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ExtensionError {
    /// No such extension (or, for an attendee, not theirs).
    #[error("Extension not found")]
    NotFound,
    /// A SIP password was asked of a handset extension.
    #[error("extension {0} is a handset extension: it has a token, no SIP password")]
    NoSipPassword(String),
    /// Storage failed, or the handset rules refused (a bound extension has no token to renew,
    /// an unbound one no handset to release).
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for ExtensionError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ExtensionError::NotFound,
            other => ExtensionError::Db(other),
        }
    }
}

/// Claims a number: the registration window (for attendees; staff may claim at any time),
/// the numbering rules, the per-user limit and the insert in one transaction. The owner of a
/// number held from the previous event takes it back by claiming it: it keeps its SIP phone,
/// a handset extension keeps its fresh token.
pub async fn claim(db: &Db, settings: Arc<Settings>, claim: Claim) -> Result<Created, ClaimError> {
    db.write_as(move |tx| {
        let now = crate::db::now();
        if claim.authority == Authority::Attendee {
            crate::service::events::registration(tx, now)??;
        }
        let owner_id = match &claim.owner {
            Owner::Nobody => None,
            Owner::User(id) => Some(*id),
            Owner::Username(name) => Some(
                users::id_of(tx, name)?.ok_or_else(|| ClaimError::UnknownOwner(name.clone()))?,
            ),
        };
        let number = claim.number.trim();
        if let Some(owner) = owner_id {
            if crate::db::transfer::take_back(tx, number, owner, now)? {
                return Ok(held_credentials(tx, number)?);
            }
        }
        let new = NewExtension {
            owner_id,
            number: claim.number.trim().to_string(),
            name: claim.name,
            kind: claim.kind,
            public: claim.public,
            authority: claim.authority,
        };
        let created = extensions::create(tx, &settings, &new)?;
        if let Some(key) = claim.by_key {
            extensions::record_creator_key(tx, &new.number, key)?;
        }
        Ok(created)
    })
    .await
}

/// Takes back a number held for `owner` from the last event (the account page's button; a
/// claim of the number does the same). Not held for them, or the hold has ended: NotFound,
/// and nothing changes. Unlike a new claim it needs no open registration window: the number
/// is already theirs until the hold ends.
pub async fn take_back(db: &Db, number: &str, owner: i64) -> Result<(), ExtensionError> {
    let number = number.to_string();
    db.write_as(move |tx| {
        if crate::db::transfer::take_back(tx, &number, owner, crate::db::now())? {
            Ok(())
        } else {
            Err(ExtensionError::NotFound)
        }
    })
    .await
}

/// What a taken-back extension hands its owner: the remembered SIP phone's credentials, or
/// the handset extension's token.
fn held_credentials(tx: &Transaction<'_>, number: &str) -> Result<Created, DbError> {
    let ext = extensions::get(tx, number)?;
    Ok(match (ext.kind, ext.device_id, ext.token) {
        (ExtensionKind::Sip, Some(device), _) => {
            let password = extensions::sip_password(tx, &device)?.ok_or(DbError::NotFound)?;
            Created::Sip(crate::db::devices::Credentials {
                username: device,
                password,
            })
        }
        (ExtensionKind::Handset, _, Some(token)) => Created::Handset { token },
        (ExtensionKind::Conference, _, _) => Created::Conference,
        _ => Created::Group,
    })
}

/// The extension `number` if `by` may change it.
pub(super) fn extension_for(
    tx: &Transaction<'_>,
    number: &str,
    by: Actor,
) -> Result<Extension, DbError> {
    let ext = extensions::get(tx, number)?;
    match by {
        Actor::Owner(id) if ext.owner_id != Some(id) => Err(DbError::NotFound),
        _ => Ok(ext),
    }
}

/// Runs one change on an extension `by` may change, in one transaction.
async fn change<T, F>(db: &Db, number: &str, by: Actor, f: F) -> Result<T, ExtensionError>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>, Extension) -> Result<T, ExtensionError> + Send + 'static,
{
    let number = number.to_string();
    db.write_as(move |tx| {
        let ext = extension_for(tx, &number, by)?;
        f(tx, ext)
    })
    .await
}

/// Changes the phonebook name (already validated) and, if given, the listing; returns the
/// extension as it is now.
pub async fn update(
    db: &Db,
    number: &str,
    name: Option<String>,
    public: Option<bool>,
    by: Actor,
) -> Result<Extension, ExtensionError> {
    change(db, number, by, move |tx, ext| {
        let name = name.unwrap_or(ext.name);
        extensions::update(tx, &ext.number, &name, public.unwrap_or(ext.public))?;
        Ok(extensions::get(tx, &ext.number)?)
    })
    .await
}

/// Deletes an extension and frees its number; a bound handset stays, as a temporary one.
pub async fn delete(
    db: &Db,
    settings: Arc<Settings>,
    number: &str,
    by: Actor,
) -> Result<(), ExtensionError> {
    change(db, number, by, move |tx, ext| {
        Ok(extensions::delete(tx, &settings, &ext.number)?)
    })
    .await
}

/// Releases the handset bound to a handset extension: the handset gets a temporary number
/// again (returned), the extension a fresh token.
pub async fn unbind(
    db: &Db,
    settings: &Settings,
    number: &str,
    by: Actor,
) -> Result<String, ExtensionError> {
    let plan = TemporaryPlan::from_settings(settings);
    let length = settings.numbering.token_length;
    let number = number.to_string();
    db.write_as(move |tx| unbind_in(tx, &plan, length, &number, by))
        .await
}

/// [`unbind`] inside the caller's transaction (the help desk writes its audit line in the
/// same one): the same rules.
pub fn unbind_in(
    tx: &Transaction<'_>,
    plan: &TemporaryPlan,
    token_length: usize,
    number: &str,
    by: Actor,
) -> Result<String, ExtensionError> {
    let ext = extension_for(tx, number, by)?;
    Ok(handsets::unbind(tx, &ext.number, plan, token_length)?)
}

/// Gives an unbound handset extension a fresh registration token; returns it.
pub async fn regenerate_token(
    db: &Db,
    settings: &Settings,
    number: &str,
    by: Actor,
) -> Result<String, ExtensionError> {
    let length = settings.numbering.token_length;
    let number = number.to_string();
    db.write_as(move |tx| regenerate_token_in(tx, length, &number, by))
        .await
}

/// [`regenerate_token`] inside the caller's transaction: the same rules.
pub fn regenerate_token_in(
    tx: &Transaction<'_>,
    token_length: usize,
    number: &str,
    by: Actor,
) -> Result<String, ExtensionError> {
    let ext = extension_for(tx, number, by)?;
    Ok(handsets::regenerate_token(tx, &ext.number, token_length)?)
}

/// New SIP credentials of a SIP extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipCredentials {
    /// The SIP username (unchanged).
    pub username: String,
    /// The new password; the phone's registrations were dropped.
    pub password: String,
}

/// Gives a SIP extension's device a new password; its registrations are dropped, so the
/// phone must be set up again with the new one.
pub async fn regenerate_sip_password(
    db: &Db,
    number: &str,
    by: Actor,
) -> Result<SipCredentials, ExtensionError> {
    let number = number.to_string();
    db.write_as(move |tx| regenerate_sip_password_in(tx, &number, by))
        .await
}

/// [`regenerate_sip_password`] inside the caller's transaction: the same rules.
pub fn regenerate_sip_password_in(
    tx: &Transaction<'_>,
    number: &str,
    by: Actor,
) -> Result<SipCredentials, ExtensionError> {
    let ext = extension_for(tx, number, by)?;
    let (ExtensionKind::Sip, Some(device)) = (ext.kind, ext.device_id) else {
        return Err(ExtensionError::NoSipPassword(ext.number));
    };
    let password = extensions::new_sip_password(tx, &ext.number)?;
    Ok(SipCredentials {
        username: device,
        password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounts::Role;
    use crate::service::tests::test_db;
    use crate::service::{handsets as handset_service, users as user_service};

    fn claim_of(number: &str, kind: ExtensionKind, owner: Owner) -> Claim {
        Claim {
            owner,
            number: number.into(),
            name: "Alice".into(),
            kind,
            public: true,
            authority: Authority::Attendee,
            by_key: None,
        }
    }

    async fn user(db: &Db, name: &str) -> i64 {
        user_service::add_user(db, name, name, "correct horse battery", Role::Attendee)
            .await
            .unwrap()
            .id
    }

    #[tokio::test]
    async fn claims_are_flat_results() {
        let (_dir, db) = test_db();
        let s = Arc::new(Settings::default());
        let alice = user(&db, "alice").await;
        let created = claim(
            &db,
            s.clone(),
            claim_of(
                " 4711 ",
                ExtensionKind::Sip,
                Owner::Username("ALICE".into()),
            ),
        )
        .await
        .unwrap();
        let Created::Sip(creds) = created else {
            panic!("a SIP extension answers with credentials: {created:?}")
        };
        let ext = db.read(|c| extensions::get(c, "4711")).await.unwrap();
        assert_eq!(ext.owner_id, Some(alice));
        assert_eq!(ext.device_id.as_deref(), Some(creds.username.as_str()));

        let taken = claim(
            &db,
            s.clone(),
            claim_of("4711", ExtensionKind::Handset, Owner::Nobody),
        )
        .await;
        assert!(
            matches!(
                taken,
                Err(ClaimError::Rule(numbering::ClaimError::Taken(_)))
            ),
            "{taken:?}"
        );
        let nobody = claim(
            &db,
            s.clone(),
            claim_of(
                "4712",
                ExtensionKind::Handset,
                Owner::Username("bob".into()),
            ),
        )
        .await;
        assert!(
            matches!(nobody, Err(ClaimError::UnknownOwner(_))),
            "{nobody:?}"
        );
        let missing = db
            .read(|c| Ok(extensions::get(c, "4712").is_err()))
            .await
            .unwrap();
        assert!(missing, "a refused claim writes nothing");
    }

    #[tokio::test]
    async fn the_claiming_key_is_recorded_with_the_claim() {
        let (_dir, db) = test_db();
        let s = Arc::new(Settings::default());
        let key = db
            .write(|tx| {
                let secret =
                    crate::db::api_keys::create(tx, "prov", crate::db::api_keys::Scope::ReadWrite)?;
                Ok(crate::db::api_keys::verify(tx, &secret)?.map(|k| k.id))
            })
            .await
            .unwrap()
            .unwrap();
        let mut c = claim_of("4711", ExtensionKind::Sip, Owner::Nobody);
        c.by_key = Some(key);
        claim(&db, s, c).await.unwrap();
        let recorded = db
            .read(|c| extensions::creator_key(c, "4711"))
            .await
            .unwrap();
        assert_eq!(recorded, Some(key));
    }

    #[tokio::test]
    async fn owners_change_only_their_own_extensions() {
        let (_dir, db) = test_db();
        let s = Arc::new(Settings::default());
        let (alice, bob) = (user(&db, "alice").await, user(&db, "bobby").await);
        claim(
            &db,
            s.clone(),
            claim_of("4711", ExtensionKind::Sip, Owner::User(alice)),
        )
        .await
        .unwrap();
        let theirs = regenerate_sip_password(&db, "4711", Actor::Owner(bob)).await;
        assert!(
            matches!(theirs, Err(ExtensionError::NotFound)),
            "{theirs:?}"
        );
        let gone = delete(&db, s.clone(), "4711", Actor::Owner(bob)).await;
        assert!(matches!(gone, Err(ExtensionError::NotFound)), "{gone:?}");
        let renamed = update(&db, "4711", Some("Bob".into()), None, Actor::Owner(bob)).await;
        assert!(
            matches!(renamed, Err(ExtensionError::NotFound)),
            "{renamed:?}"
        );

        let mine = regenerate_sip_password(&db, "4711", Actor::Owner(alice))
            .await
            .unwrap();
        let stored = db
            .read(move |c| extensions::sip_password(c, &mine.username))
            .await
            .unwrap();
        let renamed = update(
            &db,
            "4711",
            Some("Alice B".into()),
            Some(false),
            Actor::Owner(alice),
        )
        .await
        .unwrap();
        assert_eq!((renamed.name.as_str(), renamed.public), ("Alice B", false));
        let kept = update(&db, "4711", None, None, Actor::Staff).await.unwrap();
        assert_eq!(
            (kept.name.as_str(), kept.public),
            ("Alice B", false),
            "absent fields stay"
        );
        assert!(stored.is_some());
        delete(&db, s.clone(), "4711", Actor::Staff).await.unwrap();
        let missing = update(&db, "4711", None, None, Actor::Staff).await;
        assert!(
            matches!(missing, Err(ExtensionError::NotFound)),
            "{missing:?}"
        );
    }

    #[tokio::test]
    async fn handset_extensions_rebind_after_unbind_and_have_no_sip_password() {
        let (_dir, db) = test_db();
        let s = Arc::new(Settings::default());
        let created = claim(
            &db,
            s.clone(),
            claim_of("4711", ExtensionKind::Handset, Owner::Nobody),
        )
        .await
        .unwrap();
        let Created::Handset { token } = created else {
            panic!("a handset extension answers with a token: {created:?}")
        };
        let pw = regenerate_sip_password(&db, "4711", Actor::Staff).await;
        assert!(
            matches!(pw, Err(ExtensionError::NoSipPassword(_))),
            "{pw:?}"
        );

        let fresh = regenerate_token(&db, &s, "4711", Actor::Staff)
            .await
            .unwrap();
        assert_ne!(fresh, token);
        let unbound = unbind(&db, &s, "4711", Actor::Staff).await;
        assert!(
            matches!(unbound, Err(ExtensionError::Db(_))),
            "nothing is bound: {unbound:?}"
        );

        let h = handset_service::mint(&db, &s, 1).await.unwrap().remove(0);
        let id = h.credentials.username.clone();
        let t = fresh.clone();
        db.write(move |tx| handsets::bind(tx, &id, &t, 1))
            .await
            .unwrap();
        let temporary = unbind(&db, &s, "4711", Actor::Staff).await.unwrap();
        let id = h.credentials.username.clone();
        let info = db
            .read(move |c| handsets::get(c, &id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.temporary_number, Some(temporary));
        let ext = db.read(|c| extensions::get(c, "4711")).await.unwrap();
        assert!(
            ext.device_id.is_none() && ext.token.as_deref().is_some_and(|t| t != fresh),
            "{ext:?}"
        );
    }
}
