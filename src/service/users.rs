//! Accounts: add a user, check and change a password, disable a user. Sign-up, the account
//! page, the admin page, the API and the CLI all come through here, so a password is
//! validated, hashed and stored the same way whoever asks.

use crate::db::{sessions, users, Db, DbError};
use crate::domain::accounts::{self, AccountError, Role, Username};
use crate::domain::lang::Lang;
use crate::domain::secrets;

pub use crate::db::users::User;

/// Argon2 runs at a time. Each takes 19 MiB and a core for tens of milliseconds; without a
/// bound, a burst of logins would spawn hundreds of blocking threads and gigabytes of memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// A hash of a password nobody has, checked when a login names an unknown user so that the
/// answer takes as long as for a known one.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// Why a user could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    /// Bad username, name or password; the message is for people.
    #[error(transparent)]
    Invalid(#[from] AccountError),
    /// The username exists (case-insensitively).
    #[error("The username {0:?} is taken. Pick another one.")]
    Taken(String),
    /// Sign-up is closed outside the event's registration window.
    #[error(transparent)]
    Closed(#[from] crate::domain::event::Closed),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why a password could not be set.
#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    /// No user has that name.
    #[error("no user is called {0:?}")]
    NoSuchUser(String),
    /// The new password breaks a rule; the message is for people.
    #[error(transparent)]
    Invalid(#[from] AccountError),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why a user could not be disabled or enabled.
#[derive(Debug, thiserror::Error)]
pub enum DisableError {
    /// No such user.
    #[error("User not found")]
    NotFound,
    /// An admin may not lock themselves out.
    #[error("You cannot disable yourself.")]
    Yourself,
    /// Storage failed.
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for DisableError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => DisableError::NotFound,
            other => DisableError::Db(other),
        }
    }
}

/// A user named by row id (the pages) or by login name (the API, the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// The row id.
    Id(i64),
    /// The login name, case-insensitively.
    Name(String),
}

fn resolve(conn: &rusqlite::Connection, user: &UserRef) -> Result<i64, DbError> {
    match user {
        UserRef::Id(id) => Ok(*id),
        UserRef::Name(name) => users::id_of(conn, name)?.ok_or(DbError::NotFound),
    }
}

/// Hashes a password with argon2id on the blocking pool: a hash takes tens of milliseconds
/// of CPU, which must not stall the reactor.
pub async fn hash_password(password: String) -> Result<String, DbError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| DbError::Task(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        secrets::hash_password(&password).map_err(|e| DbError::Task(e.to_string()))
    })
    .await
    .map_err(|e| DbError::Task(e.to_string()))?
}

/// Checks a password against a stored hash on the blocking pool.
pub async fn verify_password(hash: String, password: String) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || secrets::verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

/// The user called `username` (case-insensitively) if `password` is theirs, disabled or not
/// (the login page says "disabled" only to someone who knows the password). An unknown name
/// costs the same hash as a known one, so timing does not tell which names exist.
pub async fn check_password(
    db: &Db,
    username: &str,
    password: String,
) -> Result<Option<User>, DbError> {
    let lookup = username.to_string();
    match db.read(move |c| users::get_for_login(c, &lookup)).await? {
        Some((user, hash)) => Ok(verify_password(hash, password).await.then_some(user)),
        None => {
            let dummy = DUMMY_HASH
                .get_or_try_init(|| hash_password("not a password".into()))
                .await?
                .clone();
            let _ = verify_password(dummy, password).await;
            Ok(None)
        }
    }
}

/// Validates, hashes (off the reactor) and stores a new user. Used by sign-up, the API and
/// the CLI (`eventpbx user add NAME --role admin`).
pub async fn add_user(
    db: &Db,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
) -> Result<User, AddUserError> {
    let username = Username::parse(username)?;
    let display_name = accounts::display_name(display_name)?;
    accounts::check_password(password, username.as_str())?;
    let lookup = username.clone();
    // Asked before hashing so a taken name costs no argon2 run; the insert still decides.
    if db.read(move |c| users::exists(c, lookup.as_str())).await? {
        return Err(AddUserError::Taken(username.to_string()));
    }
    let hash = hash_password(password.to_string()).await?;
    let name = username.clone();
    let result = db
        .write(move |tx| users::insert(tx, &name, &display_name, &hash, role))
        .await;
    match result {
        Ok(user) => Ok(user),
        // Someone else took the name while we were hashing.
        Err(DbError::Conflict(_)) => Err(AddUserError::Taken(username.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Sign-up: [`add_user`] as an attendee, open only within the event's registration window
/// (staff add users through [`add_user`] at any time).
pub async fn sign_up(
    db: &Db,
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<User, AddUserError> {
    let now = crate::db::now();
    db.read(move |c| crate::service::events::registration(c, now))
        .await??;
    add_user(db, username, display_name, password, Role::Attendee).await
}

/// Sets a new password for the user called `username` (case-insensitively): validated and
/// hashed like a new account's, then in one transaction stored, every session of the user
/// ended except `keep_session` (an id hash: the page where the user changed it), and the
/// account's failed logins forgotten. Used by the account page and by
/// `eventpbx user password NAME`, the admin's way in when throttling or a lost password
/// keeps someone out.
pub async fn set_password(
    db: &Db,
    username: &str,
    password: &str,
    keep_session: Option<String>,
) -> Result<User, SetPasswordError> {
    let lookup = username.to_string();
    let user = db
        .read(move |c| users::get_for_login(c, &lookup))
        .await?
        .map(|(user, _)| user)
        .ok_or_else(|| SetPasswordError::NoSuchUser(username.to_string()))?;
    accounts::check_password(password, &user.username)?;
    let hash = hash_password(password.to_string()).await?;
    let (id, name) = (user.id, user.username.clone());
    let written = db
        .write(move |tx| {
            users::set_password_hash(tx, id, &hash)?;
            sessions::delete_others(tx, id, keep_session.as_deref())?;
            sessions::clear_failures(tx, &name)
        })
        .await;
    match written {
        Ok(()) => Ok(user),
        // Deleted between the read and the write.
        Err(DbError::NotFound) => Err(SetPasswordError::NoSuchUser(username.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Remembers the web pages' language a user chose (None: follow the browser again).
pub async fn set_language(db: &Db, user_id: i64, language: Option<Lang>) -> Result<(), DbError> {
    db.write(move |tx| users::set_language(tx, user_id, language))
        .await
}

/// Disables (ending the user's sessions now) or re-enables a user; `by` is the user who asks,
/// if a person does, who may not disable themselves. Returns the changed user.
pub async fn set_disabled(
    db: &Db,
    user: UserRef,
    disabled: bool,
    by: Option<i64>,
) -> Result<User, DisableError> {
    db.write_as(move |tx| {
        let id = resolve(tx, &user)?;
        if disabled && by == Some(id) {
            return Err(DisableError::Yourself);
        }
        users::set_disabled(tx, id, disabled)?;
        if disabled {
            sessions::delete_for_user(tx, id)?;
        }
        Ok(users::get(tx, id)?)
    })
    .await
}

/// Gives a user (by row id from the admin page, by name from the CLI) another role; the new
/// role applies from their next request, since every request reads it fresh. Returns the
/// changed user; an unknown one is `DisableError::NotFound`, like enabling one.
pub async fn set_role(db: &Db, user: UserRef, role: Role) -> Result<User, DisableError> {
    db.write_as(move |tx| {
        let id = resolve(tx, &user)?;
        users::set_role(tx, id, role)?;
        Ok(users::get(tx, id)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::tests::test_db;

    #[tokio::test]
    async fn add_verify_and_refuse_duplicates() {
        let (_dir, db) = test_db();
        let u = add_user(
            &db,
            "Alice",
            "Alice A.",
            "correct horse battery",
            Role::Admin,
        )
        .await
        .unwrap();
        assert_eq!(u.role, Role::Admin);
        let dup = add_user(&db, "alice", "x", "correct horse battery", Role::Attendee).await;
        assert!(matches!(dup, Err(AddUserError::Taken(_))), "{dup:?}");
        let (user, hash) = db
            .read(|c| users::get_for_login(c, "ALICE"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.id, u.id);
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let ok = check_password(&db, "aLiCe", "correct horse battery".into()).await;
        assert_eq!(ok.unwrap().map(|u| u.id), Some(u.id));
        let wrong = check_password(&db, "alice", "correct horse batterY".into()).await;
        assert_eq!(wrong.unwrap(), None);
        let nobody = check_password(&db, "nobody", "correct horse battery".into()).await;
        assert_eq!(nobody.unwrap(), None);
        let weak = add_user(&db, "bob", "Bob", "short", Role::Attendee).await;
        assert!(matches!(weak, Err(AddUserError::Invalid(_))), "{weak:?}");
        let bad_name = add_user(&db, "b b", "Bob", "correct horse battery", Role::Attendee).await;
        assert!(
            matches!(bad_name, Err(AddUserError::Invalid(_))),
            "{bad_name:?}"
        );
    }

    async fn sessions_of(db: &Db, id: i64) -> Vec<String> {
        db.read(move |c| {
            let mut stmt = c.prepare("SELECT id_hash FROM sessions WHERE user_id = ?1")?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_new_password_ends_the_other_sessions_and_clears_throttling() {
        let (_dir, db) = test_db();
        let u = add_user(&db, "ann", "Ann", "correct horse battery", Role::Attendee)
            .await
            .unwrap();
        let (id, at) = (u.id, crate::db::now());
        let (keep, _other) = db
            .write(move |tx| {
                let a = sessions::create(tx, id)?;
                let b = sessions::create(tx, id)?;
                sessions::record_failure(tx, "ann", "10.0.0.9", at)?;
                Ok((sessions::hash_id(&a.id), b))
            })
            .await
            .unwrap();
        let weak = set_password(&db, "ANN", "ann", None).await;
        assert!(
            matches!(weak, Err(SetPasswordError::Invalid(_))),
            "{weak:?}"
        );
        assert_eq!(
            sessions_of(&db, id).await.len(),
            2,
            "a refusal changes nothing"
        );

        set_password(&db, "ANN", "staple battery horse", Some(keep.clone()))
            .await
            .unwrap();
        assert_eq!(sessions_of(&db, id).await, [keep]);
        let failures: i64 = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM login_failures", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(failures, 0);
        assert!(check_password(&db, "ann", "staple battery horse".into())
            .await
            .unwrap()
            .is_some());
        assert!(check_password(&db, "ann", "correct horse battery".into())
            .await
            .unwrap()
            .is_none());
        let missing = set_password(&db, "nobody", "staple battery horse", None).await;
        assert!(
            matches!(missing, Err(SetPasswordError::NoSuchUser(_))),
            "{missing:?}"
        );
    }

    #[tokio::test]
    async fn disabling_ends_sessions_but_not_for_yourself() {
        let (_dir, db) = test_db();
        let u = add_user(&db, "root", "Root", "correct horse battery", Role::Admin)
            .await
            .unwrap();
        let id = u.id;
        db.write(move |tx| sessions::create(tx, id)).await.unwrap();
        let me = set_disabled(&db, UserRef::Id(id), true, Some(id)).await;
        assert!(matches!(me, Err(DisableError::Yourself)), "{me:?}");
        assert_eq!(sessions_of(&db, id).await.len(), 1);
        let off = set_disabled(&db, UserRef::Name("ROOT".into()), true, None)
            .await
            .unwrap();
        assert!(off.disabled);
        assert!(sessions_of(&db, id).await.is_empty());
        let on = set_disabled(&db, UserRef::Id(id), false, Some(id))
            .await
            .unwrap();
        assert!(!on.disabled, "re-enabling yourself is no lock-out");
        let missing = set_disabled(&db, UserRef::Name("nobody".into()), true, None).await;
        assert!(
            matches!(missing, Err(DisableError::NotFound)),
            "{missing:?}"
        );
    }
}
