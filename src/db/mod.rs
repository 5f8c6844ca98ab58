//! The SQLite store shared with Asterisk: opening, pragmas, migrations, and the async handle.
//!
//! Every SQL statement of eventpbx lives below this module. Functions in the aggregate modules
//! take `&Connection` (reads) or `&Transaction` (writes); [`Db`] runs them on tokio's blocking
//! pool so the reactor never waits on SQLite, and starts write transactions with
//! `BEGIN IMMEDIATE` so a writer takes the lock up front instead of failing half-way.

pub mod api_keys;
pub mod attempts;
pub mod audit;
pub mod backup;
pub mod browser;
pub mod conferences;
pub mod dect;
pub mod devices;
pub mod endpoints_view;
pub mod events;
pub mod extensions;
pub mod handsets;
pub mod history;
pub mod numbering;
pub mod numbers;
pub mod outbox;
pub mod phonebook;
pub mod pjsip;
pub mod routing;
pub mod sessions;
pub mod signups;
pub mod stats;
pub mod transfer;
pub mod users;

mod migration_list;
pub(crate) use migration_list::{migrations, MIGRATIONS};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

/// The last migration that made or changed the compiled routing tables (011 made them, 021
/// keyed call waiting by line): a database older than it gets every route compiled again right
/// after migrating (the compiler is Rust, not SQL).
const PLAN_MIGRATION: usize = 21;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Another writer (Asterisk, another request) held the lock longer than busy_timeout.
    #[error("the database is busy; nothing was changed, try again")]
    Busy,
    /// A UNIQUE/CHECK/FOREIGN KEY constraint refused the change (SQLite's words: internal).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A rule of eventpbx refused the change. Its words for people are in `web::failure`.
    #[error("{0}")]
    Refused(Refusal),
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The database was written by a newer eventpbx.
    #[error("the database schema is newer than this eventpbx binary (it knows {known} migrations); upgrade eventpbx")]
    TooNew { known: usize },
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Filesystem trouble around the data folder.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// Anything else SQLite reported.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The blocking task died (a panic in a db function).
    #[error("database task failed: {0}")]
    Task(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match &e {
            rusqlite::Error::QueryReturnedNoRows => DbError::NotFound,
            rusqlite::Error::SqliteFailure(f, msg) => match f.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    metrics::counter!(crate::domain::metrics::DB_BUSY).increment(1);
                    DbError::Busy
                }
                ErrorCode::ConstraintViolation => {
                    DbError::Conflict(msg.clone().unwrap_or_else(|| "constraint failed".into()))
                }
                _ => DbError::Sqlite(e),
            },
            _ => DbError::Sqlite(e),
        }
    }
}

/// Opens a connection with the pragmas eventpbx and Asterisk agree on.
pub fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    configure(&conn, busy_timeout)?;
    Ok(conn)
}

/// Pragmas: WAL so Asterisk's reads never block our writes, NORMAL sync (safe under WAL),
/// foreign keys, and a busy timeout because Asterisk writes ps_contacts concurrently.
pub fn configure(conn: &Connection, busy_timeout: Duration) -> Result<(), DbError> {
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Applies every pending migration; refuses a database newer than this binary.
pub fn migrate(conn: &mut Connection) -> Result<usize, DbError> {
    let current: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map(|v| usize::try_from(v).unwrap_or(usize::MAX))?;
    if current > MIGRATIONS.len() {
        return Err(DbError::TooNew {
            known: MIGRATIONS.len(),
        });
    }
    migrations()
        .to_latest(conn)
        .map_err(|e| DbError::Migration(e.to_string()))?;
    if current < PLAN_MIGRATION {
        write_in(conn, |tx| routing::recompile_all(tx).map(|_| ()))?;
    }
    Ok(MIGRATIONS.len() - current)
}

/// The schema version of a database and the newest this binary knows, without changing it
/// (for `eventpbx check`).
pub fn schema_version(conn: &Connection) -> Result<(usize, usize), DbError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok((
        usize::try_from(current).unwrap_or(usize::MAX),
        MIGRATIONS.len(),
    ))
}

/// SQLite's `PRAGMA integrity_check`: `Ok(())` when it answers only "ok", else its findings.
pub fn integrity_check(conn: &Connection) -> Result<Result<(), String>, DbError> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let lines = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(Ok(()))
    } else {
        Ok(Err(lines.join("; ")))
    }
}

/// Creates the data folder (mode 0770: it holds SIP secrets, but Asterisk's group may share it).
/// A setgid bit set by the installer is kept: it makes the database's `-wal` and `-shm` files,
/// created by whichever process opens the database first, belong to the shared group.
pub fn prepare_data_dir(dir: &Path) -> Result<(), DbError> {
    std::fs::create_dir_all(dir).map_err(|source| DbError::Io {
        context: format!("cannot create data folder {}", dir.display()),
        source,
    })?;
    restrict(dir, 0o770 | setgid_bit(dir))
}

#[cfg(unix)]
fn setgid_bit(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o2000)
}

#[cfg(not(unix))]
fn setgid_bit(_path: &Path) -> u32 {
    0
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<(), DbError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|source| {
        DbError::Io {
            context: format!("cannot restrict permissions of {}", path.display()),
            source,
        }
    })
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<(), DbError> {
    Ok(())
}

/// Opens (creating if needed) and migrates the database file; restricts its mode to 0660.
/// Returns the connection and how many migrations it applied.
pub fn open_and_migrate(
    path: &Path,
    busy_timeout: Duration,
) -> Result<(Connection, usize), DbError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        prepare_data_dir(dir)?;
    }
    let mut conn = open(path, busy_timeout)?;
    restrict(path, 0o660)?;
    let applied = migrate(&mut conn)?;
    Ok((conn, applied))
}

/// How long a database step ran on its thread, without the wait for a thread or the writer's
/// turn: wall time, and the CPU time of that thread (wall time minus the moments the machine
/// ran something else, Asterisk for instance).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkTime {
    /// Wall-clock time from taking a connection to the end (the commit, for writes).
    pub wall: Duration,
    /// CPU time this thread used meanwhile.
    pub cpu: Duration,
}

impl std::ops::AddAssign for WorkTime {
    fn add_assign(&mut self, other: WorkTime) {
        self.wall += other.wall;
        self.cpu += other.cpu;
    }
}

/// Starts measuring a [`WorkTime`] on the current thread.
fn work_timer() -> impl FnOnce() -> WorkTime {
    let wall = std::time::Instant::now();
    // Where the thread clock is unavailable the CPU time reads as zero; wall time still counts.
    let cpu = cpu_time::ThreadTime::try_now().ok();
    move || WorkTime {
        wall: wall.elapsed(),
        cpu: cpu.and_then(|c| c.try_elapsed().ok()).unwrap_or_default(),
    }
}

/// A connection of the daemon's pool: like [`open`], without automatic checkpoints.
fn open_pooled(path: &Path, busy_timeout: Duration) -> Result<Connection, DbError> {
    let conn = open(path, busy_timeout)?;
    defer_checkpoints(&conn)?;
    Ok(conn)
}

/// SQLite copies the WAL back into the database inside whichever commit crosses 1000 pages,
/// which made that one commit (a handset's bind, say) many times slower than the others.
/// The daemon's connections leave that to [`Db::checkpoint`], run off the request path.
/// Asterisk's and the CLI's connections keep SQLite's default.
fn defer_checkpoints(conn: &Connection) -> Result<(), DbError> {
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(())
}

/// The async handle: a small pool of connections used on the blocking thread pool.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    /// One writer at a time from this process: SQLite allows one anyway, and queueing here
    /// (in order, without sleeping) beats many threads polling the lock in SQLite's busy
    /// handler, which backs off in growing sleeps. Asterisk's writes still use busy_timeout.
    writer: tokio::sync::Mutex<()>,
    /// Committed writes made through this handle: caches of derived data compare it to know
    /// that this process changed something since they last looked, and waiters (the events
    /// stream) wake on it instead of polling.
    committed: tokio::sync::watch::Sender<u64>,
}

/// Connections kept open for reuse; more may exist briefly under load.
const MAX_IDLE: usize = 8;

impl Db {
    /// Opens and migrates the file, and keeps the connection for reuse.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Db, DbError> {
        let (conn, _) = open_and_migrate(path, busy_timeout)?;
        defer_checkpoints(&conn)?;
        Ok(Db {
            inner: Arc::new(DbInner {
                path: path.to_path_buf(),
                busy_timeout,
                idle: Mutex::new(vec![conn]),
                writer: tokio::sync::Mutex::new(()),
                committed: tokio::sync::watch::Sender::new(0),
            }),
        })
    }

    /// How many writes this handle has committed so far: it grows by one per successful
    /// [`Db::write`], so a cache of derived data knows this process changed something.
    pub fn committed_writes(&self) -> u64 {
        *self.inner.committed.borrow()
    }

    /// Copies what it can of the WAL back into the database without waiting for readers or
    /// blocking writers (a passive checkpoint); the daemon runs it every second.
    pub async fn checkpoint(&self) -> Result<(), DbError> {
        self.read(|c| {
            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// A receiver that wakes after each write this process commits through [`Db::write`].
    /// Writes by other processes (the CLI, Asterisk) do not wake it.
    pub fn subscribe_writes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.committed.subscribe()
    }

    fn checkout(&self) -> Result<Connection, DbError> {
        let pooled = self
            .inner
            .idle
            .lock()
            .map_err(|_| DbError::Task("connection pool poisoned".into()))?
            .pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => open_pooled(&self.inner.path, self.inner.busy_timeout),
        }
    }

    fn checkin(&self, conn: Connection) {
        if let Ok(mut idle) = self.inner.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
    }

    /// Runs a read on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        self.read_timed(f).await.map(|(value, _)| value)
    }

    /// Like [`Db::read`], also saying how long the read itself ran on its thread (without
    /// the wait for a blocking-pool thread): what benchmarks call eventpbx's database work.
    pub async fn read_timed<T, F>(&self, f: F) -> Result<(T, WorkTime), DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let timer = work_timer();
            let conn = db.checkout()?;
            let result = f(&conn);
            db.checkin(conn);
            result.map(|value| (value, timer()))
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the blocking pool; commits if `f`
    /// returns Ok, rolls back otherwise, so a failure changes nothing.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    {
        self.write_timed(f).await.map(|(value, _)| value)
    }

    /// Like [`Db::write`], also saying how long the transaction ran, commit included (without
    /// the wait for the writer's turn and a blocking-pool thread).
    pub async fn write_timed<T, F>(&self, f: F) -> Result<(T, WorkTime), DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    {
        self.write_timed_as(f).await
    }

    /// Like [`Db::write`] for a use case with its own error type: a rule refusing the change
    /// half-way rolls the transaction back like storage trouble does, and the caller gets one
    /// flat error instead of a result inside a result.
    pub async fn write_as<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.write_timed_as(f).await.map(|(value, _)| value)
    }

    async fn write_timed_as<T, E, F>(&self, f: F) -> Result<(T, WorkTime), E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let _turn = self.inner.writer.lock().await;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let timer = work_timer();
            let mut conn = db.checkout()?;
            let result = write_in_as(&mut conn, f);
            db.checkin(conn);
            if result.is_ok() {
                // Here rather than after the await: it counts even if the caller is gone.
                db.inner.committed.send_modify(|n| *n = n.wrapping_add(1));
            }
            result.map(|value| {
                let work = timer();
                metrics::histogram!(crate::domain::metrics::DB_WRITE_DURATION)
                    .record(work.wall.as_secs_f64());
                (value, work)
            })
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }
}

impl Db {
    /// Whether this process can write the database now: takes the write lock with
    /// `BEGIN IMMEDIATE` and rolls back, so nothing changes and no cache sees a write (unlike
    /// an empty [`Db::write`], which counts as one). For `/healthz`.
    pub async fn probe_write(&self) -> Result<(), DbError> {
        let _turn = self.inner.writer.lock().await;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.checkout()?;
            let result = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .and_then(|tx| tx.rollback())
                .map_err(DbError::from);
            db.checkin(conn);
            result
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}

/// One immediate transaction on a plain connection (used by [`Db::write`] and tests).
pub fn write_in<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError>,
) -> Result<T, DbError> {
    write_in_as(conn, f)
}

/// [`write_in`] for a use case's own error type; rolls back on any error.
pub fn write_in_as<T, E: From<DbError>>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(DbError::from)?;
    let value = f(&tx)?;
    tx.commit().map_err(DbError::from)?;
    Ok(value)
}

/// Which rule of eventpbx refused a change, as a value: the pages, the API and the CLI word it
/// from the one table in `web::failure` (its `Display`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The settings' temporary range is not a range of numbers.
    BadTemporaryRange,
    /// Every number of the temporary range is in use.
    TemporaryRangeFull,
    /// No free token of the configured length was found.
    NoFreeToken,
    /// The extension is a SIP extension, so it has a password and no token.
    NotAHandset(String),
    /// The extension has a handset bound, which must be released first.
    HandsetBound(String),
    /// The extension has no handset bound.
    NoHandsetBound(String),
    /// The extension changed during the transaction.
    ChangedMeanwhile(String),
    /// A phonebook entry without a name.
    EntryNameMissing,
    /// A phonebook entry's name is too long or holds control characters.
    EntryNameInvalid { max: usize },
    /// A phonebook entry's number is not 1 to `max` of 0-9, `*`, `#` and `+`.
    EntryNumberInvalid { max: usize },
    /// There is a phonebook entry for that number already.
    EntryExists(String),
    /// An API key's name is not 1 to 64 characters.
    KeyNameInvalid,
    /// An API key of that name exists.
    KeyExists(String),
    /// The extension has a browser phone already.
    BrowserPhoneExists(String),
    /// The extension has no browser phone.
    NoBrowserPhone(String),
    /// A group rings its members and has no device, browser phone included.
    GroupHasNoPhone(String),
    /// A conference room is joined by dialling it and has no device, browser phone included.
    RoomHasNoPhone(String),
}

/// Seconds since the Unix epoch, the timestamp format of every table.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) fn test_conn() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    configure(&conn, Duration::from_millis(100)).unwrap();
    migrate(&mut conn).unwrap();
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pool_leaves_checkpoints_to_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), Duration::from_millis(100)).unwrap();
        for i in 0..50 {
            db.write(move |tx| {
                tx.execute(
                    "INSERT INTO phonebook_entries (name, number, created_at) VALUES (?1, ?2, 0)",
                    rusqlite::params![format!("Entry {i} {}", "x".repeat(2000)), format!("{i}")],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        }
        async fn wal(db: &Db) -> Result<(i64, i64, i64), DbError> {
            db.read(|c| {
                let auto: i64 = c.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
                // (busy, frames in the WAL, frames checkpointed) of a passive run.
                let (log, done): (i64, i64) =
                    c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get(1)?, r.get(2)?))
                    })?;
                Ok((auto, log, done))
            })
            .await
        }
        let (auto, log, _) = wal(&db).await.unwrap();
        assert_eq!(auto, 0, "no automatic checkpoints on the pool");
        assert!(log > 0, "the writes sit in the WAL");
        db.checkpoint().await.unwrap();
        let (_, log, done) = wal(&db).await.unwrap();
        assert_eq!(log, done, "everything copied back");
    }

    #[test]
    fn work_time_counts_this_threads_cpu_not_its_sleep() {
        let timer = work_timer();
        std::thread::sleep(Duration::from_millis(30));
        let mut x = 0u64;
        // Spin for 20 ms of this thread's CPU, not of the wall clock: on a loaded machine the
        // thread may get only a fraction of a wall-clock interval.
        let spin = cpu_time::ThreadTime::now();
        while spin.elapsed() < Duration::from_millis(20) {
            x = x.wrapping_add(1);
        }
        assert!(x > 0);
        let t = timer();
        assert!(t.wall >= Duration::from_millis(50), "{t:?}");
        assert!(t.cpu >= Duration::from_millis(15), "the spin counts: {t:?}");
        assert!(
            t.cpu < Duration::from_millis(45),
            "the sleep does not: {t:?}"
        );
    }

    #[test]
    fn embedded_migrations_match_the_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<String> = MIGRATIONS.iter().map(|(n, _)| format!("{n}.sql")).collect();
        assert_eq!(files, embedded);
    }

    #[test]
    fn the_helpdesk_role_is_stored_and_other_names_are_still_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let insert = |conn: &Connection, name: &str, role: &str| {
            conn.execute(
                "INSERT INTO users (username, display_name, password_hash, role, created_at)
                 VALUES (?1, 'x', 'h', ?2, 0)",
                rusqlite::params![name, role],
            )
        };
        insert(&conn, "helen", "helpdesk").unwrap();
        assert!(insert(&conn, "mallory", "root").is_err(), "the CHECK stays");
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        // Another connection to the same file sees the new definition too.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let mut first = Connection::open(&path).unwrap();
        let second = Connection::open(&path).unwrap();
        let _: i64 = second
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        migrate(&mut first).unwrap();
        insert(&second, "helen", "helpdesk").unwrap();
    }

    #[test]
    fn migrate_is_idempotent_and_refuses_newer_db() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), MIGRATIONS.len());
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert!(matches!(migrate(&mut conn), Err(DbError::TooNew { .. })));
    }

    #[test]
    fn file_db_uses_wal_and_restricted_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("e.db");
        let (conn, _) = open_and_migrate(&path, Duration::from_millis(100)).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o007, 0, "not world-accessible");
        let dmeta = std::fs::metadata(path.parent().unwrap()).unwrap();
        assert_eq!(dmeta.permissions().mode() & 0o007, 0);
    }

    #[test]
    fn data_dir_keeps_the_installers_setgid_bit() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o2775)).unwrap();
        prepare_data_dir(&data).unwrap();
        let mode = std::fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o7777,
            0o2770,
            "others lose access, the setgid bit stays"
        );
    }

    #[tokio::test]
    async fn committed_writes_wake_subscribers_and_failed_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("e.db"), Duration::from_millis(50)).unwrap();
        let writes = db.subscribe_writes();
        let failed: Result<(), DbError> = db
            .write(|tx| {
                tx.execute("INSERT INTO reserved_numbers (number) VALUES ('2222')", [])?;
                Err(DbError::Refused(Refusal::ChangedMeanwhile("4711".into())))
            })
            .await;
        assert!(failed.is_err());
        assert!(!writes.has_changed().unwrap(), "a rollback wakes no one");
        db.write(|tx| {
            tx.execute("INSERT INTO reserved_numbers (number) VALUES ('2222')", [])?;
            Ok(())
        })
        .await
        .unwrap();
        assert!(writes.has_changed().unwrap());
    }

    #[tokio::test]
    async fn locked_database_gives_busy_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let db = Db::open(&path, Duration::from_millis(50)).unwrap();
        // Another process (Asterisk, say) holds the write lock.
        let mut other = open(&path, Duration::from_millis(50)).unwrap();
        let tx = other
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        let result = db
            .write(|tx| {
                tx.execute("INSERT INTO reserved_numbers (number) VALUES ('2222')", [])?;
                Ok(())
            })
            .await;
        assert!(matches!(result, Err(DbError::Busy)), "{result:?}");
        tx.rollback().unwrap();
        let count: i64 = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM reserved_numbers", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(count, 0);
    }
}
