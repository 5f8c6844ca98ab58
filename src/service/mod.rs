//! The use cases every front end calls: the CLI, the pages and the API come here for any
//! change that takes more than one step, so each rule (who may change what, how many
//! handsets one request mints, how a password is hashed) lives once.
//!
//! Each function is async over [`crate::db::Db`] and the domain policies, runs its change in
//! one transaction, and answers with one flat error per use case (`ClaimError`,
//! `MintError`, ...). Turning those errors into HTTP answers is the web layer's job
//! (`web::failure`); none of them carries HTTP or page text beyond its one-line message.

pub mod browser;
pub mod check;
pub mod conferences;
pub mod dect;
pub mod events;
pub mod extensions;
pub mod handsets;
pub mod helpdesk;
pub mod routing;
pub mod transfer;
pub mod users;

#[cfg(test)]
pub(crate) mod tests {
    use crate::db::Db;

    /// A migrated database in a temporary folder, as the daemon opens it (the folder goes
    /// when the returned guard does).
    pub(crate) fn test_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(
            &dir.path().join("eventpbx.db"),
            std::time::Duration::from_millis(500),
        )
        .unwrap();
        (dir, db)
    }
}
