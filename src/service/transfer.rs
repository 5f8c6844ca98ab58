//! `eventpbx export` and `eventpbx import --next-event`: the whole of an event's people and
//! numbers into one file, and from it into the next event's database.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Settings;
use crate::db::transfer::{self, ImportError, Imported};
use crate::db::{Db, DbError};
use crate::domain::export::{self, Invalid};

/// Why an export or import did not happen (an import then wrote nothing).
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The export file exists already; it is never overwritten.
    #[error("{0} exists already; choose a new file name")]
    Exists(PathBuf),
    /// The file to import is refused; the message names the first problem.
    #[error("refused, nothing imported: {0}")]
    Invalid(Invalid),
    /// The database to import into is not empty.
    #[error("refused, nothing imported: {0}")]
    Import(ImportError),
    /// Reading or writing the file failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub users: usize,
    pub extensions: usize,
    pub devices: usize,
    pub bytes: u64,
}

/// Writes the export of `db` into the new file `path`, mode 0600 (it holds SIP passwords and
/// password hashes).
pub async fn export_to(db: &Db, path: &Path) -> Result<Exported, TransferError> {
    let file = db.read(|c| transfer::read(c, crate::db::now())).await?;
    let text = serde_json::to_vec_pretty(&file).map_err(|e| TransferError::Io {
        context: "cannot encode the export".into(),
        source: std::io::Error::other(e),
    })?;
    let mut out = crate::db::backup::create_private(path).map_err(|e| match e {
        crate::db::backup::BackupError::Exists(p) => TransferError::Exists(p),
        other => TransferError::Io {
            context: format!("cannot create {}", path.display()),
            source: std::io::Error::other(other.to_string()),
        },
    })?;
    let io = |source| TransferError::Io {
        context: format!("cannot write {}", path.display()),
        source,
    };
    out.write_all(&text).map_err(io)?;
    out.sync_all().map_err(io)?;
    Ok(Exported {
        users: file.users.len(),
        extensions: file.extensions.len(),
        devices: file.devices.len(),
        bytes: text.len() as u64,
    })
}

/// Reads at most [`export::MAX_BYTES`] of `path` as text, and checks it.
pub fn read_file(path: &Path) -> Result<export::Export, TransferError> {
    let io = |source| TransferError::Io {
        context: format!("cannot read {}", path.display()),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(export::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        TransferError::Invalid(Invalid {
            place: "file".into(),
            problem: "not UTF-8 text".into(),
        })
    })?;
    export::parse(&text).map_err(TransferError::Invalid)
}

/// Creates the next event from the export `path` in one transaction: all of it or nothing.
/// Extensions are held for their owners until `hold_until` (unix seconds).
pub async fn import_next_event(
    db: &Db,
    settings: Arc<Settings>,
    path: &Path,
    hold_until: i64,
) -> Result<Imported, TransferError> {
    let file = read_file(path)?;
    db.write_as(move |tx| transfer::import_next_event(tx, &settings, &file, hold_until))
        .await
        .map_err(|e| match e {
            ImportError::Invalid(i) => TransferError::Invalid(i),
            ImportError::Db(e) => TransferError::Db(e),
            other => TransferError::Import(other),
        })
}

#[cfg(test)]
#[path = "transfer_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "transfer_room_tests.rs"]
mod room_tests;

#[cfg(test)]
#[path = "transfer_browser_tests.rs"]
mod browser_tests;
