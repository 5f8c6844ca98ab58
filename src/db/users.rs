//! People who log in to the web UI, with argon2id password hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{now, Db, DbError};
use crate::domain::accounts::{self, AccountError, Role, Username};

/// A user as the pages see it (never the hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// A disabled user cannot log in and loses its sessions.
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
}

/// Why a user could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    /// Bad username, name or password; the message is for people.
    #[error(transparent)]
    Invalid(#[from] AccountError),
    /// The username exists (case-insensitively).
    #[error("The username {0:?} is taken. Pick another one.")]
    Taken(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
fn hasher() -> Result<Argon2<'static>, DbError> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| DbError::Task(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Argon2 runs at a time. Each takes 19 MiB and a core for tens of milliseconds; without a
/// bound, a burst of logins would spawn hundreds of blocking threads and gigabytes of memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Hashes a password with argon2id on the blocking pool: a hash takes tens of milliseconds
/// of CPU, which must not stall the reactor.
pub async fn hash_password(password: String) -> Result<String, DbError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| DbError::Task(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DbError::Task(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| DbError::Task(e.to_string()))?
}

/// Checks a password against a stored hash on the blocking pool. The parameters come from
/// the stored hash, so older hashes keep working if the defaults change.
pub async fn verify_password(hash: String, password: String) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

const COLUMNS: &str = "id, username, display_name, role, disabled, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        // The CHECK constraint allows only the three names; attendee is the safe fallback.
        role: Role::parse(&role).unwrap_or(Role::Attendee),
        disabled: r.get::<_, i64>(4)? != 0,
        created_at: r.get(5)?,
    })
}

/// Inserts a user with an already computed hash. A taken username is a `Conflict`.
pub fn insert(
    tx: &Transaction<'_>,
    username: &Username,
    display_name: &str,
    password_hash: &str,
    role: Role,
) -> Result<User, DbError> {
    tx.execute(
        "INSERT INTO users (username, display_name, password_hash, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            username.as_str(),
            display_name,
            password_hash,
            role.as_str(),
            now()
        ],
    )?;
    get(tx, tx.last_insert_rowid())
}

/// Validates, hashes (off the reactor) and stores a new user. Used by sign-up and by the
/// CLI (`eventpbx user add NAME --role admin`).
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
    if db.read(move |c| exists(c, lookup.as_str())).await? {
        return Err(AddUserError::Taken(username.to_string()));
    }
    let hash = hash_password(password.to_string()).await?;
    let name = username.clone();
    let result = db
        .write(move |tx| insert(tx, &name, &display_name, &hash, role))
        .await;
    match result {
        Ok(user) => Ok(user),
        // Someone else took the name while we were hashing.
        Err(DbError::Conflict(_)) => Err(AddUserError::Taken(username.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Sets a new password for the user called `username` (case-insensitively): validated and
/// hashed with argon2id like a new account's, then in one transaction stored, every session
/// of the user ended except `keep_session` (an id hash: the page where the user changed it),
/// and the account's failed logins forgotten. Used by the account page and by
/// `eventpbx user password NAME`, the admin's way in when throttling or a lost password
/// keeps someone out.
pub async fn set_password(
    db: &Db,
    username: &str,
    password: &str,
    keep_session: Option<String>,
) -> Result<User, AddUserError> {
    let lookup = username.to_string();
    let user = db
        .read(move |c| get_for_login(c, &lookup))
        .await?
        .map(|(user, _)| user)
        .ok_or(AddUserError::Db(DbError::NotFound))?;
    accounts::check_password(password, &user.username)?;
    let hash = hash_password(password.to_string()).await?;
    let (id, name) = (user.id, user.username.clone());
    db.write(move |tx| {
        let n = tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )?;
        if n == 0 {
            return Err(DbError::NotFound);
        }
        tx.execute(
            "DELETE FROM sessions WHERE user_id = ?1 AND id_hash IS NOT ?2",
            params![id, keep_session],
        )?;
        super::sessions::clear_failures(tx, &name)
    })
    .await?;
    Ok(user)
}

/// Whether a username exists (case-insensitively).
pub fn exists(conn: &Connection, username: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM users WHERE username = ?1",
            params![username],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// One user by id.
pub fn get(conn: &Connection, id: i64) -> Result<User, DbError> {
    Ok(conn.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
        params![id],
        from_row,
    )?)
}

/// A user and the stored hash, by username (case-insensitively), for logging in.
pub fn get_for_login(conn: &Connection, username: &str) -> Result<Option<(User, String)>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1"),
            params![username],
            |r| Ok((from_row(r)?, r.get(6)?)),
        )
        .optional()?)
}

/// Users ordered by username, optionally filtered by a substring of username or name.
pub fn list(
    conn: &Connection,
    search: &str,
    limit: u32,
    offset: u32,
) -> Result<(Vec<User>, u32), DbError> {
    let pattern = super::extensions::like_pattern(search);
    let total: u32 = conn.query_row(
        "SELECT count(*) FROM users WHERE username LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\'",
        params![pattern],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM users
         WHERE username LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\'
         ORDER BY username LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![pattern, limit, offset], from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// Changes a user's role.
pub fn set_role(tx: &Transaction<'_>, id: i64, role: Role) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        params![id, role.as_str()],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Disables or re-enables a user. Disabling also ends the user's sessions.
pub fn set_disabled(tx: &Transaction<'_>, id: i64, disabled: bool) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        params![id, i64::from(disabled)],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    if disabled {
        super::sessions::delete_for_user(tx, id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn add_verify_and_refuse_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(
            &dir.path().join("e.db"),
            std::time::Duration::from_millis(100),
        )
        .unwrap();
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
            .read(|c| get_for_login(c, "ALICE"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.id, u.id);
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(hash.clone(), "correct horse battery".into()).await);
        assert!(!verify_password(hash, "wrong".into()).await);
        let weak = add_user(&db, "bob", "Bob", "short", Role::Attendee).await;
        assert!(matches!(weak, Err(AddUserError::Invalid(_))));
    }
}
