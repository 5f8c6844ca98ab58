//! API keys for other services: 256-bit random, shown once, stored as SHA-256 and looked up
//! by that hash.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::{now, DbError, Refusal};
use crate::domain::secrets;

/// What a key may do. Each scope includes the ones before it, so the derived order is the
/// order of power: `scope >= Scope::ReadWrite` reads "may write".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// GET requests only; no secrets.
    Read,
    /// Everything on numbers and handsets; SIP passwords only of extensions the key created.
    ReadWrite,
    /// Plus users (create, disable, enable, roles) and every SIP password.
    Admin,
}

impl Scope {
    /// Every scope, weakest first (for help texts and tests).
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::ReadWrite, Scope::Admin];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::ReadWrite => "read-write",
            Scope::Admin => "admin",
        }
    }

    /// Parses "read", "read-write" or "admin".
    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A live key, as a request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Row id: recorded as `extensions.created_by_key`.
    pub id: i64,
    /// The key's name, for logs.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
}

/// Prefix that makes a leaked key recognisable as ours.
const PREFIX: &str = "epbx_";

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key named `name`; returns the key itself, which is never stored.
pub fn create(tx: &Transaction<'_>, name: &str, scope: Scope) -> Result<String, DbError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(DbError::Refused(Refusal::KeyNameInvalid));
    }
    let exists: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM api_keys WHERE name = ?1)",
        params![name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(DbError::Refused(Refusal::KeyExists(name.to_string())));
    }
    let key = format!("{PREFIX}{}", secrets::hex256());
    tx.execute(
        "INSERT INTO api_keys (name, key_hash, scope, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, hash(&key), scope.as_str(), now()],
    )?;
    Ok(key)
}

/// Revokes the key named `name`.
pub fn revoke(tx: &Transaction<'_>, name: &str) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, now()],
    )?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The id, name and scope of a live key, if `key` is one.
pub fn verify(conn: &Connection, key: &str) -> Result<Option<Verified>, DbError> {
    let row: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT id, name, scope FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            params![hash(key)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    // An unknown scope (a newer binary wrote it) grants nothing rather than something.
    Ok(row.and_then(|(id, name, scope)| {
        Scope::parse(&scope).map(|scope| Verified { id, name, scope })
    }))
}

/// Whether the key with row id `id` is still live (not revoked).
pub fn is_live(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM api_keys WHERE id = ?1 AND revoked_at IS NULL",
            params![id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// A key as listed for admins (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub name: String,
    pub scope: Scope,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// All keys, newest first.
pub fn list(conn: &Connection) -> Result<Vec<KeyInfo>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, scope, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        let scope: String = r.get(1)?;
        Ok(KeyInfo {
            name: r.get(0)?,
            scope: Scope::parse(&scope).unwrap_or(Scope::Read),
            created_at: r.get(2)?,
            revoked_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in};

    #[test]
    fn keys_are_stored_hashed_and_can_be_revoked() {
        let mut conn = test_conn();
        let key = write_in(&mut conn, |tx| create(tx, "dect-sync", Scope::ReadWrite)).unwrap();
        assert!(key.starts_with("epbx_") && key.len() == 5 + 64);
        let stored: String = conn
            .query_row("SELECT key_hash FROM api_keys", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, key);
        assert!(!stored.contains(&key[5..]));
        let v = verify(&conn, &key).unwrap().unwrap();
        assert_eq!((v.name.as_str(), v.scope), ("dect-sync", Scope::ReadWrite));
        assert_eq!(verify(&conn, "epbx_wrong").unwrap(), None);
        assert!(write_in(&mut conn, |tx| create(tx, "dect-sync", Scope::Read)).is_err());
        assert!(is_live(&conn, v.id).unwrap());
        write_in(&mut conn, |tx| revoke(tx, "dect-sync")).unwrap();
        assert_eq!(verify(&conn, &key).unwrap(), None);
        assert!(!is_live(&conn, v.id).unwrap());
        assert!(matches!(
            write_in(&mut conn, |tx| revoke(tx, "dect-sync")),
            Err(DbError::NotFound)
        ));
        assert_eq!(list(&conn).unwrap().len(), 1);
    }

    #[test]
    fn admin_keys_can_be_stored_and_scopes_are_ordered() {
        let mut conn = test_conn();
        let key = write_in(&mut conn, |tx| create(tx, "root", Scope::Admin)).unwrap();
        assert_eq!(verify(&conn, &key).unwrap().unwrap().scope, Scope::Admin);
        assert!(Scope::Read < Scope::ReadWrite && Scope::ReadWrite < Scope::Admin);
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("root"), None);
    }
}
