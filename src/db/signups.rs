//! Accounts made on the sign-up page, counted per client address and in all, so a script
//! cannot fill the user table (and the phonebook) from one address or from many.

use rusqlite::{params, Transaction};

use super::DbError;

/// Sign-ups are counted over this many seconds.
pub const WINDOW: i64 = 3600;

/// Which limit refused a sign-up, and how many seconds until a slot frees up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Too many from this client address.
    Address(i64),
    /// Too many in all.
    Global(i64),
}

/// A counted sign-up, to be given back with [`release`] if the account is not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(i64);

/// Counts a sign-up from `address` if both limits allow it, in one transaction, so parallel
/// requests cannot all pass the check first.
pub fn reserve(
    tx: &Transaction<'_>,
    address: &str,
    at: i64,
    per_address: u32,
    global: u32,
) -> Result<Result<Slot, Limited>, DbError> {
    let since = at - WINDOW;
    tx.execute("DELETE FROM signups WHERE at <= ?1", params![since])?;
    let wait = |oldest: Option<i64>| (oldest.unwrap_or(at) + WINDOW - at).max(1);
    let (count, oldest): (u32, Option<i64>) = tx.query_row(
        "SELECT count(*), min(at) FROM signups WHERE address = ?1",
        params![address],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if count >= per_address {
        return Ok(Err(Limited::Address(wait(oldest))));
    }
    let (count, oldest): (u32, Option<i64>) =
        tx.query_row("SELECT count(*), min(at) FROM signups", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if count >= global {
        return Ok(Err(Limited::Global(wait(oldest))));
    }
    tx.execute(
        "INSERT INTO signups (address, at) VALUES (?1, ?2)",
        params![address, at],
    )?;
    Ok(Ok(Slot(tx.last_insert_rowid())))
}

/// Gives a slot back: the form was refused (bad input, name taken), so nothing was created.
pub fn release(tx: &Transaction<'_>, slot: Slot) -> Result<(), DbError> {
    tx.execute("DELETE FROM signups WHERE rowid = ?1", params![slot.0])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{test_conn, write_in};

    #[test]
    fn limits_per_address_and_in_all() {
        let mut conn = test_conn();
        let t = 1_000_000;
        let mut take =
            |addr: &str, at: i64| write_in(&mut conn, |tx| reserve(tx, addr, at, 2, 3)).unwrap();
        assert!(take("a", t).is_ok());
        let second = take("a", t + 5).unwrap();
        assert_eq!(take("a", t + 10), Err(Limited::Address(WINDOW - 10)));
        assert!(take("b", t + 10).is_ok());
        assert_eq!(take("c", t + 20), Err(Limited::Global(WINDOW - 20)));
        assert!(take("c", t + WINDOW + 1).is_ok(), "the window moves on");
        write_in(&mut conn, |tx| release(tx, second)).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM signups", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2, "b and c: the first pruned, the second released");
    }
}
