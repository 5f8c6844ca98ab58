//! Wiring: open the database, start the web server, and stop everything on one token.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Settings;
use crate::db::{Db, DbError};

/// The daemon's shared state is the web layer's (`web::state`); this module only opens it.
pub use crate::web::state::AppState;

/// Why the daemon could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The web server failed.
    #[error("web server: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("LDAP directory on {addr}: {source}")]
    Ldap {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

// Opening is wiring, so it lives here rather than in `web::state` beside the type.
impl AppState {
    /// Opens and migrates the database named by the settings.
    pub fn open(settings: Settings) -> Result<AppState, DaemonError> {
        let db = Db::open(
            &settings.db_path(),
            Duration::from_millis(settings.data.busy_timeout_ms),
        )?;
        Ok(AppState::new(settings, db))
    }
}

/// Starts the call engine if the ARI password can be read; without it eventpbx serves only
/// the web UI (tests of the web layer run that way; `eventpbx serve` refuses to start).
async fn start_engine(
    state: &AppState,
    tracker: &TaskTracker,
    shutdown: &CancellationToken,
) -> Option<crate::calls::engine::Engine> {
    let password = match state.settings.ari_password() {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "no ARI password: running without the call engine");
            return None;
        }
    };
    let client = match crate::ari::AriClient::new(
        &state.settings.ari.url,
        &state.settings.ari.username,
        &password,
    ) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the ARI client");
            return None;
        }
    };
    // The engine's tasks (websocket reader, dispatcher, one task per call, their REST
    // connections) hand every event from one to the next. On a single-threaded runtime of
    // their own each hand-over is a queue push; on the shared multi-threaded one it often
    // woke a parked worker thread (a futex or eventfd write and a context switch), which
    // was a good part of what a call cost. The web server keeps the multi-threaded runtime.
    let (settings, db, stop) = (state.settings.clone(), state.db.clone(), shutdown.clone());
    let engine_tasks = TaskTracker::new();
    let waited = engine_tasks.clone();
    let (started, engine) = tokio::sync::oneshot::channel();
    // The engine logs where its caller logs (a test's own subscriber, too).
    let logs = tracing::dispatcher::get_default(|d| d.clone());
    // The runtime is built, run and dropped on this thread, never inside an async context.
    let thread = std::thread::Builder::new()
        .name("eventpbx-calls".into())
        .spawn(move || {
            let _logs = tracing::dispatcher::set_default(&logs);
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the call engine's runtime");
                    return;
                }
            };
            runtime.block_on(async move {
                let config = crate::calls::engine::EngineConfig::default();
                let engine = crate::calls::engine::start(
                    settings,
                    db,
                    client,
                    config,
                    &engine_tasks,
                    stop.clone(),
                );
                if started.send(engine).is_err() {
                    // Nobody waits for the engine (the daemon stopped while it started):
                    // dropping the runtime stops its tasks.
                    return;
                }
                // Until shutdown and until the engine's tasks have finished.
                stop.cancelled().await;
                engine_tasks.close();
                engine_tasks.wait().await;
            });
        });
    if let Err(e) = thread {
        tracing::error!(error = %e, "cannot start the call engine's thread");
        return None;
    }
    let engine = engine.await.ok()?;
    // The daemon's shutdown waits for the engine's tasks too.
    tracker.spawn(async move { waited.wait().await });
    Some(engine)
}

/// How often old events are pruned from the outbox. Their 24 h need not be exact; this keeps
/// the table from growing while the daemon runs for days.
const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Prunes the events outbox at start and then every [`PRUNE_EVERY`] until `shutdown`.
async fn prune_outbox(db: Db, shutdown: CancellationToken) {
    use crate::db::outbox;
    loop {
        let cutoff = crate::db::now() - outbox::RETENTION_SECS;
        match db.write(move |tx| outbox::prune(tx, cutoff)).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(events = n, "pruned the events outbox"),
            // Busy or worse: the next round tries again; nothing is lost by waiting.
            Err(e) => tracing::warn!(error = %e, "pruning the events outbox failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}

/// How often the call history takes in the CDR rows Asterisk wrote: batched, off the event
/// path; a call shows up within this plus [`HISTORY_SETTLE_SECS`] of its end.
const HISTORY_EVERY: Duration = Duration::from_secs(5);

/// Seconds after a call's last CDR row before it is ingested (its Local legs' rows are
/// written a moment after the caller's).
const HISTORY_SETTLE_SECS: i64 = 2;

/// Ingests finished calls every [`HISTORY_EVERY`] and prunes the history older than the
/// retention every [`PRUNE_EVERY`], until `shutdown`.
async fn record_history(db: Db, settings: Arc<Settings>, shutdown: CancellationToken) {
    use crate::db::history;
    let retention = i64::from(settings.history.retention_days) * 86_400;
    let mut last_prune: Option<tokio::time::Instant> = None;
    loop {
        let now = crate::db::now();
        match db
            .write(move |tx| history::ingest(tx, now, HISTORY_SETTLE_SECS))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::debug!(calls = n, "call history ingested"),
            Err(e) => tracing::warn!(error = %e, "ingesting the call history failed"),
        }
        if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(tokio::time::Instant::now());
            match db
                .write(move |tx| history::prune(tx, now - retention))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::debug!(calls = n, "call history pruned"),
                Err(e) => tracing::warn!(error = %e, "pruning the call history failed"),
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(HISTORY_EVERY) => {}
        }
    }
}

/// Keeps `stats_minutes` (the operator page's charts): every minute, counts the last hour
/// again and samples the registrations, and drops what is older than two days.
async fn record_stats(db: Db, shutdown: CancellationToken) {
    use crate::db::stats;
    use crate::domain::stats::minute_of;
    loop {
        let now = crate::db::now();
        let minute = minute_of(now);
        let result = db
            .write(move |tx| {
                stats::count_minutes(tx, minute - stats::RECOUNT_SECS, minute + 60)?;
                let registered = stats::registered_now(tx)?;
                stats::record_registered(tx, minute, &registered)?;
                stats::prune(tx, minute - stats::KEEP_SECS)
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "recording the per-minute statistics failed");
        }
        // Shortly after the next minute starts, so each minute's sample is from its start.
        let wait = u64::try_from(minute + 61 - now).unwrap_or(60);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
        }
    }
}

/// Releases the extensions held from the previous event whose owners did not take them back
/// in time, at start and then every [`PRUNE_EVERY`] until `shutdown`.
async fn release_holds(db: Db, settings: Arc<Settings>, shutdown: CancellationToken) {
    loop {
        let s = settings.clone();
        let now = crate::db::now();
        match db
            .write(move |tx| crate::db::transfer::release_expired_holds(tx, &s, now))
            .await
        {
            Ok(released) if released.is_empty() => {}
            Ok(released) => tracing::info!(?released, "held numbers released"),
            Err(e) => tracing::warn!(error = %e, "releasing held numbers failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}

/// How often the token guard looks again without a new failure: so its alarm clears (and
/// old attempt rows go) when the guessing stops.
const GUARD_EVERY: Duration = Duration::from_secs(30);

/// Re-checks the global token guard and prunes old attempts every [`GUARD_EVERY`] until
/// `shutdown`.
async fn watch_token_guard(db: Db, guard: crate::db::attempts::Guard, shutdown: CancellationToken) {
    loop {
        let now = crate::db::now();
        if let Err(e) = db
            .write(move |tx| crate::db::attempts::check_guard(tx, guard, now))
            .await
        {
            // The next round tries again; the alarm is only late by one round.
            tracing::warn!(error = %e, "checking the token guard failed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(GUARD_EVERY) => {}
        }
    }
}

/// How often the WAL is copied back into the database (see `db::defer_checkpoints`).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Checkpoints the database every [`CHECKPOINT_EVERY`] until `shutdown`.
async fn checkpoint_wal(db: Db, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
        }
        if let Err(e) = db.checkpoint().await {
            // Busy now; the WAL only grows a little until the next round.
            tracing::debug!(error = %e, "checkpoint postponed");
        }
    }
}

/// Takes an automatic backup every `every` (the first one interval after start, so restarts
/// do not pile up copies) and keeps the newest `keep`, until `shutdown`.
async fn backup_periodically(
    db: Db,
    dir: std::path::PathBuf,
    every: Duration,
    keep: usize,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let into = dir.clone();
        let done = db
            .read(move |c| {
                Ok(crate::db::backup::auto_backup(
                    c,
                    &into,
                    keep,
                    crate::db::now(),
                ))
            })
            .await;
        match done {
            Ok(Ok((info, removed))) => tracing::info!(
                file = %info.path.display(),
                bytes = info.bytes,
                removed = removed.len(),
                "automatic backup written"
            ),
            // Logged loudly: a backup that silently stops is worse than none.
            Ok(Err(e)) => tracing::error!(error = %e, "automatic backup failed"),
            Err(e) => tracing::error!(error = %e, "automatic backup failed"),
        }
    }
}

/// How often registrations of AORs with qualify off are read from ps_contacts.
const UNQUALIFIED_SYNC: Duration = Duration::from_secs(2);

/// Keeps the live registry's view of registrations nobody qualifies: Asterisk tells ARI
/// nothing about them (it calls their endpoints offline), so only ps_contacts knows. One
/// small read every couple of seconds; the registry reports only changes.
async fn sync_unqualified(
    db: Db,
    live: crate::calls::live::LiveRegistry,
    shutdown: CancellationToken,
) {
    loop {
        match db
            .read(|c| crate::db::pjsip::unqualified_registrations(c, crate::db::now()))
            .await
        {
            Ok(regs) => live.set_unqualified(&regs),
            Err(e) => tracing::debug!(error = %e, "reading unqualified registrations failed"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(UNQUALIFIED_SYNC) => {}
        }
    }
}

/// Starts the DECT sync when `[omm] enabled`; its handles go to the web layer. Without the
/// OMM password it logs why and stays off (the rest of eventpbx does not need it).
fn start_dect(
    state: &AppState,
    tracker: &TaskTracker,
    shutdown: &CancellationToken,
) -> Option<crate::service::dect::DectControl> {
    use crate::service::dect::{self, DectControl, OmmStatus};
    let settings = &state.settings;
    if !settings.omm.enabled {
        return None;
    }
    let password = match settings.omm_password() {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "no OMM password: the DECT sync stays off");
            return None;
        }
    };
    // `Settings::validate` checked the URL when the sync is enabled.
    let address = match settings.omm.address() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "omm.url: the DECT sync stays off");
            return None;
        }
    };
    let mut config =
        crate::omm::OmmConfig::new(&address.host, address.port, &settings.omm.user, &password);
    if address.tls {
        config.transport = crate::omm::Transport::Tls {
            accept_self_signed: settings.omm.tls_accept_self_signed,
        };
    }
    let (status_tx, status) = tokio::sync::watch::channel(OmmStatus::default());
    // Admin clicks: a couple may wait while the sync is busy; more are refused at once.
    let (commands, commands_rx) = tokio::sync::mpsc::channel(4);
    tracker.spawn(dect::run(
        state.db.clone(),
        (**settings).clone(),
        config,
        status_tx,
        commands_rx,
        shutdown.clone(),
    ));
    Some(DectControl { status, commands })
}

/// Runs the daemon on an already bound listener until `shutdown` is cancelled.
/// Tests bind port 0 and pass the listener in.
pub async fn run(
    mut state: AppState,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), DaemonError> {
    let tracker = TaskTracker::new();
    if state.settings.ldap.enabled {
        let server = crate::ldap::Server::new(state.clone(), crate::ldap::Limits::default())?;
        let addr = state.settings.ldap.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| DaemonError::Ldap { addr, source })?;
        tracing::info!(%addr, base = %state.settings.ldap.base_dn, "LDAP directory listening");
        tracker.spawn(server.serve(listener, shutdown.clone()));
    }
    state.dect = start_dect(&state, &tracker, &shutdown);
    let live: Arc<dyn crate::web::live_view::LiveSource> =
        match start_engine(&state, &tracker, &shutdown).await {
            Some(engine) => {
                tracker.spawn(sync_unqualified(
                    state.db.clone(),
                    engine.live.clone(),
                    shutdown.clone(),
                ));
                Arc::new(crate::web::live_view::EngineLive(engine))
            }
            None => Arc::new(crate::web::live_view::Offline),
        };
    tracker.spawn(crate::web::metrics::keep_recorder(shutdown.clone()));
    tracker.spawn(prune_outbox(state.db.clone(), shutdown.clone()));
    tracker.spawn(record_history(
        state.db.clone(),
        state.settings.clone(),
        shutdown.clone(),
    ));
    tracker.spawn(checkpoint_wal(state.db.clone(), shutdown.clone()));
    tracker.spawn(record_stats(state.db.clone(), shutdown.clone()));
    tracker.spawn(release_holds(
        state.db.clone(),
        state.settings.clone(),
        shutdown.clone(),
    ));
    if state.settings.backup.interval_minutes > 0 {
        tracker.spawn(backup_periodically(
            state.db.clone(),
            state.settings.backup_dir(),
            Duration::from_secs(u64::from(state.settings.backup.interval_minutes) * 60),
            usize::try_from(state.settings.backup.keep).unwrap_or(usize::MAX),
            shutdown.clone(),
        ));
    }
    tracker.spawn(watch_token_guard(
        state.db.clone(),
        state.settings.token_guard(),
        shutdown.clone(),
    ));
    let router = crate::web::router_with_live(state.clone(), live);
    let web_shutdown = shutdown.clone();
    let stopping = state.stopping.clone();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        web_shutdown.cancelled().await;
        stopping.cancel();
    });
    let result = server.await;
    shutdown.cancel();
    tracker.close();
    tracker.wait().await;
    result.map_err(DaemonError::Io)
}

/// Tells systemd that the daemon serves (`Type=notify`): `READY=1` as one datagram to the
/// socket in `$NOTIFY_SOCKET`. Without that variable (not started by systemd) it does nothing;
/// a failure is logged, not fatal: systemd then times the start out and says so itself.
pub fn notify_ready() {
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    if let Err(error) = send_notify(&socket, b"READY=1\n") {
        tracing::warn!(%error, "cannot tell systemd eventpbx is ready");
    }
}

fn send_notify(socket: &std::ffi::OsStr, message: &[u8]) -> std::io::Result<usize> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixDatagram;
    let sender = UnixDatagram::unbound()?;
    match socket.as_bytes().strip_prefix(b"@") {
        // '@' names a socket in Linux's abstract namespace.
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            sender.send_to_addr(message, &addr)
        }
        None => sender.send_to(message, socket),
    }
}

#[cfg(test)]
mod notify_tests {
    #[test]
    fn ready_arrives_as_one_datagram() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let receiver = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        super::send_notify(path.as_os_str(), b"READY=1\n").unwrap();
        let mut buf = [0u8; 64];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\n");
    }
}
