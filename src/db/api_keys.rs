//! API keys for other services: 256-bit random, shown once, stored as SHA-256 and looked up
//! by that hash.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::{now, DbError};
use crate::domain::secrets;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// GET requests only.
    Read,
    /// Everything.
    ReadWrite,
}

impl Scope {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::ReadWrite => "read-write",
        }
    }

    /// Parses "read" or "read-write".
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "read" => Some(Scope::Read),
            "read-write" => Some(Scope::ReadWrite),
            _ => None,
        }
    }
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
        return Err(DbError::Refused("a key name is 1 to 64 characters".into()));
    }
    let exists: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM api_keys WHERE name = ?1)",
        params![name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(DbError::Refused(format!(
            "an API key named {name:?} exists"
        )));
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

/// The name and scope of a live key, if `key` is one.
pub fn verify(conn: &Connection, key: &str) -> Result<Option<(String, Scope)>, DbError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT name, scope FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            params![hash(key)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(name, scope)| Scope::parse(&scope).map(|s| (name, s))))
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
        assert_eq!(
            verify(&conn, &key).unwrap(),
            Some(("dect-sync".into(), Scope::ReadWrite))
        );
        assert_eq!(verify(&conn, "epbx_wrong").unwrap(), None);
        assert!(write_in(&mut conn, |tx| create(tx, "dect-sync", Scope::Read)).is_err());
        write_in(&mut conn, |tx| revoke(tx, "dect-sync")).unwrap();
        assert_eq!(verify(&conn, &key).unwrap(), None);
        assert!(matches!(
            write_in(&mut conn, |tx| revoke(tx, "dect-sync")),
            Err(DbError::NotFound)
        ));
        assert_eq!(list(&conn).unwrap().len(), 1);
    }
}
