//! Temporary handsets: minting them for loaner phones and deleting them. The CLI
//! (`eventpbx handset temp`), the admin page and the API mint through [`mint`], so one
//! limit holds whichever front end asks.

use crate::config::Settings;
use crate::db::handsets::{self, TemporaryHandset, TemporaryPlan};
use crate::db::{numbers, Db, DbError};

/// The most handsets one request mints: one transaction holds the writer for all of them, so
/// this bounds how long a mint keeps every other write waiting. It covers a box of phones and
/// the 200 handsets `scripts/bench register` provisions.
pub const MINT_MAX: u32 = 200;

/// Why handsets were not minted (none were then).
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// Fewer than one or more than [`MINT_MAX`] asked for.
    #[error("Mint 1 to {max} handsets at a time.", max = MINT_MAX)]
    Count,
    /// Not enough temporary numbers are free for the request.
    #[error("Only {free} temporary numbers are free; widen numbering.temporary_first/last or delete unused handsets.")]
    RangeFull {
        /// How many are free.
        free: u64,
    },
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why a handset could not be deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteHandsetError {
    /// No handset has that SIP username.
    #[error("Handset not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for DeleteHandsetError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => DeleteHandsetError::NotFound,
            other => DeleteHandsetError::Db(other),
        }
    }
}

/// Checks a requested count against the one limit.
pub fn check_count(count: u32) -> Result<u32, MintError> {
    if (1..=MINT_MAX).contains(&count) {
        Ok(count)
    } else {
        Err(MintError::Count)
    }
}

/// How many numbers of the plan's range are free, if the range reads as numbers.
fn free_numbers(conn: &rusqlite::Connection, plan: &TemporaryPlan) -> Result<Option<u64>, DbError> {
    let (Ok(first), Ok(last)) = (plan.first.parse::<u64>(), plan.last.parse::<u64>()) else {
        // The settings check the range at load; if it still does not parse,
        // `create_temporary` says so itself.
        return Ok(None);
    };
    let size = last.saturating_sub(first).saturating_add(1);
    let used = numbers::count_between(conn, &plan.first, &plan.last)?;
    Ok(Some(size.saturating_sub(used)))
}

/// Mints `count` temporary handsets in one transaction: a box of phones is provisioned
/// completely or not at all.
pub async fn mint(
    db: &Db,
    settings: &Settings,
    count: u32,
) -> Result<Vec<TemporaryHandset>, MintError> {
    let count = check_count(count)?;
    let plan = TemporaryPlan::from_settings(settings);
    db.write_as(move |tx| mint_in(tx, &plan, count)).await
}

/// [`mint`] inside the caller's transaction, for use cases that mint as one step of more (the
/// DECT sync remembers the handset in the same transaction): the same limits.
pub fn mint_in(
    tx: &rusqlite::Transaction<'_>,
    plan: &TemporaryPlan,
    count: u32,
) -> Result<Vec<TemporaryHandset>, MintError> {
    let count = check_count(count)?;
    if let Some(free) = free_numbers(tx, plan)? {
        if free < u64::from(count) {
            return Err(MintError::RangeFull { free });
        }
    }
    (0..count)
        .map(|_| handsets::create_temporary(tx, plan).map_err(MintError::from))
        .collect()
}

/// Deletes a handset with its registrations; a bound extension gets a fresh token.
pub async fn delete(
    db: &Db,
    settings: &Settings,
    sip_username: &str,
) -> Result<(), DeleteHandsetError> {
    let length = settings.numbering.token_length;
    let id = sip_username.to_string();
    db.write_as(move |tx| delete_in(tx, &id, length)).await
}

/// [`delete`] inside the caller's transaction (the help desk writes its audit line in the
/// same one).
pub fn delete_in(
    tx: &rusqlite::Transaction<'_>,
    sip_username: &str,
    token_length: usize,
) -> Result<(), DeleteHandsetError> {
    Ok(handsets::delete(tx, sip_username, token_length)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::tests::test_db;

    async fn temporary_count(db: &Db) -> i64 {
        db.read(handsets::count_temporary).await.unwrap()
    }

    #[tokio::test]
    async fn one_limit_for_every_front_end() {
        let (_dir, db) = test_db();
        let s = Settings::default();
        for refused in [0, MINT_MAX + 1] {
            let r = mint(&db, &s, refused).await;
            assert!(matches!(r, Err(MintError::Count)), "{refused}: {r:?}");
        }
        assert_eq!(temporary_count(&db).await, 0);
        let minted = mint(&db, &s, 3).await.unwrap();
        assert_eq!(minted.len(), 3);
        let mut numbers: Vec<_> = minted.iter().map(|h| h.number.clone()).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 3, "each gets its own number");
        assert_eq!(temporary_count(&db).await, 3);
        assert_eq!(check_count(MINT_MAX).unwrap(), MINT_MAX);
    }

    #[tokio::test]
    async fn a_request_the_range_cannot_hold_mints_nothing() {
        let (_dir, db) = test_db();
        let mut s = Settings::default();
        let first: u64 = s.numbering.temporary_first.parse().unwrap();
        s.numbering.temporary_last = (first + 3).to_string();
        mint(&db, &s, 2).await.unwrap();
        let r = mint(&db, &s, 3).await;
        assert!(matches!(r, Err(MintError::RangeFull { free: 2 })), "{r:?}");
        assert_eq!(temporary_count(&db).await, 2, "all or nothing");
        mint(&db, &s, 2).await.unwrap();
        assert_eq!(temporary_count(&db).await, 4);
    }

    #[tokio::test]
    async fn deleting_an_unknown_handset_says_not_found() {
        let (_dir, db) = test_db();
        let s = Settings::default();
        let h = mint(&db, &s, 1).await.unwrap().remove(0);
        delete(&db, &s, &h.credentials.username).await.unwrap();
        assert_eq!(temporary_count(&db).await, 0);
        let again = delete(&db, &s, &h.credentials.username).await;
        assert!(
            matches!(again, Err(DeleteHandsetError::NotFound)),
            "{again:?}"
        );
    }
}
