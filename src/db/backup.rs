//! Backups and restores of the database file.
//!
//! A backup is `VACUUM INTO` a new file: it reads one consistent snapshot inside a read
//! transaction, which under WAL blocks neither Asterisk's writes (registrations into
//! ps_contacts) nor ours, and it writes a compact file with nothing of the WAL left out.
//! The file holds SIP passwords in the clear, so it is created mode 0600 before SQLite
//! writes into it, and only renamed into place once complete.
//!
//! A restore replaces the database file, which is only safe while no process has it open:
//! a process holding it (Asterisk's res_config_sqlite3 keeps its connection for its whole
//! life) would go on reading and writing the old inode and its `-wal`/`-shm`, so its
//! registrations would vanish and its view would never change. [`holders`] finds such
//! processes in `/proc/*/fd`.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{configure, integrity_check, migrate, DbError, MIGRATIONS};

/// Why a backup or a restore did not happen (then nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database to back up does not exist.
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    /// The backup file exists already; a backup never overwrites one.
    #[error("{0} exists already; choose a new file name")]
    Exists(PathBuf),
    /// The file to restore is not an SQLite database at all.
    #[error("{0} is not an SQLite database")]
    NotSqlite(PathBuf),
    /// SQLite's integrity check found damage in the file to restore.
    #[error("{path} is damaged (integrity check: {findings})")]
    Corrupt { path: PathBuf, findings: String },
    /// The file to restore is an SQLite database, but not one of eventpbx.
    #[error("{0} is not an eventpbx database (no schema version)")]
    NotEventpbx(PathBuf),
    /// The file to restore was written by a newer eventpbx.
    #[error("{path} has schema version {found}, newer than this eventpbx (it knows {known}); upgrade eventpbx first")]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    /// A process (Asterisk, a running eventpbx) has the database open.
    #[error("{0}; stop it first (it would go on using the old file)")]
    InUse(String),
    /// Filesystem trouble.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// SQLite trouble.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> Self {
        BackupError::Db(DbError::from(e))
    }
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Creates `path` empty with mode 0600, failing if it exists.
pub fn create_private(path: &Path) -> Result<fs::File, BackupError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            BackupError::Exists(path.to_path_buf())
        } else {
            BackupError::Io {
                context: format!("cannot create {}", path.display()),
                source,
            }
        }
    })
}

/// A hidden name beside `path` for the file being written, so a crash leaves no
/// half-written file under the final name.
fn partial_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Writes a consistent copy of the database `conn` is open on into the new file `dest`
/// (mode 0600), safe while other connections and processes write.
pub fn backup_to(conn: &Connection, dest: &Path) -> Result<BackupInfo, BackupError> {
    if dest.exists() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    let partial = partial_name(dest);
    drop(create_private(&partial)?);
    let written = (|| {
        // SQLite accepts an existing empty file as the target and keeps its mode.
        conn.execute("VACUUM INTO ?1", [partial.to_string_lossy()])?;
        let file = fs::File::open(&partial).map_err(io("cannot reopen the backup"))?;
        file.sync_all().map_err(io("cannot flush the backup"))?;
        // A hard link fails if `dest` appeared meanwhile: never overwrite a file.
        fs::hard_link(&partial, dest).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                BackupError::Exists(dest.to_path_buf())
            } else {
                BackupError::Io {
                    context: format!("cannot create {}", dest.display()),
                    source,
                }
            }
        })?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(BackupInfo {
            path: dest.to_path_buf(),
            bytes,
        })
    })();
    // The partial name goes in every case; on success `dest` is the same file.
    let _ = fs::remove_file(&partial);
    written
}

/// Opens an existing database for a backup without creating or migrating anything.
pub fn open_existing(path: &Path, busy_timeout: Duration) -> Result<Connection, BackupError> {
    if !path.is_file() {
        return Err(BackupError::NoDatabase(path.to_path_buf()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    Ok(conn)
}

/// File names of automatic backups: `eventpbx-<UTC time>.db`, so names sort by age.
const AUTO_PREFIX: &str = "eventpbx-";
const AUTO_SUFFIX: &str = ".db";

/// The automatic backup file name for a time, e.g. `eventpbx-20261202T170000Z.db`.
pub fn auto_name(unix_secs: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = at.format(&format).unwrap_or_else(|_| unix_secs.to_string());
    format!("{AUTO_PREFIX}{stamp}{AUTO_SUFFIX}")
}

/// Takes an automatic backup into `dir` (created mode 0700) and deletes the oldest automatic
/// backups beyond `keep`. Other files in `dir` are left alone.
pub fn auto_backup(
    conn: &Connection,
    dir: &Path,
    keep: usize,
    now: i64,
) -> Result<(BackupInfo, Vec<PathBuf>), BackupError> {
    fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io(format!("cannot restrict {}", dir.display())))?;
    }
    let info = backup_to(conn, &dir.join(auto_name(now)))?;
    let mut ours: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io(format!("cannot list {}", dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(AUTO_PREFIX) && n.ends_with(AUTO_SUFFIX))
        })
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for old in ours.into_iter().take(excess) {
        fs::remove_file(&old).map_err(io(format!("cannot remove {}", old.display())))?;
        removed.push(old);
    }
    Ok((info, removed))
}

/// Processes that have `db` (or its `-wal`/`-shm`) open, as "pid N (name) has ... open"
/// lines, read from `/proc/*/fd`. Files are compared by device and inode, not by path: the
/// sandbox's Asterisk sees the data folder through a bind mount in its chroot, so its
/// descriptors name another path for the same file. A process whose open files cannot be
/// read (another user's) counts when its name says it is Asterisk or eventpbx: guessing "not
/// running" there could cost the data.
pub fn holders(db: &Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let side = |suffix: &str| PathBuf::from(format!("{}{suffix}", db.display()));
    let watched: Vec<(u64, u64)> = [db.to_path_buf(), side("-wal"), side("-shm")]
        .iter()
        .filter_map(|p| fs::metadata(p).ok())
        .map(|m| (m.dev(), m.ino()))
        .collect();
    if watched.is_empty() {
        return Vec::new();
    }
    let Ok(procs) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in procs.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let comm = fs::read_to_string(entry.path().join("comm"))
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        match fs::read_dir(entry.path().join("fd")) {
            Ok(fds) => {
                // metadata() follows the descriptor's link to the open file itself.
                let holds = fds.filter_map(Result::ok).any(|fd| {
                    fs::metadata(fd.path()).is_ok_and(|m| watched.contains(&(m.dev(), m.ino())))
                });
                if holds {
                    found.push(format!("pid {pid} ({comm}) has {} open", db.display()));
                }
            }
            Err(_) if comm == "asterisk" || comm == "eventpbx" => found.push(format!(
                "pid {pid} ({comm}) runs and its open files cannot be checked"
            )),
            Err(_) => {}
        }
    }
    found
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Migrations applied to the restored copy (it came from an older eventpbx).
    pub migrated: usize,
    /// Registrations (ps_contacts rows) cleared: they were the phones' state at backup time.
    pub contacts_cleared: usize,
    /// Where the replaced database was kept (none if there was none).
    pub previous: Option<PathBuf>,
}

/// SQLite's file header, the first 16 bytes of every database.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Checks `source` and replaces the database `db` with it atomically: refuses while a process
/// has `db` open, and refuses a file that is not SQLite, fails the integrity check, is not an
/// eventpbx database or is newer than this binary. The old database is kept beside as
/// `<db>.before-restore-<time>`; the restored one has its registrations cleared.
pub fn restore(source: &Path, db: &Path, busy_timeout: Duration) -> Result<Restored, BackupError> {
    let in_use = holders(db);
    if !in_use.is_empty() {
        return Err(BackupError::InUse(in_use.join("; ")));
    }
    let mut header = [0u8; 16];
    let mut file =
        fs::File::open(source).map_err(io(format!("cannot open {}", source.display())))?;
    if file.read_exact(&mut header).is_err() || &header != SQLITE_HEADER {
        return Err(BackupError::NotSqlite(source.to_path_buf()));
    }
    drop(file);
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    super::prepare_data_dir(dir)?;
    // Work on a copy beside the database: the source stays as it was, and the final rename
    // stays within one filesystem, so it is atomic.
    let partial = partial_name(db);
    let result = (|| {
        {
            let mut out = create_private(&partial)?;
            let mut input =
                fs::File::open(source).map_err(io(format!("cannot open {}", source.display())))?;
            std::io::copy(&mut input, &mut out)
                .map_err(io(format!("cannot copy {}", source.display())))?;
            out.flush().map_err(io("cannot write the copy"))?;
        }
        let (migrated, contacts_cleared) = prepare_copy(&partial, source, busy_timeout)?;
        fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(io("cannot flush the copy"))?;
        super::restrict(&partial, 0o660)?;
        let previous = keep_previous(db)?;
        // A WAL left by the old database would be replayed into the new file on its next
        // open: remove it (nobody has it open; checked above, and the old one was
        // checkpointed into the kept copy first).
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", db.display()));
            match fs::remove_file(&side) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(format!("cannot remove {}", side.display()))(e)),
            }
        }
        fs::rename(&partial, db).map_err(io(format!("cannot replace {}", db.display())))?;
        Ok(Restored {
            migrated,
            contacts_cleared,
            previous,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
        for suffix in ["-wal", "-shm", "-journal"] {
            let _ = fs::remove_file(format!("{}{suffix}", partial.display()));
        }
    }
    result
}

/// Checks and readies the copy: integrity, schema version (migrating an older one), WAL,
/// no registrations. Returns (migrations applied, contacts cleared).
fn prepare_copy(
    copy: &Path,
    source: &Path,
    busy_timeout: Duration,
) -> Result<(usize, usize), BackupError> {
    let mut conn = Connection::open_with_flags(
        copy,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let corrupt = |findings: String| BackupError::Corrupt {
        path: source.to_path_buf(),
        findings,
    };
    // A damaged file may fail already when SQLite reads its schema.
    match integrity_check(&conn) {
        Ok(Ok(())) => {}
        Ok(Err(findings)) => return Err(corrupt(findings)),
        Err(e) => return Err(corrupt(e.to_string())),
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    let has_users: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'users'",
        [],
        |r| r.get(0),
    )?;
    if version == 0 || !has_users {
        return Err(BackupError::NotEventpbx(source.to_path_buf()));
    }
    if version > MIGRATIONS.len() {
        return Err(BackupError::TooNew {
            path: source.to_path_buf(),
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    configure(&conn, busy_timeout)?;
    let migrated = migrate(&mut conn)?;
    let cleared = conn.execute("DELETE FROM ps_contacts", [])?;
    conn.execute("DELETE FROM eventpbx_contact_writes", [])?;
    // Fold the WAL in, so the copy is one self-contained file when it is renamed.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    Ok((migrated, cleared))
}

/// Keeps the current database (checkpointed, so the kept file is complete) under a new name
/// by a hard link; the rename that follows then replaces `db` without a moment without it.
fn keep_previous(db: &Path) -> Result<Option<PathBuf>, BackupError> {
    if !db.exists() {
        return Ok(None);
    }
    {
        let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    let kept = PathBuf::from(format!("{}.before-restore-{}", db.display(), super::now()));
    fs::hard_link(db, &kept).map_err(io(format!("cannot keep {}", db.display())))?;
    Ok(Some(kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_and_migrate;
    use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
    use std::sync::Arc;

    const BUSY: Duration = Duration::from_millis(2000);

    fn count(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    /// A database with `n` phonebook entries and two registrations.
    fn fixture(dir: &Path, n: i64) -> PathBuf {
        let path = dir.join("data").join("eventpbx.db");
        let (conn, _) = open_and_migrate(&path, BUSY).unwrap();
        for i in 0..n {
            conn.execute(
                "INSERT INTO phonebook_entries (name, number, created_at) VALUES (?1, ?2, 0)",
                rusqlite::params![format!("Entry {i}"), format!("{}", 100_000 + i)],
            )
            .unwrap();
        }
        for id in ["a;@1", "b;@2"] {
            conn.execute(
                "INSERT INTO ps_contacts (id, uri) VALUES (?1, 'sip:x')",
                [id],
            )
            .unwrap();
        }
        path
    }

    #[test]
    fn a_backup_during_concurrent_writes_is_a_consistent_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 0);
        let stop = Arc::new(AtomicBool::new(false));
        let committed = Arc::new(AtomicI64::new(0));
        // Another process's writer (Asterisk's registrations, say): each transaction adds
        // one row to each of two tables, so a torn copy would show different counts.
        let writer = {
            let (path, stop, committed) = (path.clone(), stop.clone(), committed.clone());
            std::thread::spawn(move || {
                let mut conn = crate::db::open(&path, BUSY).unwrap();
                let mut i = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    let tx = conn
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .unwrap();
                    tx.execute(
                        "INSERT INTO ps_contacts (id, uri) VALUES (?1, 'sip:burst')",
                        [format!("c{i};@x")],
                    )
                    .unwrap();
                    tx.execute(
                        "INSERT INTO reserved_numbers (number, reason) VALUES (?1, 'burst')",
                        [format!("{}", 500_000 + i)],
                    )
                    .unwrap();
                    tx.commit().unwrap();
                    i += 1;
                    committed.store(i, Ordering::SeqCst);
                }
                i
            })
        };
        while committed.load(Ordering::SeqCst) < 50 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let conn = open_existing(&path, BUSY).unwrap();
        let mut seen = Vec::new();
        for k in 0..5 {
            let before = committed.load(Ordering::SeqCst);
            let dest = dir.path().join(format!("b{k}.db"));
            backup_to(&conn, &dest).unwrap();
            let after = committed.load(Ordering::SeqCst);
            let copy = Connection::open(&dest).unwrap();
            assert_eq!(integrity_check(&copy).unwrap(), Ok(()));
            let burst: i64 = copy
                .query_row(
                    "SELECT count(*) FROM ps_contacts WHERE uri = 'sip:burst'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                burst,
                count(&copy, "reserved_numbers"),
                "no torn transaction"
            );
            assert!(
                (before..=after).contains(&burst),
                "{burst} rows: the state of one moment between {before} and {after}"
            );
            assert_eq!(
                count(&copy, "ps_contacts") - burst,
                2,
                "the fixture's rows too"
            );
            seen.push(burst);
        }
        stop.store(true, Ordering::Relaxed);
        let total = writer.join().unwrap();
        assert!(
            total > seen[0],
            "the writer kept writing during the backups"
        );
    }

    #[test]
    fn a_backup_is_private_and_never_overwrites() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 3);
        let conn = open_existing(&path, BUSY).unwrap();
        let dest = dir.path().join("b.db");
        let info = backup_to(&conn, &dest).unwrap();
        assert!(info.bytes > 0);
        let mode = fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = backup_to(&conn, &dest);
        assert!(matches!(again, Err(BackupError::Exists(_))), "{again:?}");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("partial"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_backup_of_a_missing_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.db");
        assert!(matches!(
            open_existing(&missing, BUSY),
            Err(BackupError::NoDatabase(_))
        ));
        assert!(!missing.exists(), "nothing was created");
    }

    #[test]
    fn automatic_backups_keep_only_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 1);
        let conn = open_existing(&path, BUSY).unwrap();
        let backups = dir.path().join("backups");
        fs::create_dir_all(&backups).unwrap();
        fs::write(backups.join("notes.txt"), "mine").unwrap();
        for (k, t) in [1_800_000_000, 1_800_000_600, 1_800_001_200]
            .iter()
            .enumerate()
        {
            let (_, removed) = auto_backup(&conn, &backups, 2, *t).unwrap();
            assert_eq!(removed.len(), k.saturating_sub(1));
        }
        let mut names: Vec<String> = fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                auto_name(1_800_000_600),
                auto_name(1_800_001_200),
                "notes.txt".to_string()
            ]
        );
        assert_eq!(auto_name(1_800_000_000), "eventpbx-20270115T080000Z.db");
    }

    fn backup_of(dir: &Path, path: &Path) -> PathBuf {
        let conn = open_existing(path, BUSY).unwrap();
        let dest = dir.join("backup.db");
        backup_to(&conn, &dest).unwrap();
        dest
    }

    #[test]
    fn restore_replaces_the_database_and_clears_registrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 5);
        let backup = backup_of(dir.path(), &path);
        {
            let conn = crate::db::open(&path, BUSY).unwrap();
            conn.execute("DELETE FROM phonebook_entries", []).unwrap();
        }
        let restored = restore(&backup, &path, BUSY).unwrap();
        assert_eq!(restored.contacts_cleared, 2);
        assert_eq!(restored.migrated, 0);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(count(&conn, "phonebook_entries"), 5);
        assert_eq!(count(&conn, "ps_contacts"), 0);
        let kept = Connection::open(restored.previous.unwrap()).unwrap();
        assert_eq!(count(&kept, "phonebook_entries"), 0, "the old one, kept");
        assert_eq!(count(&kept, "ps_contacts"), 2);
    }

    /// The database is untouched: the fixture's 5 entries and 2 registrations.
    fn assert_unchanged(path: &Path) {
        let conn = Connection::open(path).unwrap();
        assert_eq!(count(&conn, "phonebook_entries"), 5);
        assert_eq!(count(&conn, "ps_contacts"), 2);
        let names: Vec<String> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("partial") || n.contains("before-restore"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn restore_refuses_a_file_that_is_not_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 5);
        let bogus = dir.path().join("bogus.db");
        fs::write(
            &bogus,
            b"{\"format\":\"eventpbx-export\"} and more than sixteen bytes",
        )
        .unwrap();
        let e = restore(&bogus, &path, BUSY).unwrap_err();
        assert!(matches!(e, BackupError::NotSqlite(_)), "{e}");
        fs::write(&bogus, b"").unwrap();
        let e = restore(&bogus, &path, BUSY).unwrap_err();
        assert!(matches!(e, BackupError::NotSqlite(_)), "{e}");
        assert_unchanged(&path);
    }

    #[test]
    fn restore_refuses_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 5);
        let backup = backup_of(dir.path(), &path);
        // Keep the header, wreck the pages after the first.
        let mut bytes = fs::read(&backup).unwrap();
        assert!(bytes.len() > 8192);
        for b in &mut bytes[4096..8192] {
            *b = 0x5a;
        }
        fs::write(&backup, &bytes).unwrap();
        let e = restore(&backup, &path, BUSY).unwrap_err();
        assert!(matches!(e, BackupError::Corrupt { .. }), "{e}");
        assert_unchanged(&path);
    }

    #[test]
    fn restore_refuses_a_foreign_or_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 5);
        let foreign = dir.path().join("foreign.db");
        Connection::open(&foreign)
            .unwrap()
            .execute("CREATE TABLE t (x)", [])
            .unwrap();
        let e = restore(&foreign, &path, BUSY).unwrap_err();
        assert!(matches!(e, BackupError::NotEventpbx(_)), "{e}");
        let newer = backup_of(dir.path(), &path);
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", 999)
            .unwrap();
        let e = restore(&newer, &path, BUSY).unwrap_err();
        assert!(matches!(e, BackupError::TooNew { found: 999, .. }), "{e}");
        assert_unchanged(&path);
    }

    #[test]
    fn restore_refuses_while_a_process_has_the_database_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture(dir.path(), 5);
        let backup = backup_of(dir.path(), &path);
        // This test's process stands in for Asterisk: it holds the file open.
        let holder = crate::db::open(&path, BUSY).unwrap();
        let e = restore(&backup, &path, BUSY).unwrap_err();
        let BackupError::InUse(who) = &e else {
            panic!("{e}")
        };
        assert!(
            who.contains(&format!("pid {}", std::process::id())),
            "{who}"
        );
        drop(holder);
        assert_unchanged(&path);
        assert!(holders(&path).is_empty());
    }
}
